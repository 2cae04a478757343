"""Each unit under nbgrader: the reference solution earns full marks, the release earns zero,
TensorFlow noise costs nothing, and known-wrong implementations lose points."""
import json

import nbformat
import pytest

from autograder.course import assignment_notebook
from autograder.grading import grade_submissions
from conftest import UNITS, execute, run_check, solution_variant, stderr_outputs
from known_mistakes import KNOWN_MISTAKES
from mistake_packing import pack

# A correct rnn-course solution whose first call makes Python, Keras and TensorFlow write to stderr.
NOISE = '''
import warnings, keras, tensorflow as tf
warnings.warn("a harmless warning from the student's code", UserWarning)
keras.layers.Dense(2, input_shape=(3,))  # Keras warns about input_shape on stderr
tf.get_logger().warning("a TensorFlow log line")
'''


def autograded(results):
    return [r for r in results if not r.by_hand]


def score(results):
    return sum(r.earned for r in autograded(results)), sum(r.possible for r in autograded(results))


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory):
    """Solution and untouched release of every unit, graded by one nbgrader run per unit."""
    cache = {}

    def grade(unit):
        if unit not in cache:
            cache[unit] = grade_submissions(unit, {
                "solution": assignment_notebook(unit, "source"),
                "release": assignment_notebook(unit, "release"),
            })
        return cache[unit]
    return grade


def test_source_notebook_runs_without_errors_or_stderr(unit):
    nb = execute(assignment_notebook(unit, "source"))
    assert stderr_outputs(nb) == []


def test_reference_solution_earns_full_marks(unit, graded):
    results = graded(unit)["solution"]
    failed = [(r.grade_id, r.message) for r in autograded(results) if r.earned < r.possible]
    assert failed == []
    earned, possible = score(results)
    assert possible > 0 and earned == possible


def test_untouched_release_earns_zero_and_grading_finishes(unit, graded):
    results = graded(unit)["release"]
    assert len(results) == len(graded(unit)["solution"])  # every cell was graded
    assert all(r.earned in (0, None) for r in results), [(r.grade_id, r.earned) for r in results]
    assert all("NotImplementedError" in r.message for r in autograded(results) if r.message)
    assert score(results)[0] == 0


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


def mistake_runs():
    """(unit, groups) for each nbgrader run; a group of mistakes is graded as one submission."""
    runs = []
    for unit_name, mistakes in KNOWN_MISTAKES.items():
        if unit_name in UNITS:
            groups = pack(mistakes, assignment_notebook(unit_name))
            runs += [(unit_name, groups[i:i + GROUPS_PER_RUN]) for i in range(0, len(groups), GROUPS_PER_RUN)]
    return runs


@pytest.mark.parametrize("unit_name, groups", mistake_runs(),
                         ids=lambda value: value if isinstance(value, str) else f"{len(value)}groups")
def test_known_mistakes_lose_points(unit_name, groups, tmp_path):
    submissions = {f"group{i}": solution_variant(unit_name, {m.solution_cell: m.source for m in group},
                                                 tmp_path / f"{i}.ipynb")
                   for i, group in enumerate(groups)}
    graded = grade_submissions(unit_name, submissions)
    for i, group in enumerate(groups):
        by_cell = {r.grade_id: r for r in graded[f"group{i}"]}
        for mistake in group:
            kept = [t for t in mistake.loses if by_cell[t].earned >= by_cell[t].possible]
            assert kept == [], f"'{mistake.name}' still earned full points on {kept}"


def test_every_graded_function_has_known_mistakes(unit):
    nb = nbformat.read(assignment_notebook(unit), as_version=4)
    solution_cells = {c.metadata.nbgrader["grade_id"] for c in nb.cells
                      if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    covered = {m.solution_cell for m in KNOWN_MISTAKES.get(unit, [])}
    assert solution_cells <= covered, f"no known mistakes for {solution_cells - covered}"


def test_check_gives_full_marks_to_the_solution_and_zero_to_the_stub(unit):
    for folder, expect_full in [("source", True), ("release", False)]:
        result = run_check(assignment_notebook(unit, folder), "--json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        earned = sum(r["earned"] for r in report["results"] if not r["by_hand"])
        possible = sum(r["possible"] for r in report["results"] if not r["by_hand"])
        assert report["unit"] == unit and possible > 0
        assert earned == (possible if expect_full else 0)
