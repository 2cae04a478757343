"""The sandbox holds against a student who has read it: each test starts a sandboxed kernel
directly, runs a few lines of a student's code in it, and looks at what happened, inside and out.

Run as root, the tests check the root setup (a memory cgroup, bwrap dropped to an unprivileged uid),
and then run the unprivileged and memory tests again with the grader as an ordinary user."""
import asyncio
import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from autograder.sandbox import Limits, SandboxedKernelManager, Watchdog, package_folder, scratch_folder
from course_lab import with_python_reachable

pytestmark = [pytest.mark.sandbox]

ORDINARY_UID = 4242


@dataclass
class Run:
    text: str            # what the code printed, and the error it raised
    alive: bool          # whether the kernel still ran afterwards
    reason: str | None   # the watchdog's reason for killing it
    host_uids: set       # real uids, on the host, of the sandbox's processes other than bwrap's own


def _host_uids(pid):
    try:
        tree = psutil.Process(pid).children(recursive=True)
        return {p.uids().real for p in tree if p.name() != "bwrap"}
    except psutil.Error:
        return set()


async def _run(folder, code, limits, timeout):
    with tempfile.TemporaryDirectory(prefix="test-sandbox-") as run_dir:
        km = SandboxedKernelManager(Path(folder), run_dir, limits, packages=["rnncourse"])
        await km._async_start_kernel(cwd=run_dir)
        watchdog = Watchdog(limits)
        watchdog.start(km.provisioner.process.pid, cgroup=km.cgroup, run_dir=run_dir, scratch=scratch_folder(folder))
        client = km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            printed = []
            msg_id = client.execute(code)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and await km._async_is_alive():
                try:
                    message = await client.get_iopub_msg(timeout=0.2)
                except Exception:  # noqa: BLE001 (queue.Empty from the async client: poll again)
                    continue
                content = message["content"]
                if message["parent_header"].get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "stream":
                    printed.append(content["text"])
                elif message["msg_type"] == "error":
                    printed.append(f"{content['ename']}: {content['evalue']}")
                elif message["msg_type"] == "status" and content["execution_state"] == "idle":
                    break
            await asyncio.sleep(0.3)  # the watchdog's next look
            uids = _host_uids(km.provisioner.process.pid)
            return Run("".join(printed), await km._async_is_alive(), watchdog.reason, uids)
        finally:
            watchdog.stop()
            client.stop_channels()
            await km._async_shutdown_kernel(now=True)


def run(folder, code, limits=None, timeout=60):
    return asyncio.run(_run(folder, code, limits or Limits(memory_mb=1024), timeout))


@pytest.fixture
def submission(tmp_path):
    """nbgrader's folder for a notebook: the submission and a data file beside it."""
    folder = tmp_path / "student" / "unit"
    folder.mkdir(parents=True)
    (folder / "data.txt").write_text("the student's data\n")
    (folder / "answers.ipynb").write_text("{}")
    tmp_path.chmod(0o755)
    return folder


def test_kernel_runs_as_nobody_without_capabilities(submission):
    result = run(submission, "import os\n"
                             "print(os.getuid(), os.getgid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])")
    assert result.text.split() == ["65534", "65534", "0000000000000000"], result
    # Outside too: as root, the kernel is uid 65534 on the host (not root mapped to 65534 inside).
    assert result.host_uids == {65534 if os.geteuid() == 0 else os.geteuid()}, result


def test_rnncourse_cannot_be_remounted_read_write(submission):
    original = (package_folder("rnncourse") / "checks.py").read_bytes()
    result = run(submission, "import subprocess, rnncourse, os\n"
                             "folder = os.path.dirname(rnncourse.__file__)\n"
                             "for options in ('remount,rw', 'remount,bind,rw'):\n"
                             "    done = subprocess.run(['mount', '-o', options, folder], capture_output=True)\n"
                             "    print('remount', done.returncode)\n"
                             "open(os.path.join(folder, 'checks.py'), 'a').write('# rewritten')\n")
    assert result.text.count("remount ") == 2 and "remount 0" not in result.text, result
    assert ("PermissionError: [Errno 13]" in result.text or "OSError: [Errno 30]" in result.text), result
    assert (package_folder("rnncourse") / "checks.py").read_bytes() == original


def test_sandbox_sees_a_copy_of_rnncourse(submission):
    original = package_folder("rnncourse") / "checks.py"
    result = run(submission, "import os, rnncourse\n"
                             "path = os.path.join(os.path.dirname(rnncourse.__file__), 'checks.py')\n"
                             "info = os.stat(path)\n"
                             "print(path, info.st_dev, info.st_ino)")
    path, device, inode = result.text.split()
    assert path == str(original), result  # the editable install's path still resolves inside
    assert (int(device), int(inode)) != (original.stat().st_dev, original.stat().st_ino), result


def test_files_written_in_the_cwd_stay_in_the_sandbox(submission):
    before = {path.name: path.read_bytes() for path in submission.iterdir()}
    result = run(submission, "import os\n"
                             "print(open('data.txt').read(), end='')\n"
                             "open('evidence.json', 'w').write('{}')\n"
                             "open('data.txt', 'w').write('changed')\n"
                             "os.symlink('/etc/passwd', 'link')\n"
                             "os.symlink('/', 'root')\n"
                             "print(sorted(os.listdir('.')))")
    assert result.text.splitlines() == ["the student's data",
                                        "['answers.ipynb', 'data.txt', 'evidence.json', 'link', 'root']"], result
    assert {path.name: path.read_bytes() for path in submission.iterdir()} == before


def test_links_and_fifos_of_the_submission_are_not_copied(submission):
    os.symlink("/etc/hostname", submission / "link")
    os.mkfifo(submission / "fifo")
    (submission / "folder").mkdir()
    (submission / "folder" / "more.txt").write_text("more")
    result = run(submission, "import os\nprint(sorted(os.listdir('.')), os.listdir('folder'))")
    assert result.text.strip() == "['answers.ipynb', 'data.txt', 'folder'] ['more.txt']", result


def test_the_cwd_holds_at_most_writable_mb(submission):
    limits = Limits(memory_mb=1024, writable_mb=16)
    result = run(submission, "import os\n"
                             "try:\n"
                             "    for i in range(32):\n"
                             "        with open(f'part{i}', 'wb') as file:\n"
                             "            file.write(b'x' * 2**20)\n"
                             "    print('wrote all')\n"
                             "except OSError as error:\n"
                             "    print('stopped at', i, 'errno', error.errno)", limits)
    assert f"errno {errno.ENOSPC}" in result.text, result
    assert int(result.text.split()[2]) <= 16, result
    assert not list(submission.glob("part*"))


def test_a_submitted_ipykernel_launcher_does_not_run(submission):
    (submission / "ipykernel_launcher.py").write_text("raise SystemExit('the submission replaced the launcher')\n")
    result = run(submission, "import sys\nprint(sys.flags.safe_path, sys.modules['ipykernel'].__file__)")
    assert result.text.split()[0] == "True", result


def test_a_memfd_left_unmapped_counts_against_the_memory_limit(submission):
    limits = Limits(memory_mb=400, file_mb=1024)  # RLIMIT_FSIZE caps a memfd's size too
    # Written with os.write, never mapped: no RSS shows it, only the memfd's own size.
    result = run(submission, "import os, time\n"
                             f"fd = os.memfd_create('hoard')\n"
                             f"chunk = b'x' * 2**20\n"
                             f"for _ in range({limits.memory_mb + 200}):\n"
                             f"    os.write(fd, chunk)\n"
                             "time.sleep(5)\n"
                             "print('survived')", limits, timeout=30)
    assert not result.alive, result
    assert result.reason.startswith(f"used more than the memory limit of {limits.memory_mb} MB"), result


@pytest.mark.skipif(os.geteuid() != 0, reason="already an ordinary user")
def test_as_an_ordinary_user():
    """The grader run as an ordinary uid: no cgroup (the watchdog counts memfds), bwrap as that uid."""
    home = Path(tempfile.mkdtemp(prefix="test-sandbox-home-"))  # pytest's tmp_path is in a folder only root enters
    os.chown(home, ORDINARY_UID, ORDINARY_UID)
    environment = {**os.environ, "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(home)}
    command = ["setpriv", f"--reuid={ORDINARY_UID}", f"--regid={ORDINARY_UID}", "--clear-groups",
               sys.executable, "-m", "pytest", __file__, "-k", "nobody or memfd or copy_of_rnncourse",
               # tests/conftest.py lists the units from source/, which `make private` closes to other accounts;
               # these tests need nothing from it.
               "--noconftest", "-o", "addopts=", "-p", "no:cacheprovider", "-q", "--basetemp", str(home / "pytest")]
    assert shutil.which("setpriv"), "setpriv (util-linux) runs the tests as an ordinary user"
    try:
        done = subprocess.run(with_python_reachable(command), capture_output=True, text=True, env=environment, cwd=Path(__file__).parent.parent)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout + done.stderr
