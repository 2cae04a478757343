"""Math renders offline: in a student's feedback opened from disk and in the formgrader's view of a submission.

Chromium is given no network except the local Jupyter server, as on a machine without internet: nbgrader's
own pages would show raw `$...$` (they load MathJax from a CDN); the course's pages carry MathML
(autograder/mathml.py), which the browser draws itself.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.course import make_scratch_course, run_nbgrader
from course_lab import VIEWPORT, Screenshots, free_port

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.slow]

UNIT = "02_hidden_state"
STUDENT = "student"
TOKEN = "offline-math-token"
# A formula of unit 02's prompts, as TeX in the notebook: offline, only MathML makes it readable.
RAW_TEX = "$h_t"


@pytest.fixture(scope="module")
def course():
    """Unit 02's untouched release, autograded for one student, with its feedback; under /tmp, removed after."""
    holder = Path(tempfile.mkdtemp(prefix="offline-math-"))
    root = make_scratch_course(holder, [UNIT])
    run_nbgrader(root, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    (root / "submitted" / STUDENT / UNIT).mkdir(parents=True)
    shutil.copy(root / "release" / UNIT / f"{UNIT}.ipynb", root / "submitted" / STUDENT / UNIT)
    run_nbgrader(root, "autograde", UNIT, "--log-level=ERROR")
    run_nbgrader(root, "generate_feedback", UNIT, "--log-level=ERROR")
    yield root
    shutil.rmtree(holder, ignore_errors=True)


def offline_page(chromium, request):
    """A tab whose every request outside this machine fails, as with no internet; the requests it tried."""
    context = chromium.new_context(viewport=VIEWPORT)
    tried = []

    def route(handled):
        url = handled.request.url
        if url.startswith(("file://", "http://127.0.0.1:", "data:")):
            handled.continue_()
        else:
            tried.append(url)
            handled.abort("internetdisconnected")
    context.route("**/*", route)
    page = context.new_page()
    page.shots = Screenshots(request.node.name)
    return context, page, tried


def drawn_formulas(page):
    """How many MathML formulas the page draws with a real size, and the page's visible text."""
    page.wait_for_load_state("load")
    sizes = page.locator("math").evaluate_all("nodes => nodes.map(n => n.getBoundingClientRect().width)")
    return sum(width > 2 for width in sizes), page.locator("body").inner_text()


def test_feedback_opened_from_disk_shows_math(course, chromium, request):
    context, page, tried = offline_page(chromium, request)
    try:
        page.goto((course / "feedback" / STUDENT / UNIT / f"{UNIT}.html").as_uri())
        drawn, text = drawn_formulas(page)
        page.shots(page, "feedback")
    finally:
        context.close()
    assert drawn >= 10, f"{drawn} formulas drawn"
    assert RAW_TEX not in text
    assert tried, "the page did try the internet (nbgrader's MathJax); the test ran offline"


def start_server(root, port):
    env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    command = [str(Path(sys.executable).parent / "jupyter"), "server", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--no-browser"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def wait_for(port, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=5)
            return
        except OSError:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.5)
    raise AssertionError(f"jupyter server did not answer within {timeout} s")


def test_formgrader_shows_math_in_a_submission(course, chromium, request):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(UNIT, UNIT, STUDENT).id
    port = free_port()
    server = start_server(course, port)
    try:
        wait_for(port, server)
        context, page, _ = offline_page(chromium, request)
        try:
            page.goto(f"http://127.0.0.1:{port}/formgrader/submissions/{submission}/?token={TOKEN}")
            drawn, text = drawn_formulas(page)
            page.shots(page, "formgrader-submission")
        finally:
            context.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert drawn >= 10, f"{drawn} formulas drawn"
    assert RAW_TEX not in text

