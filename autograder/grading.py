"""Autograde notebooks with nbgrader in a scratch course, so no real gradebook is touched."""
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.cells import grade_id, is_free_text, is_graded, points
from autograder.course import make_scratch_course, nbgrader_cells

ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CellResult:
    """The grade of one graded cell of one submission."""
    grade_id: str
    earned: float | None  # None: waits for a person to grade it
    possible: float
    message: str = ""
    by_hand: bool = False  # a free-text answer that a person grades


def failure_message(cell):
    """The one-line reason a test cell failed, from its outputs: 'AssertionError: ...'."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            value = ANSI_ESCAPES.sub("", output.evalue).strip()
            if output.ename == "NotImplementedError" and not value:
                return "NotImplementedError: replace `raise NotImplementedError()` with your code"
            return f"{output.ename}: {value}" if value else output.ename
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stderr":
            return "wrote to stderr: " + output.text.strip().splitlines()[-1][:200]
    return ""


def grade_submissions(unit, submissions, keep_dir=None, source=None, extra_config="", sandbox=True, jobs=1):
    """Autograde {student_id: notebook path} for `unit`; return {student_id: [CellResult, ...]}."""
    graded = grade_notebooks(unit, submissions, keep_dir, source, extra_config, sandbox, jobs)
    return {student: cells for student, (_, cells) in graded.items()}


def grade_notebooks(unit, submissions, keep_dir=None, source=None, extra_config="", sandbox=True, jobs=1):
    """Grade {student_id: notebook path} as `autograder grade` does; return {student_id: (SubmissionResult,
    [CellResult, ...])}.

    The engine is the instructors' one (autograder.batch, the referee): a scratch course built from
    source/ holds the submissions, so hidden tests and locked cells come from the instructor's version
    and no real gradebook is touched. `source` grades against another instructor's notebook instead (a
    part of the unit, say); `extra_config` is appended to the scratch course's nbgrader_config.py;
    `keep_dir` keeps the scratch course there; `sandbox=False` runs the student's code without
    bubblewrap (the tests still run in the referee); `jobs` submissions are graded at once.
    """
    from autograder.batch import grade_assignment
    with tempfile.TemporaryDirectory(prefix="rnn-course-grade-") as scratch:
        course = Path(keep_dir or scratch)
        make_scratch_course(course, [unit])
        if source is not None:
            nbformat.write(nbformat.read(source, as_version=4), course / "source" / unit / f"{unit}.ipynb")
        if extra_config:
            with open(course / "nbgrader_config.py", "a") as config:
                config.write("\n" + extra_config + "\n")
        for student, notebook in submissions.items():
            folder = course / "submitted" / student / unit
            folder.mkdir(parents=True)
            shutil.copy(notebook, folder / f"{unit}.ipynb")
        results = grade_assignment(course, unit, jobs=jobs, force=True, options={"sandbox": sandbox},
                                   progress=lambda line: None)
        return {r.student: (r, _results(course, unit, r.student, r.status)) for r in results}


def _results(course, unit, student, status="graded"):
    path = course / "autograded" / student / unit / f"{unit}.ipynb"
    graded = nbformat.read(path, as_version=4) if status.startswith("graded") and path.exists() else None
    if graded is None:  # not graded (no notebook, broken JSON, a grader error): no cell earned anything; say why
        source = nbformat.read(course / "source" / unit / f"{unit}.ipynb", as_version=4)
        return [CellResult(name, 0.0, possible, status, by_hand) for name, possible, by_hand in _graded_cells(source)]
    cells = nbgrader_cells(graded)
    results = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(unit, unit, student)
        for grade in sorted(submission.grades, key=lambda g: _position(graded, g.name)):
            cell = cells.get(grade.name)
            by_hand = grade.cell_type == "markdown" if cell is None else is_free_text(cell)
            if cell is None:  # nbgrader leaves a deleted cell for a person to look at; it ran nothing
                earned, message = 0.0, "this cell was deleted from the notebook, so none of its tests ran"
            else:
                earned = None if grade.needs_manual_grade else float(grade.score)
                message = failure_message(cell)
                if by_hand and earned == 0:
                    message = "not answered yet"
            results.append(CellResult(grade.name, earned, float(grade.max_score), message, by_hand))
    return results


def _position(nb, name):
    ids = [grade_id(cell) for cell in nb.cells]
    return ids.index(name) if name in ids else len(ids)


def _graded_cells(nb):
    """(grade id, points, by hand) of the graded cells of an instructor's notebook, in order."""
    for cell in nb.cells:
        if is_graded(cell):
            yield grade_id(cell), points(cell), is_free_text(cell)
