"""JupyterLab as `make start` serves it, and what a person does in it, through Chromium (Playwright).

`CourseServer` runs `make start NO_BROWSER=1` on a free localhost port with a known token.
`Notebook` drives one notebook the way a person does: the Run menu, a click on a cell, the
Validate button of nbgrader's toolbar, and it reads what the page shows.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from autograder.course import COURSE_ROOT

TOKEN = "course-test-token"

# Debian's Chromium: Playwright's own browser download cannot work offline.
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's servers.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-extensions", "--metrics-recording-only"]
VIEWPORT = {"width": 1400, "height": 1000}

BUILD = COURSE_ROOT / "build"  # git-ignored
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS") or BUILD / "screenshots").resolve()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(process, timeout):
    """SIGTERM to a server started with start_new_session, SIGKILL if it outlives `timeout` s; None or ended: nothing."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class ServerError(Exception):
    pass


class CourseServer:
    """`make start NO_BROWSER=1`, as a person runs it, on a free port; its state kept in `state_dir`."""

    def __init__(self, state_dir):
        self.port = free_port()
        self.state_dir = Path(state_dir)
        self.log = self.state_dir / "jupyter.log"
        self.process = None

    def start(self, timeout=300):
        # Workspaces and settings in the scratch folder: the tests see what a first-time user sees
        # and leave the user's own JupyterLab (~/.jupyter/lab) alone.
        args = [f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1",
                f"--LabApp.workspaces_dir={self.state_dir / 'workspaces'}",
                f"--LabApp.user_settings_dir={self.state_dir / 'user-settings'}"]
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                ["make", "start", "NO_BROWSER=1", f"PORT={self.port}", f"JUPYTER_ARGS={' '.join(args)}"],
                cwd=COURSE_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "BROWSER": "false"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.get("/api/status")
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise ServerError(f"make start exited early:\n{self.log.read_text()}") from None
                time.sleep(0.5)
        self.stop()
        raise ServerError(f"JupyterLab did not answer within {timeout} s:\n{self.log.read_text()}")

    def stop(self):
        stop_process_group(self.process, timeout=30)

    def url(self, path):
        separator = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}{path}{separator}token={TOKEN}"

    def request(self, path, method="GET"):
        with urllib.request.urlopen(urllib.request.Request(self.url(path), method=method), timeout=30) as response:
            return response.status, response.read()

    def get(self, path):
        return self.request(path)

    def shut_down_kernels(self):
        """Stop every kernel the browser started (a real user's closed tabs would; a test's may not)."""
        for session in json.loads(self.get("/api/sessions")[1]):
            self.request(f"/api/sessions/{session['id']}", "DELETE")
        for kernel in json.loads(self.get("/api/kernels")[1]):
            self.request(f"/api/kernels/{kernel['id']}", "DELETE")


class Screenshots:
    """Numbered full-page PNGs of one test in its own folder of SCREENSHOTS."""

    def __init__(self, name):
        self.folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
        if self.folder.exists():
            for old in self.folder.glob("*.png"):
                old.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, moment):
        self.count += 1
        path = self.folder / f"{self.count:02d}-{moment}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


# What the page shows of every cell of the notebook in front.
READ_CELLS = """panel => [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell => ({
    kind: cell.classList.contains('jp-CodeCell') ? 'code' : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
    prompt: (cell.querySelector('.jp-InputArea-prompt') || {textContent: ''}).textContent.trim(),
    outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(output => ({
        mime: output.getAttribute('data-mime-type') || '',
        text: output.textContent,
        images: [...output.querySelectorAll('img')].length,
    })),
}))"""

# Run is over: the first cell of the run has a new execution count, no cell waits ([*]), kernel idle.
RUN_FINISHED = """([panel, index, before]) => {
    const prompts = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(
        cell => (cell.querySelector('.jp-InputArea-prompt') || {textContent: ''}).textContent.trim());
    const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return /^\\[\\d+\\]/.test(prompts[index]) && prompts[index] !== before
        && !prompts.some(p => p.includes('*')) && (!status || status.dataset.status === 'idle');
}"""

TRACEBACK = "Traceback (most recent call last)"


def error_name(text):
    """The exception name in a traceback as JupyterLab shows it (its last line is `Name: message`)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    match = re.match(r"([A-Za-z_][\w.]*)(:|$)", lines[-1].strip()) if lines else None
    return match.group(1) if match else text.strip()[-200:]


class Notebook:
    """A notebook opened in JupyterLab; `path` is relative to the server's root."""

    def __init__(self, page, server, path, shots):
        self.page, self.server, self.path, self.shots = page, server, path, shots

    def open(self, cells, timeout=120_000):
        """Open the notebook from its URL, as a link or the file browser does; wait for its kernel."""
        started = time.monotonic()
        self.page.goto(self.server.url(f"/lab/tree/{self.path}?reset"))
        self.panel = self.page.locator(".jp-NotebookPanel").first
        self.panel.locator(".jp-Notebook .jp-Cell").nth(cells - 1).wait_for(state="attached", timeout=timeout)
        # The kernel is ready when its name shows in the toolbar and the status bar says Idle.
        self.page.locator(".jp-NotebookPanel-toolbar .jp-KernelName", has_text="rnn-course").wait_for(timeout=timeout)
        self.page.locator("#jp-main-statusbar", has_text="Idle").wait_for(timeout=timeout)
        self.open_seconds = time.monotonic() - started
        return self

    def dialogs(self):
        return self.page.locator(".jp-Dialog")

    def shot(self, moment):
        return self.shots(self.page, moment)

    def cells(self):
        return self.panel.evaluate(READ_CELLS)

    def menu(self, menu, command):
        """Choose `command` (a JupyterLab command id) from the main menu `menu`, as a person clicks it."""
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def select(self, index):
        """Click in the margin of cell `index`: it becomes the active cell (command mode)."""
        cell = self.panel.locator(".jp-Notebook .jp-Cell").nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").first.click()
        self.page.wait_for_function("cell => cell.classList.contains('jp-mod-active')", arg=cell.element_handle())

    def _run(self, index, action, timeout):
        before = self.cells()[index]["prompt"]
        started = time.monotonic()
        action()
        self.page.wait_for_function(RUN_FINISHED, arg=[self.panel.element_handle(), index, before],
                                    timeout=timeout, polling=250)
        return time.monotonic() - started

    def run_all(self, timeout=240_000):
        """Run > Run All Cells, then wait until the kernel has finished (or stopped at an error)."""
        first = next(i for i, cell in enumerate(self.cells()) if cell["kind"] == "code")
        return self._run(first, lambda: self.menu("Run", "runmenu:run-all"), timeout)

    def run_from(self, index, timeout=240_000):
        """Select cell `index`, then Run > Run Selected Cell and All Below (which JupyterLab greys out
        on the last cell: there, Run > Run Selected Cell and Do not Advance)."""
        self.select(index)
        last = index == len(self.cells()) - 1
        command = "notebook:run-cell" if last else "notebook:run-all-below"
        return self._run(index, lambda: self.menu("Run", command), timeout)

    def run_everything(self, timeout=240_000):
        """Run All, and after each error run on from the first cell that did not run, as a student
        skipping an exercise does (JupyterLab stops a run at the first error). Returns seconds."""
        seconds = self.run_all(timeout)
        for _ in range(len(self.cells())):
            waiting = [i for i, cell in enumerate(self.cells()) if cell["kind"] == "code" and cell["prompt"] in ("[ ]:", "")]
            if not waiting:
                break
            seconds += self.run_from(waiting[0], timeout)
        return seconds

    def errors(self):
        """(cell index, exception name, text) of every traceback the page shows."""
        return [(index, error_name(output["text"]), output["text"])
                for index, cell in enumerate(self.cells()) for output in cell["outputs"]
                if TRACEBACK in output["text"]]

    def stderr(self):
        """(cell index, text) of every red (stderr) output that is not a traceback: warnings, logs."""
        return [(index, output["text"]) for index, cell in enumerate(self.cells()) for output in cell["outputs"]
                if output["mime"] == "application/vnd.jupyter.stderr" and TRACEBACK not in output["text"]]

    def scroll_to(self, index):
        """Bring cell `index` to the top of the notebook and let the page paint it."""
        self.panel.locator(".jp-Notebook .jp-Cell").nth(index).evaluate(
            "cell => new Promise(done => { cell.scrollIntoView({block: 'start'});"
            " requestAnimationFrame(() => requestAnimationFrame(done)); })")

    def images(self):
        """Locators of the images in the outputs."""
        return self.panel.locator(".jp-OutputArea-output img")

    def validate(self, timeout=300_000):
        """Press nbgrader's Validate button; return (outcome, text) of its dialog, which stays open.

        outcome is the class nbgrader gives the dialog body: validation-success, validation-failed, ...
        """
        started = time.monotonic()
        self.page.locator(".jp-NotebookPanel-toolbar .validate-button").click()
        dialog = self.dialogs().first
        dialog.wait_for(timeout=timeout)
        self.validate_seconds = time.monotonic() - started
        body = dialog.locator(".jp-Dialog-body")
        outcome = next((c for c in (body.get_attribute("class") or "").split() if c.startswith("validation-")), "")
        title = dialog.locator(".jp-Dialog-header").inner_text()
        return outcome, f"{title}\n{body.inner_text()}"

    def validation_failures(self):
        """(cell source, error text) of each failed cell in the open Validation Results dialog."""
        blocks = self.dialogs().first.locator(".jp-Dialog-body .jp-RenderedText pre").all_inner_texts()
        return list(zip(blocks[0::2], blocks[1::2]))

    def close_dialog(self):
        self.dialogs().first.locator("button.jp-mod-accept").click()
        self.dialogs().first.wait_for(state="detached")


def with_python_reachable(command):
    """`command`, run where an ordinary user can reach this Python. Installed under /root (pyenv on
    this course's CI machines), it cannot: then the command runs in a private mount namespace where
    the closed folder is an open tmpfs holding only a bind of the folder below it on Python's path."""
    closed = next((folder for folder in reversed(Path(sys.base_prefix).parents)
                   if folder != Path("/") and not os.stat(folder).st_mode & 0o001), None)
    if closed is None:
        return command
    below = closed / Path(sys.base_prefix).relative_to(closed).parts[0]
    script = ('set -e; keep=$(mktemp -d); mount --bind "$1" "$keep"; mount -t tmpfs -o mode=0755 none "$2"; '
              'mkdir -p "$1"; mount --bind "$keep" "$1"; shift 2; exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(below), str(closed), *command]
