"""`make private` (run by `make start` and `make test`): other accounts of a shared machine cannot read solutions,
hidden tests, submissions or grades, and can still read what students and the sandbox need."""
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.course import COURSE_ROOT

SECRET = ["source/02_hidden_state/02_hidden_state.ipynb", "paired/source/02_hidden_state/02_hidden_state.py",
          "tests/known_mistakes/unit02.py", ".git/config", "gradebook.db", "grades.csv",
          "submitted/alice/02_hidden_state/02_hidden_state.ipynb"]
OPEN = ["README.md", "release/02_hidden_state/02_hidden_state.ipynb", "rnncourse/__init__.py",
        "notebooks/02_hidden_state.ipynb"]
ORDINARY_UID = 4242


@pytest.fixture
def course():
    """A course folder laid out like a clone in use (the files' contents do not matter), after `make private`;
    under /tmp, which other accounts may enter (pytest's own folders are closed to them)."""
    holder = Path(tempfile.mkdtemp(prefix="private-course-"))
    root = holder / "course"
    for name in SECRET + OPEN:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    shutil.copy(COURSE_ROOT / "Makefile", root / "Makefile")
    for folder in (holder, root):
        folder.chmod(0o755)
    subprocess.run(["make", "--no-print-directory", "private"], cwd=root, check=True, capture_output=True)
    yield root
    shutil.rmtree(holder)


def others_can_read(path):
    """Whether an account other than the owner, in no shared group, can reach and read `path`."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if folder != path and not mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def test_secrets_closed_and_the_rest_open(course):
    assert [name for name in SECRET if others_can_read(course / name)] == []
    assert [name for name in OPEN if not others_can_read(course / name)] == []
    for folder in ("submitted", "autograded", "feedback", "downloaded", ".autograder"):  # made closed, ahead
        assert stat.S_IMODE((course / folder).stat().st_mode) == 0o700, folder


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to be another user")
def test_another_account_is_refused(course):
    def read_as_other(name):
        return subprocess.run(["setpriv", f"--reuid={ORDINARY_UID}", f"--regid={ORDINARY_UID}", "--clear-groups",
                               "cat", str(course / name)], capture_output=True, text=True)
    refused = {name: read_as_other(name) for name in SECRET}
    assert all(r.returncode != 0 and "Permission denied" in r.stderr for r in refused.values()), refused
    assert all(read_as_other(name).stdout == "x\n" for name in OPEN)
