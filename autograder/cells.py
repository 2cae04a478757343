"""Which cell is which: the one place the grader decides it, on nbgrader's own helpers (nbgrader.utils).

- a *test* cell: graded and not a solution (nbgrader's autograder tests); it runs in the referee;
- a *locked* cell: the instructor's code that is neither graded nor a solution; it runs in the
  sandbox (the student's code may use what it defines) and in the referee;
- a *kernel-only* cell: a locked cell tagged KERNEL_ONLY_TAG; it runs only in the sandbox, and the
  tests reach what it defines as they reach the student's functions, as untrusted results that they
  judge with their own code. For the instructor's loops that call the student's code thousands of
  times (training with the student's gradients): in the referee every call would cross the wire;
- a *student* cell: everything else that is code (solutions, cells the student added);
- a *free-text answer*: a graded solution cell, which a person grades.

Roles are read from the instructor's notebook (source/), never from a submission's metadata, which
a student can edit.
"""
from nbgrader import utils

KERNEL_ONLY_TAG = "kernel-only"  # in the cell's metadata.tags, in the instructor's notebook


def grade_id(cell):
    """The cell's nbgrader grade id, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def by_grade_id(nb):
    """{grade id: cell} of the cells nbgrader knows about (the last copy of a duplicated id)."""
    return {grade_id(cell): cell for cell in nb.cells if grade_id(cell)}


def role(cell):
    """'test', 'locked', 'kernel' (kernel-only) or 'student' for a code cell; None for markdown."""
    if cell.cell_type != "code":
        return None
    if utils.is_grade(cell) and not utils.is_solution(cell):
        return "test"
    if utils.is_locked(cell):
        return "kernel" if KERNEL_ONLY_TAG in cell.get("metadata", {}).get("tags", []) else "locked"
    return "student"


def is_instructor_code(cell):
    """A code cell the student may not change: a test, a locked or a kernel-only cell."""
    return role(cell) in ("test", "locked", "kernel")


def is_free_text(cell):
    """A graded answer that a person grades (nbgrader: a graded solution cell)."""
    return utils.is_grade(cell) and utils.is_solution(cell)


def is_graded(cell):
    return utils.is_grade(cell)


def points(cell):
    return float(cell.metadata["nbgrader"].get("points", 0))


def instructor_cells(nb):
    """[(grade id, role, source)] of the instructor's test and locked code cells, in the notebook's order."""
    return [(grade_id(cell), role(cell), cell.source) for cell in nb.cells
            if is_instructor_code(cell) and grade_id(cell)]


def unchanged_since_release(cell):
    """Whether a cell still matches the checksum nbgrader stored in it when the assignment was generated."""
    try:
        return cell.metadata["nbgrader"].get("checksum") == utils.compute_checksum(cell)
    except Exception:  # noqa: BLE001 (metadata nbgrader cannot read: not the released cell)
        return False
