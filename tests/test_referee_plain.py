"""The grader on a course of its own, without TensorFlow and without a sandbox: seconds, not minutes.

A toy nbgrader course (one function, two test cells, a free-text answer) is graded with
`autograder grade`'s engine and the student's code in a plain local kernel (sandbox=False, as
`autograder check --no-sandbox` runs it). It shows that the grader knows nbgrader, not this course,
and that the verdicts come from the referee: a student who patches NumPy or the builtins in their
kernel changes nothing, and a deleted or moved cell is graded as the instructor wrote it.
"""
import nbformat
import pytest

from autograder.batch import grade_assignment
from autograder.course import run_nbgrader
from autograder.isolated import STOCK_NBGRADER_CONFIG

UNIT = "toy"
CONFIG = '''c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "toy"
from autograder.isolated import use_referee  # noqa: E402
use_referee(c)
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 30
'''
SOLUTION = '''def scale(x, factor):
    """x times factor, as a new array."""
    ### BEGIN SOLUTION
    import numpy as np
    return np.asarray(x, dtype=float) * factor
    ### END SOLUTION
'''
RIGHT = "import numpy as np\n\ndef scale(x, factor):\n    return np.asarray(x, dtype=float) * factor\n"
WRONG = "def scale(x, factor):\n    return [x]\n"
TESTS = {
    "test_scale_values": "import numpy as np\nassert np.allclose(scale(np.arange(3.0), 2.0), [0, 2, 4]), 'scale: wrong values'\n",
    "test_scale_shape": ("import numpy as np\n### BEGIN HIDDEN TESTS\n"
                         "assert np.shape(scale(np.ones((2, 5)), 3.0)) == (2, 5), 'scale: wrong shape'\n"
                         "### END HIDDEN TESTS\n"),
}


def cell(kind, source, grade_id, **nbgrader):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    meta = {"grade": False, "solution": False, "locked": False, "grade_id": grade_id, "schema_version": 3, **nbgrader}
    return make(source, metadata={"nbgrader": meta})


def source_notebook(after_solution=()):
    return nbformat.v4.new_notebook(cells=[
        cell("markdown", "# A toy assignment\nWrite `scale`.", "intro", locked=True),
        cell("code", "import numpy as np", "setup", locked=True),
        cell("code", SOLUTION, "scale", solution=True),
        *after_solution,
        *[cell("code", text, grade_id, grade=True, locked=True, points=1) for grade_id, text in TESTS.items()],
        cell("markdown", "Why a new array?", "question", locked=True),
        cell("markdown", "YOUR ANSWER HERE", "answer", grade=True, solution=True, points=1),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return toy_course(tmp_path_factory.mktemp("toy-course"))


def toy_course(folder, extra_config="", notebook=None):
    """The toy course in `folder`, its assignment generated; `extra_config` ends its nbgrader_config.py."""
    (folder / "nbgrader_config.py").write_text(CONFIG + extra_config)
    (folder / "source" / UNIT).mkdir(parents=True)
    nbformat.write(notebook or source_notebook(), folder / "source" / UNIT / f"{UNIT}.ipynb")
    run_nbgrader(folder, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    return folder


def hand_in(course, student, nb):
    folder = course / "submitted" / student / UNIT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{UNIT}.ipynb")


def released(course):
    return nbformat.read(course / "release" / UNIT / f"{UNIT}.ipynb", as_version=4)


def submission(course, scale_source, after_solution=(), at_end=(), edit=None):
    nb = released(course)
    at = index_of(nb, "scale")
    nb.cells[at].source = scale_source
    nb.cells[at + 1:at + 1] = [nbformat.v4.new_code_cell(text) for text in after_solution]
    nb.cells += [nbformat.v4.new_code_cell(text) for text in at_end]
    if edit:
        edit(nb)
    return nb


def index_of(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def delete_shape_test(nb):
    del nb.cells[index_of(nb, "test_scale_shape")]


def move_solution_to_the_end(nb):
    nb.cells.append(nb.cells.pop(index_of(nb, "scale")))


PATCHES = (  # run in the student's kernel after the wrong solution: none may reach the tests
    "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.shape = lambda a: (2, 5)\n",
    "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n",
)

STUDENTS = {  # name: (notebook maker, expected autograded points of 2)
    "right": (lambda c: submission(c, RIGHT), 2),
    "wrong": (lambda c: submission(c, WRONG), 0),
    "wrong-patching": (lambda c: submission(c, WRONG, PATCHES), 0),
    "right-deleted-test": (lambda c: submission(c, RIGHT, edit=delete_shape_test), 2),
    "right-moved-solution": (lambda c: submission(c, RIGHT, edit=move_solution_to_the_end), 2),
    # relies on the instructor's setup cell (import numpy as np), which it deleted: put back, full marks
    "right-deleted-setup": (lambda c: submission(c, RIGHT.replace("import numpy as np\n\n", ""),
                                                 edit=lambda nb: nb.cells.pop(index_of(nb, "setup"))), 2),
    # deleted the free-text answer, whose instructor's cell follows locked markdown (nbgrader alone: KeyError)
    "right-deleted-answer": (lambda c: submission(c, RIGHT, edit=lambda nb: nb.cells.pop(index_of(nb, "answer"))), 2),
    "right-then-exits": (lambda c: submission(c, RIGHT, at_end=["import os\nos._exit(3)\n"]), 2),
}
WITH_PROBLEMS = {"right-then-exits"}


@pytest.fixture(scope="module")
def graded(course):
    for student, (make, _) in STUDENTS.items():
        hand_in(course, student, make(course))
    results = grade_assignment(course, UNIT, jobs=2, options={"sandbox": False}, progress=lambda line: None)
    return {r.student: r for r in results}


@pytest.mark.parametrize("student", STUDENTS)
def test_toy_course_verdicts_come_from_the_referee(graded, student):
    result = graded[student]
    status = "graded, with problems" if student in WITH_PROBLEMS else "graded"
    assert (result.score, result.max_score, result.status) == (STUDENTS[student][1], 3, status), result


def test_what_the_kernel_did_reaches_the_report(graded):
    """The sandbox report travels in the autograded notebook's metadata, not in a global of the grader."""
    problems = graded["right-then-exits"].problems
    assert len(problems) == 1 and problems[0].startswith("the kernel stopped (your code exited"), problems


def test_a_failed_test_shows_its_assertion(graded, course):
    nb = nbformat.read(course / "autograded" / "wrong-patching" / UNIT / f"{UNIT}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [(o.ename, o.evalue) for o in errors] == [("AssertionError", "scale: wrong values"),
                                                      ("AssertionError", "scale: wrong shape")]


def test_patching_code_is_flagged(graded):
    assert any("patches NumPy" in flag for flag in graded["wrong-patching"].flags), graded["wrong-patching"].flags
    assert any("builtins" in flag for flag in graded["wrong-patching"].flags)


@pytest.mark.parametrize("student, flag", [("right-deleted-test", "put back"), ("right-moved-solution", "order")])
def test_deleted_and_moved_cells_are_flagged(graded, student, flag):
    assert any(flag in f for f in graded[student].flags), graded[student].flags


def test_control_nbgraders_own_add_missing_cells_fails_after_locked_markdown(tmp_path):
    """Why RestoreInstructorCells replaces nbgrader's add_missing_grade_cells: stock nbgrader, asked to put
    back the deleted answer (after the instructor's locked markdown), fails on the whole notebook."""
    import subprocess
    import sys
    from pathlib import Path

    from autograder.course import nbgrader_env
    toy_course(tmp_path, STOCK_NBGRADER_CONFIG + "c.OverwriteCells.add_missing_cells = True\n")
    hand_in(tmp_path, "student", STUDENTS["right-deleted-answer"][0](tmp_path))
    stock = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", UNIT, "--force"],
                           cwd=tmp_path, env=nbgrader_env(), capture_output=True, text=True)
    assert stock.returncode != 0 and "KeyError: 'question'" in stock.stderr, stock.stderr[-2000:]


@pytest.mark.parametrize("engine, expected", [("course", 0), ("stock", 2)])
def test_the_formgraders_autograde_button_grades_with_the_referee(tmp_path, engine, expected):
    """The formgrader's Autograde button calls nbgrader's NbGraderAPI.autograde with the course's
    nbgrader_config.py: a submission whose patches of NumPy and the builtins fool stock nbgrader (its live
    control: 2 of 2 points) earns nothing through the course's configuration."""
    from nbgrader.api import Gradebook
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    toy_course(tmp_path, "c.IsolatedExecute.sandbox = False\n" + (STOCK_NBGRADER_CONFIG if engine == "stock" else ""))
    hand_in(tmp_path, "student", STUDENTS["wrong-patching"][0](tmp_path))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    config.CourseDirectory.root = str(tmp_path)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    outcome = api.autograde(UNIT, "student")
    assert outcome["success"], outcome.get("error")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(UNIT, "student").score == expected


WHERE = 'import sys\n{name} = "referee" if "autograder.referee" in sys.modules else "kernel"\nrun_{name} = scale(np.arange(3.0), 2.0)\n'


def test_kernel_only_cells_run_only_in_the_students_kernel(tmp_path):
    """A locked cell tagged kernel-only runs in the student's kernel and never in the referee, and the tests reach
    what it defines there; an ordinary locked cell runs in both, and the tests see the referee's copy."""
    from autograder.cells import KERNEL_ONLY_TAG
    kernel_only = cell("code", WHERE.format(name="kernel_only"), "kernel_only", locked=True)
    kernel_only.metadata["tags"] = [KERNEL_ONLY_TAG]
    test = ('import numpy as np\nassert (kernel_only, locked) == ("kernel", "referee"), (kernel_only, locked)\n'
            'assert np.allclose(run_kernel_only, [0, 2, 4]) and np.allclose(run_locked, [0, 2, 4])\n')
    toy_course(tmp_path, notebook=source_notebook(after_solution=[
        kernel_only, cell("code", WHERE.format(name="locked"), "locked", locked=True),
        cell("code", test, "test_where_cells_ran", grade=True, locked=True, points=1)]))
    hand_in(tmp_path, "student", submission(tmp_path, RIGHT))
    [result] = grade_assignment(tmp_path, UNIT, options={"sandbox": False}, progress=lambda line: None)
    nb = nbformat.read(tmp_path / "autograded" / "student" / UNIT / f"{UNIT}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert (result.score, result.max_score, errors) == (3, 4, []), (result, errors)


def test_generating_the_assignment_is_skipped_only_while_nothing_changed(tmp_path, monkeypatch):
    """grade_assignment runs nbgrader generate_assignment (seconds, before any submission starts) only when
    source/, the configuration or the gradebook's copy of the assignment changed since it last did."""
    from autograder import batch
    toy_course(tmp_path)
    generated = []
    real = batch.generate_assignment
    monkeypatch.setattr(batch, "generate_assignment", lambda *args: generated.append(args) or real(*args))
    source_path = tmp_path / "source" / UNIT / f"{UNIT}.ipynb"
    original = source_path.read_text()

    def generates():
        generated.clear()
        batch.generate_if_changed(tmp_path, UNIT)
        return len(generated)

    assert generates() == 1  # never generated by the grader: no record of what the gradebook holds
    assert generates() == 0
    source_path.write_text(original.replace("wrong values", "wrong values (fixed)"))
    assert generates() == 1
    assert generates() == 0
    source_path.write_text(original)
    assert generates() == 1
    # Someone generates another version by hand, then puts the file back: the gradebook no longer matches it.
    source_path.write_text(original.replace("wrong shape", "wrong shape (by hand)"))
    run_nbgrader(tmp_path, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    source_path.write_text(original)
    assert generates() == 1
    run_nbgrader(tmp_path, "generate_assignment", UNIT, "--force", "--log-level=ERROR")  # the same source again
    assert generates() == 0
    (tmp_path / "nbgrader_config.py").write_text((tmp_path / "nbgrader_config.py").read_text() + "\n# edited\n")
    assert generates() == 1
