"""Each unit under nbgrader: the reference solution earns full marks, the release earns zero,
TensorFlow noise costs nothing, and known-wrong implementations lose points."""
import ast
from dataclasses import asdict

import nbformat
import pytest

from autograder.cells import role
from autograder.course import assignment_notebook
from autograder.grading import CellResult, grade_submissions
from conftest import UNITS, execute, solution_variant, stderr_outputs
from known_mistakes import KNOWN_MISTAKES, RIGHT_VARIANTS
from mistake_packing import pack
from shared_run import once

pytestmark = pytest.mark.slow

# A correct rnn-course solution whose first call makes Python, Keras and TensorFlow write to stderr.
NOISE = '''
import warnings, keras, tensorflow as tf
warnings.warn("a harmless warning from the student's code", UserWarning)
keras.layers.Dense(2, input_shape=(3,))  # Keras warns about input_shape on stderr
tf.get_logger().warning("a TensorFlow log line")
'''


# The tests that read one unit's grading run on the same xdist worker, which grades it: the other
# worker would otherwise sit waiting for the result.
GRADED_UNITS = [pytest.param(unit, marks=pytest.mark.xdist_group(f"graded-{unit}")) for unit in UNITS]


def autograded(results):
    return [r for r in results if not r.by_hand]


def score(results):
    return sum(r.earned for r in autograded(results)), sum(r.possible for r in autograded(results))


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """graded(unit): the reference solution, the untouched release and the right variants, graded by ONE
    nbgrader run per unit and test run, shared by every test and xdist worker. The solution is also the run that
    proves the notebook executes cleanly, so nbgrader's filter of warning lines on stderr is off
    there: a reference solution must not write to stderr at all (nor earn its points despite it)."""
    def grade(unit):
        def compute(folder):
            variants = {f"variant{i}": solution_variant(unit, {cell: v.source for cell, v in chosen.items()},
                                                        folder.parent / f"{unit}-variant{i}.ipynb")
                        for i, chosen in enumerate(variant_submissions(unit))}
            results = grade_submissions(unit, {"solution": assignment_notebook(unit, "source"),
                                               "release": assignment_notebook(unit, "release"), **variants},
                                        keep_dir=folder, extra_config="c.IgnorePattern.enabled = False")
            return {"results": {student: [asdict(r) for r in cells] for student, cells in results.items()},
                    "notebook": str(folder / "autograded" / "solution" / unit / f"{unit}.ipynb")}
        data = once(tmp_path_factory, f"graded-{unit}", compute)
        graded = {student: [CellResult(**r) for r in cells] for student, cells in data["results"].items()}
        graded["solution_notebook"] = nbformat.read(data["notebook"], as_version=4)
        return graded
    return grade


@pytest.mark.parametrize("unit", GRADED_UNITS)
def test_reference_solution_runs_without_errors_or_stderr(unit, graded):
    nb = graded(unit)["solution_notebook"]
    errors = [(c.metadata.get("nbgrader", {}).get("grade_id"), o.ename) for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert stderr_outputs(nb) == []


@pytest.mark.parametrize("unit", GRADED_UNITS)
def test_reference_solution_earns_full_marks(unit, graded):
    results = graded(unit)["solution"]
    failed = [(r.grade_id, r.message) for r in autograded(results) if r.earned < r.possible]
    assert failed == []
    earned, possible = score(results)
    assert possible > 0 and earned == possible


@pytest.mark.parametrize("unit", GRADED_UNITS)
def test_untouched_release_earns_zero_and_grading_finishes(unit, graded):
    results = graded(unit)["release"]
    assert len(results) == len(graded(unit)["solution"])  # every cell was graded
    assert all(r.earned in (0, None) for r in results), [(r.grade_id, r.earned) for r in results]
    assert all("NotImplementedError" in r.message for r in autograded(results) if r.message)
    assert score(results)[0] == 0


@pytest.mark.parametrize("unit", GRADED_UNITS)
def test_manual_questions_wait_for_a_person(unit, graded):
    manual = [r for r in graded(unit)["solution"] if r.by_hand]
    assert manual, "every unit has at least one free-text question graded by hand"
    assert all(r.earned is None for r in manual), "an answered free-text question waits for a person"
    assert all(r.earned == 0 for r in graded(unit)["release"] if r.by_hand), "an empty answer earns 0"


@pytest.mark.parametrize("unit_name", ["02_hidden_state"])
def test_tensorflow_warnings_cost_no_points(unit_name, tmp_path):
    nb = nbformat.read(assignment_notebook(unit_name), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "rnn_forward")
    noisy_source = cell.source.replace('"""\n    ### BEGIN SOLUTION', '"""' + NOISE.replace("\n", "\n    ") + "### BEGIN SOLUTION", 1)
    assert noisy_source != cell.source
    path = solution_variant(unit_name, {"rnn_forward": noisy_source}, tmp_path / "noisy.ipynb")
    # The variant really is noisy: executed as is, a test cell writes to stderr...
    assert any(cell_id.startswith("test_") for cell_id, _ in stderr_outputs(execute(path)))
    # ...and still earns every point under nbgrader.
    results = grade_submissions(unit_name, {"noisy": path})["noisy"]
    earned, possible = score(results)
    assert earned == possible, [(r.grade_id, r.message) for r in results if r.earned != r.possible]


GROUPS_PER_RUN = 4  # submissions per nbgrader run: fewer runs, still spread over both cores


def last_test_index(nb, group):
    """Index of the last cell that a mistake of `group` must fail: nothing after it can change that."""
    tests = {grade_id for mistake in group for grade_id in mistake.loses}
    return max(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") in tests)


def mistake_runs():
    """(unit, groups) for each nbgrader run; a group of mistakes is graded as one submission.

    Groups are sorted by the last test they must fail, and a run's notebooks stop after the last
    test any of its mistakes must fail (see cut): groups that stop at about the same place share a run.
    """
    runs = []
    for unit_name, mistakes in KNOWN_MISTAKES.items():
        if unit_name in UNITS:
            nb = nbformat.read(assignment_notebook(unit_name), as_version=4)
            groups = sorted(pack(mistakes, assignment_notebook(unit_name)), key=lambda g: last_test_index(nb, g))
            runs += [(unit_name, groups[i:i + GROUPS_PER_RUN]) for i in range(0, len(groups), GROUPS_PER_RUN)]
    return runs


def cut(path, length, dropped=()):
    """Keep the first `length` cells of the notebook at `path`, without the test cells named in `dropped`:
    the cells kept run as in the whole notebook, so the verdicts of the tests among them are the same, and
    the rest only cost time (unit 05's trainings: minutes of every run)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells[:length] if c.metadata.get("nbgrader", {}).get("grade_id") not in dropped]
    nbformat.write(nb, path)
    return path


def _names_set(tree):
    """Every name a cell's code binds anywhere: assignments, definitions, imports, parameters."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def _names_needed(tree):
    """The names a cell's code reads without binding them itself: what it takes from earlier cells. A name the
    cell binds anywhere counts as bound before it is read; were that wrong, a kept test would fail with a
    NameError, which the test below reports as not failing through a check (never as a pass)."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - _names_set(tree)


def unneeded_tests(nb, length, needed_tests):
    """The test cells among the first `length` cells that are not in `needed_tests` and bind no name that a
    later kept cell of the referee (a locked or test cell) reads: dropping them changes no kept verdict.
    The student's cells run in the kernel, which never sees what a test cell binds."""
    dropped, needed = set(), set()
    for c in reversed(nb.cells[:length]):
        if role(c) not in ("locked", "test"):
            continue
        tree = ast.parse(c.source)
        grade_id = c.metadata["nbgrader"]["grade_id"]
        if role(c) == "test" and grade_id not in needed_tests and not (_names_set(tree) & needed):
            dropped.add(grade_id)
        else:
            needed |= _names_needed(tree)
    return dropped


@pytest.mark.parametrize("unit_name, groups", mistake_runs(),
                         ids=lambda value: value if isinstance(value, str) else f"{len(value)}groups")
def test_known_mistakes_lose_points(unit_name, groups, tmp_path):
    """Graded against the instructor's notebook cut after the last test any mistake of the run must fail, without
    the earlier test cells that none of them must fail and no kept cell needs."""
    instructor = nbformat.read(assignment_notebook(unit_name), as_version=4)
    length = 1 + max(last_test_index(instructor, g) for g in groups)
    dropped = unneeded_tests(instructor, length, {t for group in groups for mistake in group for t in mistake.loses})
    source = cut(solution_variant(unit_name, {}, tmp_path / "source.ipynb"), length, dropped)
    submissions = {f"group{i}": cut(solution_variant(unit_name, {m.solution_cell: m.source for m in group},
                                                     tmp_path / f"{i}.ipynb"), length, dropped)
                   for i, group in enumerate(groups)}
    graded = grade_submissions(unit_name, submissions, source=source)
    for i, group in enumerate(groups):
        by_cell = {r.grade_id: r for r in graded[f"group{i}"]}
        for mistake in group:
            kept = [t for t in mistake.loses if by_cell[t].earned >= by_cell[t].possible]
            assert kept == [], f"'{mistake.name}' still earned full points on {kept}"
            # It proves a check works only if a check's assertion failed it, not a NameError, a
            # SyntaxError or a crash of the test itself.
            not_by_a_check = {t: by_cell[t].message for t in mistake.loses
                              if not by_cell[t].message.startswith("AssertionError")}
            assert not_by_a_check == {}, f"'{mistake.name}' lost its points without a check failing"
            wrong_words = {t: by_cell[t].message for t, text in mistake.expected_messages().items()
                           if text not in by_cell[t].message}
            assert wrong_words == {}, f"'{mistake.name}' failed with messages that do not say {mistake.says!r}"


def variant_submissions(unit):
    """[{solution cell: variant}, ...] of a unit: the i-th submission takes each cell's i-th right variant."""
    by_cell = {}
    for variant in RIGHT_VARIANTS.get(unit, []):
        by_cell.setdefault(variant.solution_cell, []).append(variant)
    count = max(map(len, by_cell.values()), default=0)
    return [{cell: options[i] for cell, options in by_cell.items() if i < len(options)} for i in range(count)]


@pytest.mark.parametrize("unit", GRADED_UNITS)
def test_right_variants_earn_full_marks(unit, graded):
    """Correct code written unlike the reference loses nothing (issue 14: a correct step that multiplied its
    own dh_next in place lost 3 points). Graded in the same run as the reference solution."""
    assert variant_submissions(unit), f"{unit}: tests/known_mistakes lists no RIGHT_VARIANTS for it"
    for i, chosen in enumerate(variant_submissions(unit)):
        lost = {r.grade_id: r.message for r in autograded(graded(unit)[f"variant{i}"]) if r.earned < r.possible}
        assert lost == {}, f"right variants {[v.name for v in chosen.values()]} lost points"
