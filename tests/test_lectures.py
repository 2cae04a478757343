"""Every lecture notebook runs top to bottom without errors and writes nothing to stderr, and hands out
no graded function: lectures teach, assignments assess."""
import ast

import nbformat
import pytest

from autograder.course import COURSE_ROOT, assignment_notebook, source_units
from conftest import LECTURES, execute, stderr_outputs


def test_there_is_a_lecture_for_every_assignment():
    from conftest import UNITS
    assert {p.stem for p in LECTURES} >= set(UNITS)


def code_cells(path):
    """(index, parsed source) of every code cell of a notebook."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            try:
                yield index, cell, ast.parse(cell.source)
            except SyntaxError as error:
                pytest.fail(f"{path.relative_to(COURSE_ROOT)}, cell {index}: not Python ({error})")


def graded_functions():
    """{name: unit} of every graded function: the top-level functions of the assignments' solution cells."""
    graded = {}
    for unit in source_units():
        path = assignment_notebook(unit)
        for _, cell, tree in code_cells(path):
            if cell.metadata.get("nbgrader", {}).get("solution"):
                graded.update({node.name: unit for node in tree.body
                               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))})
    return graded


def defined_functions(tree):
    """Names bound to a function anywhere in a cell: `def NAME`, and `NAME = lambda` (also in a tuple)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                pairs = ([(target, node.value)] if not isinstance(target, ast.Tuple) else
                         zip(target.elts, node.value.elts) if isinstance(node.value, ast.Tuple) else [])
                for name, value in pairs:
                    if isinstance(name, ast.Name) and isinstance(value, ast.Lambda):
                        yield name.id


def test_graded_functions_are_found():
    """The collector below sees every unit's graded functions (else the next test would pass vacuously)."""
    graded = graded_functions()
    assert set(graded.values()) == set(source_units()), "some unit has no solution cell with a function"
    assert {"rnn_step_forward", "rnn_backward", "numerical_gradient"} <= set(graded)


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_defines_no_graded_function(lecture):
    """A lecture never defines a function that an assignment grades (course spec, "What a lecture may show")."""
    graded = graded_functions()
    found = [f"cell {index} defines {name}, graded in {graded[name]}"
             for index, _, tree in code_cells(lecture) for name in defined_functions(tree) if name in graded]
    assert not found, (f"{lecture.relative_to(COURSE_ROOT)} hands out graded solutions: " + "; ".join(found)
                       + ". Show the mathematics and a framework's result instead (Keras layers, tf.GradientTape).")


@pytest.mark.slow
@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_runs_cleanly(lecture):
    nb = execute(lecture)
    assert stderr_outputs(nb) == []
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, "a lecture shows at least one figure"
