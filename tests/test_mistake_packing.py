"""The dependency analysis that lets independent known mistakes share one graded notebook."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder.course import assignment_notebook
from known_mistakes import KNOWN_MISTAKES
from known_mistakes.mistake import Mistake
from mistake_packing import pack, solution_cells_reaching


def cell(grade_id, source, solution=False, grade=False):
    code = new_code_cell(source)
    code.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade,
                                 "locked": not solution, "schema_version": 3, "points": 1 if grade else 0}
    return code


def notebook(tmp_path, cells):
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    return nbformat.read(path, as_version=4), path


def test_functions_calling_functions_are_followed(tmp_path):
    nb, _ = notebook(tmp_path, [
        cell("step", "def step(x):\n    return x + 1", solution=True),
        cell("loop", "def loop(xs):\n    total = 0\n    for x in xs:\n        total = step(total)\n    return total",
             solution=True),
        cell("other", "def other(z):\n    return [y * 2 for y in z]", solution=True),
        cell("test_loop", "assert loop([1, 2]) == 2", grade=True),
        cell("test_other", "result = other([1])\nassert result == [2]", grade=True),
    ])
    reaches = solution_cells_reaching(nb)
    assert reaches["test_loop"] == {"loop", "step"}
    assert reaches["test_other"] == {"other"}


def test_top_level_names_come_from_the_last_cell_that_set_them(tmp_path):
    nb, _ = notebook(tmp_path, [
        cell("f", "def f():\n    return 1", solution=True),
        cell("g", "def g():\n    return 2", solution=True),
        cell("uses_f", "value = f()"),
        cell("uses_g", "value = g()"),
        cell("test_value", "assert value == 2", grade=True),
        cell("test_own", "value = 3\nsquares = [value * k for k in range(3)]\nassert k_free(squares)", grade=True),
        cell("helper", "def k_free(v):\n    return True"),
    ])
    reaches = solution_cells_reaching(nb)
    assert reaches["test_value"] == {"g"}  # the value f() set was overwritten
    assert reaches["test_own"] == set()


def test_read_inside_a_function_depends_on_every_definition(tmp_path):
    nb, _ = notebook(tmp_path, [
        cell("f", "def f():\n    return 1", solution=True),
        cell("test_later", "def check():\n    return data\nassert check()", grade=True),
        cell("sets_data", "data = f()"),
    ])
    assert solution_cells_reaching(nb)["test_later"] == {"f"}


def test_unparsable_cells_depend_on_everything(tmp_path):
    nb, _ = notebook(tmp_path, [
        cell("f", "def f():\n    return 1", solution=True),
        cell("test_magic", "%time f()", grade=True),
    ])
    assert solution_cells_reaching(nb)["test_magic"] == {"f"}


def test_pack_keeps_dependent_mistakes_apart(tmp_path):
    _, path = notebook(tmp_path, [
        cell("step", "def step(x):\n    return x + 1", solution=True),
        cell("loop", "def loop(xs):\n    return step(len(xs))", solution=True),
        cell("other", "def other():\n    return 0", solution=True),
        cell("test_step", "assert step(1) == 2", grade=True),
        cell("test_loop", "assert loop([1]) == 2", grade=True),
        cell("test_other", "assert other() == 0", grade=True),
    ])
    wrong_step = Mistake("step", "step", "def step(x):\n    return x", ("test_step",))
    wrong_loop = Mistake("loop", "loop", "def loop(xs):\n    return step(len(xs)) + 1", ("test_loop",))
    wrong_other = Mistake("other", "other", "def other():\n    return 1", ("test_other",))
    wrong_other_again = Mistake("other 2", "other", "def other():\n    return 2", ("test_other",))
    groups = pack([wrong_step, wrong_loop, wrong_other, wrong_other_again], path)
    assert [[m.name for m in g] for g in groups] == [["step", "other"], ["loop", "other 2"]]
    # A wrong loop that no longer calls step cannot be affected by a wrong step: they may share.
    standalone_loop = Mistake("loop 2", "loop", "def loop(xs):\n    return 0", ("test_loop",))
    assert len(pack([wrong_step, standalone_loop], path)) == 1


def test_a_mistake_that_calls_another_function_is_analysed_as_written(tmp_path):
    _, path = notebook(tmp_path, [
        cell("a", "def a():\n    return 1", solution=True),
        cell("b", "def b():\n    return 2", solution=True),
        cell("test_a", "assert a() == 1", grade=True),
        cell("test_b", "assert b() == 2", grade=True),
    ])
    a_calls_b = Mistake("a calls b", "a", "def a():\n    return b()", ("test_a",))
    wrong_b = Mistake("b", "b", "def b():\n    return 3", ("test_b",))
    assert len(pack([a_calls_b, wrong_b], path)) == 2


def test_every_graded_function_has_known_mistakes(unit):
    nb = nbformat.read(assignment_notebook(unit), as_version=4)
    solution_cells = {c.metadata.nbgrader["grade_id"] for c in nb.cells
                      if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    covered = {m.solution_cell for m in KNOWN_MISTAKES.get(unit, [])}
    assert solution_cells <= covered, f"no known mistakes for {solution_cells - covered}"
