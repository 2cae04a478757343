"""Shared helpers of the course's tests: executing notebooks and making graded variants."""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import COURSE_ROOT, assignment_notebook, nbgrader_cells, source_units

# nbgrader shells out to alembic: the venv's bin/ must be on PATH, also for subprocesses.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

UNITS = source_units()
LECTURES = sorted((COURSE_ROOT / "notebooks").glob("*.ipynb"))


def execute(path, timeout=120):
    """Run a notebook top to bottom in a fresh kernel (raises on the first error); return it."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return nb


def stderr_outputs(nb):
    """(cell id, text) of every stderr output in an executed notebook."""
    return [(cell.get("id"), output.text) for cell in nb.cells if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "stream" and output.name == "stderr"]


def solution_variant(unit, replacements, path):
    """Write the reference solution of `unit` with some cells' sources replaced ({grade_id: source})."""
    nb = nbformat.read(assignment_notebook(unit), as_version=4)
    cells = nbgrader_cells(nb)
    unknown = set(replacements) - set(cells)
    assert not unknown, f"no such cells in {unit}: {unknown}"
    for grade_id, source in replacements.items():
        cells[grade_id].source = source
    nbformat.write(nb, path)
    return path


def run_check(*args):
    """Run `python -m autograder check ARGS` from the course root."""
    return subprocess.run([sys.executable, "-m", "autograder", "check", *map(str, args)],
                          capture_output=True, text=True, cwd=COURSE_ROOT)


@pytest.fixture(params=UNITS)
def unit(request):
    return request.param
