"""Units whose data ship inside a package run offline: their lecture and reference solution execute in a network
namespace of their own (bubblewrap's --unshare-net: only a loopback device, no route anywhere), nothing in them
tries to reach beyond the machine, and the data are found.

Each notebook runs with a first cell that records, through Python's audit hooks (PEP 578), every name lookup
and connection to an address that is not the loopback (Jupyter's own sockets are ZeroMQ's, on 127.0.0.1, and
unseen by the hooks). An attempt is recorded even though the namespace makes it fail, so a loader that falls back
to a download when the network fails is caught as well as one that fails.
"""
import json
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

from autograder.course import COURSE_ROOT, assignment_notebook

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

OFFLINE_UNITS = ["09_capstone_forecasting"]  # units whose data come from a package (statsmodels.datasets)

WATCH = textwrap.dedent('''
    import sys as _sys
    _offline_attempts = []

    def _offline_watch(event, args):
        """Record a name lookup or a connection that would leave the machine."""
        local = ("localhost", "127.0.0.1", "::1", None, b"localhost", b"127.0.0.1")
        if event == "socket.getaddrinfo" and args[0] not in local:
            _offline_attempts.append(f"name lookup of {args[0]!r}")
        elif event in ("socket.connect", "socket.sendto") and isinstance(args[1], tuple):
            host = str(args[1][0])
            if not (host.startswith("127.") or host == "::1"):
                _offline_attempts.append(f"{event} to {args[1]!r}")
        elif event == "urllib.Request":
            _offline_attempts.append(f"a request for {args[0]!r}")

    _sys.addaudithook(_offline_watch)
''')
REPORT = "import json as _json; print('OFFLINE-ATTEMPTS ' + _json.dumps(_offline_attempts))"

# Run inside the namespace: execute the notebook with the watch first and the report last, going on past errors.
RUNNER = textwrap.dedent('''
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    path, watch, report, out = sys.argv[1:5]
    nb = nbformat.read(path, as_version=4)
    nb.cells = [nbformat.v4.new_code_cell(watch)] + nb.cells + [nbformat.v4.new_code_cell(report)]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": sys.argv[5]}}).execute()
    errors = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    attempts = json.loads(printed.split("OFFLINE-ATTEMPTS ", 1)[1]) if "OFFLINE-ATTEMPTS " in printed else None
    with open(out, "w") as f:
        json.dump({"errors": errors, "attempts": attempts}, f)
''')


def run_offline(path, tmp_path):
    """{"errors": [...], "attempts": [...]} of the notebook at `path` run without a network."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.fail("no bwrap: install Debian's bubblewrap (make test does)")
    out = tmp_path / "offline.json"
    command = [bwrap, "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--",
               sys.executable, "-c", RUNNER, str(path), WATCH, REPORT, str(out), str(path.parent)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and out.exists(), f"the offline run failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
    return json.loads(out.read_text())


def test_offline_check_sees_a_download(tmp_path):
    """The check is not vacuous: a notebook that asks for a web page is caught, and fails without a network."""
    path = tmp_path / "download.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import urllib.request\nurllib.request.urlopen('https://pypi.org/simple/', timeout=5)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    result = run_offline(path, tmp_path)
    assert any("pypi.org" in attempt for attempt in result["attempts"]), result
    assert result["errors"], "the download succeeded: the namespace has a network"


@pytest.mark.parametrize("kind", ["lecture", "solution"])
@pytest.mark.parametrize("unit", OFFLINE_UNITS)
def test_unit_runs_offline(unit, kind, tmp_path):
    path = COURSE_ROOT / "notebooks" / f"{unit}.ipynb" if kind == "lecture" else assignment_notebook(unit, "source")
    result = run_offline(path, tmp_path)
    assert result["attempts"] == [], f"{path.relative_to(COURSE_ROOT)} tried to reach the network: {result['attempts']}"
    assert result["errors"] == [], f"{path.relative_to(COURSE_ROOT)} failed without a network: {result['errors']}"
