"""Work done once per test run and shared by every test (and every pytest-xdist worker) that needs it.

Executing or grading a TensorFlow notebook takes tens of seconds, so each is done once: the first
worker to ask computes the result under a file lock in the run's shared folder, the others wait
for it and read it. pytest-xdist has no shared fixtures across workers (one session per worker),
hence the lock file.
"""
import fcntl
import json
import os
import re


def shared_folder(tmp_path_factory):
    """The base folder of this run, the same for every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(tmp_path_factory, key, compute):
    """compute(folder) run once per test run; its JSON-serialisable result returned to every caller.

    `folder` is a fresh folder for files the result refers to (graded notebooks, a scratch course).
    If compute raises, every caller gets the same error: it is stored and raised again.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
    root = shared_folder(tmp_path_factory) / "shared-runs"
    root.mkdir(exist_ok=True)
    done, folder = root / f"{name}.json", root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder.mkdir()
            try:
                record = {"result": compute(folder)}
            except Exception as error:  # noqa: BLE001 (stored and raised again in every caller)
                record = {"error": f"{type(error).__name__}: {error}"}
            done.write_text(json.dumps(record, default=str))
        record = json.loads(done.read_text())
    if "error" in record:
        raise RuntimeError(f"shared step '{key}' failed: {record['error']}")
    return record["result"]
