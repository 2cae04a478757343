"""The course in a real browser, used as a person uses it: Chromium on the JupyterLab of `make start`.

A student opens each unit's assignment, runs every cell and sees only the stubs' NotImplementedError,
then presses nbgrader's Validate button and sees the failures; a reference solution runs without an
error and Validate reports success (Validate on one unit: see VALIDATE_IN_BROWSER).
A lecture runs and shows its figures. An instructor sees every unit and its points
in the formgrader. Each test saves screenshots (see the "browser screenshots:" line of the summary).

Notebooks are opened from copies in a scratch folder under the served root (build/, git-ignored):
running cells and validating save the notebook, and the committed files must not change.
"""
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from autograder.course import COURSE_ROOT, assignment_notebook
from conftest import UNITS
from course_lab import BUILD, TRACEBACK, VIEWPORT, Notebook, Screenshots, error_name

# One worker owns the server and the browser; see course_server in conftest.py.
pytestmark = [pytest.mark.xdist_group("jupyter"), pytest.mark.browser, pytest.mark.slow]

# Each notebook is executed once per test run where it can be: test_grading.py grades every unit's
# reference solution (full marks, no error, nothing on stderr) and untouched release (zero, only
# NotImplementedError). Validate runs nbgrader's validate on the server, the same code for every
# unit, so the browser presses it on one unit's release and one unit's solution, the fastest;
# every release is still run cell by cell here, which no other test does.
VALIDATE_IN_BROWSER = "02_hidden_state"
LECTURE = "02_hidden_state"

# The first cell of an assignment imports NumPy, TensorFlow and Keras (through rnncourse): a
# student should not wait longer than this (seconds, on a busy 2-core machine) for it.
FIRST_RUN_LIMIT = 60


@pytest.fixture(scope="module")
def scratch(course_server):
    """A folder the server can open (under its root), removed afterwards."""
    BUILD.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="browser-scratch-", dir=BUILD))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def page(request, chromium, course_server):
    """A fresh browser profile and tab; page.shots(moment) saves a screenshot; kernels stop after."""
    context = chromium.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.problems = []
    tab.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
    tab.shots = Screenshots(request.node.name)
    try:
        yield tab
    finally:
        try:
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                tab.shots(tab, "failure")
        finally:
            context.close()
            course_server.shut_down_kernels()


def open_copy(page, server, scratch, source, folder):
    """Copy `source` to scratch/`folder`/ and open it in JupyterLab; return the Notebook."""
    target = scratch / folder / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    cells = len(nbformat.read(source, as_version=4).cells)
    notebook = Notebook(page, server, target.relative_to(COURSE_ROOT).as_posix(), page.shots)
    notebook.file = target
    return notebook.open(cells)


def saved_outputs(path):
    """(output type, name) of every output of the notebook as saved on disk."""
    nb = nbformat.read(path, as_version=4)
    return [(o.output_type, o.get("ename") or o.get("name") or "")
            for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def first_setup_seconds(notebook):
    """How long a student waits for the first code cell: Run that cell alone."""
    first = next(i for i, cell in enumerate(notebook.cells()) if cell["kind"] == "code")
    notebook.select(first)
    started = time.monotonic()
    notebook.page.keyboard.press("Control+Enter")
    notebook.page.wait_for_function(
        "cell => /^\\[\\d+\\]/.test((cell.querySelector('.jp-InputArea-prompt') || {textContent: ''}).textContent.trim())",
        arg=notebook.panel.locator(".jp-Notebook .jp-Cell").nth(first).element_handle(), timeout=120_000)
    return time.monotonic() - started


@pytest.mark.parametrize("unit", UNITS)
def test_student_runs_every_cell_of_the_assignment(unit, page, course_server, scratch):
    notebook = open_copy(page, course_server, scratch, assignment_notebook(unit, "release"), f"release/{unit}")
    notebook.shot("opened")
    assert notebook.dialogs().count() == 0, "a dialog (kernel choice?) greets the student"

    run_seconds = notebook.run_everything()
    cells = notebook.cells()
    not_run = [i for i, cell in enumerate(cells) if cell["kind"] == "code" and not re.match(r"\[\d+\]", cell["prompt"])]
    assert not_run == [], f"cells that never ran: {not_run}"
    errors = notebook.errors()
    assert errors, "the untouched stubs raise NotImplementedError"
    notebook.scroll_to(errors[0][0])
    notebook.shot("first-stub-error")
    assert {name for _, name, _ in errors} == {"NotImplementedError"}, \
        [(i, text[-600:]) for i, name, text in errors if name != "NotImplementedError"]
    assert notebook.stderr() == []
    mixed = [i for i, cell in enumerate(cells) if any(TRACEBACK in o["text"] for o in cell["outputs"])
             and any(o["images"] for o in cell["outputs"])]
    assert mixed == [], "a figure drawn under a traceback reads as part of the error: give it a cell of its own"

    print(f"{unit}: opened in {notebook.open_seconds:.1f} s, ran in {run_seconds:.1f} s")
    if unit == VALIDATE_IN_BROWSER:
        validate_shows_only_the_stubs(notebook)
    assert page.problems == []


def validate_shows_only_the_stubs(notebook):
    """Validate on an untouched release: the dialog lists failures, each a stub or an empty answer."""
    outcome, text = notebook.validate()
    notebook.shot("validated")
    assert outcome == "validation-failed", text[:3000]
    failures = notebook.validation_failures()
    assert failures, text[:3000]
    # Every failure is a stub, or a free-text answer still "YOUR ANSWER HERE".
    other = [(source[:200], error[-800:]) for source, error in failures if error_name(error) != "NotImplementedError"
             and not (source.strip() == "YOUR ANSWER HERE" and error.strip() == "You did not provide a response.")]
    assert other == []
    assert any(error_name(error) == "NotImplementedError" for _, error in failures)
    notebook.close_dialog()
    print(f"validated in {notebook.validate_seconds:.1f} s")
    # Validate saved the notebook: on disk, too, only the stubs fail.
    assert {name for kind, name in saved_outputs(notebook.file) if kind == "error"} == {"NotImplementedError"}
    assert ("stream", "stderr") not in saved_outputs(notebook.file)


def test_reference_solution_runs_and_validates(page, course_server, scratch):
    unit = VALIDATE_IN_BROWSER
    notebook = open_copy(page, course_server, scratch, assignment_notebook(unit, "source"), f"solution/{unit}")
    seconds = first_setup_seconds(notebook)
    assert seconds < FIRST_RUN_LIMIT, f"the setup cell took {seconds:.0f} s"
    run_seconds = notebook.run_all()
    print(f"{unit} solution: setup cell {seconds:.1f} s, all cells {run_seconds:.1f} s")
    assert notebook.errors() == []
    assert notebook.stderr() == []
    cells = notebook.cells()
    shown = [i for i, cell in enumerate(cells) if any(o["images"] for o in cell["outputs"])] or \
            [i for i, cell in enumerate(cells) if cell["outputs"]]
    notebook.scroll_to(shown[-1])
    notebook.shot("ran")
    outcome, text = notebook.validate()
    notebook.shot("validated")
    assert outcome == "validation-success", text[:3000]
    assert "Success! Your notebook passes all the tests." in text
    print(f"{unit} solution: validated in {notebook.validate_seconds:.1f} s")
    notebook.close_dialog()
    assert page.problems == []


def test_lecture_runs_and_shows_its_figures(page, course_server, scratch):
    notebook = open_copy(page, course_server, scratch, COURSE_ROOT / "notebooks" / f"{LECTURE}.ipynb", "lectures")
    notebook.shot("opened")
    notebook.run_all()
    assert notebook.errors() == [] and notebook.stderr() == []
    figures = [output for cell in notebook.cells() for output in cell["outputs"] if output["images"]]
    images = notebook.images()
    assert images.count() == len(figures) > 0
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        natural, shown = image.evaluate("img => img.decode().then(() => [img.naturalWidth, img.getBoundingClientRect().width])")
        assert natural >= 300, f"figure {index} is only {natural} px wide"
        # Readable: drawn at least 400 px wide (or as wide as it is), not squeezed by the page.
        assert shown >= min(400, natural) - 1, f"figure {index} is drawn {shown:.0f} px wide ({natural} px)"
        if index in (0, images.count() - 1):
            notebook.shot(f"figure-{index + 1}")
    assert page.problems == []


def test_instructor_sees_every_unit_and_its_points_in_the_formgrader(page, course_server):
    points = {}
    for unit in UNITS:
        nb = nbformat.read(assignment_notebook(unit, "source"), as_version=4)
        points[unit] = sum(cell.metadata["nbgrader"].get("points", 0) for cell in nb.cells
                           if cell.metadata.get("nbgrader", {}).get("grade"))

    page.goto(course_server.url("/formgrader"))
    expect(page.locator("#main-table td.name")).to_have_text(UNITS)
    page.shots(page, "manage-assignments")

    page.locator("a", has_text="Manual Grading").click()
    expect(page.locator("#main-table td.name")).to_have_text(UNITS)
    shown = dict(zip(page.locator("#main-table td.name").all_inner_texts(),
                     page.locator("#main-table td.score").all_inner_texts()))
    page.shots(page, "manual-grading")
    assert shown == {unit: f"0 / {points[unit]:g}" for unit in UNITS}
    assert page.problems == []
