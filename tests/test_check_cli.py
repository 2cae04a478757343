"""`autograder check`: one line for a bad notebook, a clear table and notes for a tampered one."""
import json

import nbformat
import pytest

from autograder.check import format_table, identify_unit
from autograder.course import COURSE_ROOT, assignment_notebook, read_notebook
from autograder.grading import CellResult
from conftest import run_check, solution_variant


def one_line_error(result, *words):
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograder: error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_missing_file(tmp_path):
    one_line_error(run_check(tmp_path / "nope.ipynb"), "no such file")


def test_folder_instead_of_notebook(tmp_path):
    one_line_error(run_check(tmp_path), "is a folder")


@pytest.mark.parametrize("content", ["{", "not json at all", '{"cells": [}', ""])
def test_not_json(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    one_line_error(run_check(path), "not a readable Jupyter notebook")


def test_truncated_notebook(tmp_path):
    path = tmp_path / "truncated.ipynb"
    text = assignment_notebook(sorted(p.name for p in (COURSE_ROOT / "source").iterdir())[0], "release").read_text()
    path.write_text(text[: len(text) // 2])
    one_line_error(run_check(path), "not a readable Jupyter notebook")


def test_notebook_of_another_course(tmp_path):
    path = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    one_line_error(run_check(path), "not an assignment of this course")


@pytest.mark.slow
def test_tampered_notebook_gets_notes_and_loses_what_it_broke(tmp_path):
    """Gutting a test cell cannot hide a wrong answer; a deleted test cell is put back and graded (the
    softmax it tests is right: it keeps its point)."""
    unit = "02_hidden_state"
    path = solution_variant(unit, {
        "test_count_rnn_parameters": "pass",  # edited locked cell: graded as written by the instructor
        "count_rnn_parameters": "def count_rnn_parameters(input_dim, hidden_dim, output_dim):\n    return 0",
    }, tmp_path / "tampered.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_softmax_stable"]
    nbformat.write(nb, path)

    result = run_check(path, "--json")  # grading is the slow part: grade once, print the table from it
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    table = format_table(report["unit"], report["notes"], [CellResult(**r) for r in report["results"]])
    assert "locked cell 'test_softmax_stable' was deleted; it is put back and graded as originally written" in table
    assert "locked cell 'test_count_rnn_parameters' was edited" in table
    assert "count_rnn_parameters(3, 4, 2): expected 42, got 0" in table  # expected first, then got

    by_cell = {r["grade_id"]: r for r in report["results"]}
    assert by_cell["test_count_rnn_parameters"]["earned"] == 0
    assert by_cell["test_softmax_stable"]["earned"] == by_cell["test_softmax_stable"]["possible"] == 1
    assert by_cell["test_softmax_values"]["earned"] == by_cell["test_softmax_values"]["possible"]


@pytest.mark.slow
def test_table_lists_every_exercise_with_points_and_total():
    result = run_check(assignment_notebook("02_hidden_state", "release"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "exercise" in out and "earned" in out and "possible" in out
    assert "test_rnn_forward_values" in out and "-> NotImplementedError: replace" in out
    assert "total (autograded)" in out and "not answered yet" in out


def test_every_unit_is_recognised_from_its_source_and_its_release(unit):
    """check grades a notebook as the unit whose graded cells it has (grading itself: test_grading.py,
    through the same grade_submissions that check calls)."""
    for folder in ("source", "release"):
        path = assignment_notebook(unit, folder)
        assert identify_unit(read_notebook(path), path) == unit
