"""`make start NO_BROWSER=1` serves JupyterLab on the course with its kernel and nbgrader."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograder.course import COURSE_ROOT

TOKEN = "course-test-token"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    separator = "&" if "?" in path else "?"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}{separator}token={TOKEN}", timeout=10) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("start") / "jupyter.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["make", "start", "NO_BROWSER=1", f"PORT={port}",
             f"JUPYTER_ARGS=--IdentityProvider.token={TOKEN} --ServerApp.ip=127.0.0.1"],
            cwd=COURSE_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "BROWSER": "false"})
    try:
        for _ in range(120):
            try:
                get(port, "/api/status")
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"make start exited early:\n{log.read_text()}")
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not answer within 60 s:\n{log.read_text()}")
        yield port, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_prints_the_url_to_open(server):
    port, log = server
    assert f"http://127.0.0.1:{port}/lab" in log.read_text()


def test_serves_the_release_notebooks_and_lectures(server):
    port, _ = server
    for unit in sorted(p.name for p in (COURSE_ROOT / "source").iterdir()):
        status, _ = get(port, f"/api/contents/release/{unit}/{unit}.ipynb?content=0")
        assert status == 200
    status, body = get(port, "/api/contents/notebooks")
    assert status == 200 and json.loads(body)["content"]


def test_python3_kernel_runs_the_course_environment(server):
    port, _ = server
    _, body = get(port, "/api/kernelspecs")
    spec = json.loads(body)["kernelspecs"]["python3"]["spec"]
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()


def test_nbgrader_extensions_are_enabled(server):
    port, _ = server
    status, _ = get(port, "/formgrader")
    assert status == 200
    _, body = get(port, "/lab/api/extensions")
    names = {extension["name"] for extension in json.loads(body)}
    assert any("nbgrader" in name for name in names), names
