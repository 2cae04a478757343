"""Shared helpers of the course's tests: executing notebooks and making graded variants."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import COURSE_ROOT, assignment_notebook, nbgrader_cells, source_units

# nbgrader shells out to alembic: the venv's bin/ must be on PATH, also for subprocesses.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

UNITS = source_units()
STARTED = pytest.StashKey[float]()
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


@pytest.fixture
def course_copy(tmp_path):
    """A copy of what `autograder build` reads and writes: config, notebooks and their paired scripts."""
    for name in ("nbgrader_config.py", "jupytext.toml", "source", "release", "notebooks", "paired"):
        src = COURSE_ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    return tmp_path


# --- JupyterLab as `make start` serves it (tests/test_start.py, tests/test_browser.py) ---------

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `--dist loadgroup` honour xdist_group marks again.

    pytest-xdist 3.8 tells the scheduler a test's group by appending "@group" to item._nodeid, which
    pytest 9.2 no longer reads (node ids are structured: pytest-dev/pytest-xdist#1386), so grouped
    tests were silently spread over the workers. Do the same on the structured id; a fixed xdist
    has already added the suffix, and then this does nothing.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId
    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, started once for each test module that uses it.

    While Playwright's sync API is alive the main thread looks like it runs an asyncio loop, which
    nbclient (other tests on the same worker) cannot share; module scope closes it right after.
    """
    from playwright.sync_api import sync_playwright

    from course_lab import CHROMIUM, CHROMIUM_ARGS
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium package "
                    "(.ci/run does) or point COURSE_CHROMIUM at a Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def course_server(tmp_path_factory):
    """One `make start NO_BROWSER=1` per xdist worker; its tests share the xdist group "jupyter"."""
    from course_lab import CourseServer, ServerError
    server = CourseServer(tmp_path_factory.mktemp("jupyter"))
    try:
        server.start()
    except ServerError as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """item.report_call: the outcome of the test itself, for fixtures that act on failures."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.report_call = report


def pytest_sessionstart(session):
    session.config.stash[STARTED] = time.monotonic()


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    """End with where the browser tests left their screenshots and the run's wall time, after the
    slowest tests (--durations in pyproject.toml): the budget of `make test` is 20 minutes in CI."""
    from course_lab import SCREENSHOTS
    ran = any("test_browser.py" in getattr(report, "nodeid", "")
              for reports in terminalreporter.stats.values() for report in reports)
    if ran:
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")
    if STARTED in config.stash:
        minutes, seconds = divmod(round(time.monotonic() - config.stash[STARTED]), 60)
        terminalreporter.write_line(f"wall time: {minutes} min {seconds:02d} s on {os.cpu_count()} cores "
                                    "(slowest tests above)")
