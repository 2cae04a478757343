"""`autograder check NOTEBOOK`: grade one filled-in notebook with every test, hidden ones included."""
import json
from collections import Counter
from pathlib import Path

from nbgrader.utils import is_locked

from autograder.cells import grade_id, is_instructor_code
from autograder.course import CourseError, assignment_notebook, nbgrader_cells, read_notebook, source_units


def identify_unit(nb, path):
    """The unit this notebook belongs to, from the graded cells only that unit has."""
    cells = {unit: set(nbgrader_cells(read_notebook(assignment_notebook(unit)))) for unit in source_units()}
    ids = set(nbgrader_cells(nb))
    overlap = {}
    for unit, own in cells.items():
        others = set().union(*(c for u, c in cells.items() if u != unit))
        overlap[unit] = len(ids & (own - others))
    best = max(overlap, key=overlap.get, default=None)
    if best is None or overlap[best] == 0:
        expected = ", ".join(f"release/{u}/{u}.ipynb" for u in overlap)
        raise CourseError(f"{path} is not an assignment of this course: none of its graded cells come "
                          f"from {expected}")
    return best


def locked_cell_notes(nb, unit):
    """Notes on the instructor's code cells the student deleted, and on locked cells they duplicated or
    edited (the grader puts back and grades the originals; deleted locked markdown changes nothing)."""
    release = nbgrader_cells(read_notebook(assignment_notebook(unit, "release")))
    source = nbgrader_cells(read_notebook(assignment_notebook(unit, "source")))
    counts = Counter(grade_id(cell) for cell in nb.cells if grade_id(cell))
    submitted = nbgrader_cells(nb)
    notes = []
    for name, original in release.items():
        if not is_locked(original):
            continue
        if name not in submitted and is_instructor_code(original):  # put back by RestoreInstructorCells
            notes.append(f"locked cell '{name}' was deleted; it is put back and graded as originally written")
        elif submitted[name].source.strip() not in (original.source.strip(), source[name].source.strip()):
            notes.append(f"locked cell '{name}' was edited; it is graded as originally written")
    notes += [f"cell '{name}' appears {n} times; only one copy counts" for name, n in counts.items() if n > 1]
    return notes


def check(path, on_start=lambda unit, sandboxed: None, sandbox=None):
    """Grade the notebook at `path` as instructors do; return (unit, notes, results).

    `sandbox`: run the code under bubblewrap (True), without it (False), or with it where it can
    start (None). The tests run in the referee either way, so the verdicts are the same.
    `on_start(unit, sandboxed)` shows progress."""
    from autograder.grading import grade_notebooks
    from autograder.sandbox import sandbox_problem
    path = Path(path)
    nb = read_notebook(path)
    unit = identify_unit(nb, path)
    notes = locked_cell_notes(nb, unit)
    if sandbox is None:
        sandbox = sandbox_problem() is None
    on_start(unit, sandbox)
    submission, results = grade_notebooks(unit, {"self-check": path}, sandbox=sandbox)["self-check"]
    if not submission.status.startswith("graded"):
        notes.append(submission.status)
    notes += submission.problems
    return unit, notes, results


def format_table(unit, notes, results):
    """A table a person reads: exercise, points earned, points possible, and why a test failed."""
    width = max([len(r.grade_id) for r in results] + [len("exercise")])
    lines = [f"{'exercise':<{width}}  {'earned':>6}  {'possible':>8}", "-" * (width + 18)]
    for r in results:
        earned = "by hand" if r.earned is None else f"{r.earned:g}"
        lines.append(f"{r.grade_id:<{width}}  {earned:>6}  {r.possible:>8g}")
        if r.message:
            lines.append(f"{'':<4}-> " + r.message.replace("\n", "\n       "))
    auto = [r for r in results if not r.by_hand]
    manual = sum(r.possible for r in results if r.by_hand)
    lines.append("-" * (width + 18))
    total = f"{sum(r.earned for r in auto):g}"
    lines.append(f"{'total (autograded)':<{width}}  {total:>6}  {sum(r.possible for r in auto):>8g}")
    if manual:
        lines.append(f"{manual:g} more points are graded by hand by your instructor.")
    if notes:
        lines += ["", "Notes:"] + [f"- {note}" for note in notes]
    return f"Unit {unit}\n" + "\n".join(lines)


def as_json(unit, notes, results):
    return json.dumps({"unit": unit, "notes": notes,
                       "results": [vars(r) for r in results]}, indent=2)
