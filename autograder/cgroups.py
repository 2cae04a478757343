"""A memory cgroup per sandbox, where the grader may create one (root, or a delegated cgroup v2).

The kernel charges every page the sandbox uses to its cgroup whatever form it takes (anonymous
memory, tmpfs files, memfds, page tables) and kills inside it at the limit: nothing a student can
allocate escapes it, unlike the watchdog's sums over /proc. Without one the watchdog stays the limit.
"""
import atexit
import itertools
import multiprocessing.util
import os
import time
from pathlib import Path

V1_ROOT, V2_ROOT = Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")
_names = itertools.count(1)
_left_behind = []  # cgroups whose killed processes had not all exited yet: removed later (create(), exit)


def _own_cgroup_paths():
    """{'v1': path, 'v2': path} of this process's memory cgroup, from /proc/self/cgroup."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            paths["v1"] = path
        elif controllers == "":
            paths["v2"] = path
    return paths


def _under(root, path):
    """Where cgroup `path` is mounted: below the root, or the root itself inside a cgroup namespace."""
    for folder in (root / path.lstrip("/"), root):
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder
    return None


def _parent():
    """('v1' or 'v2', the folder to create our child cgroups in), or None where we cannot."""
    try:
        paths = _own_cgroup_paths()
    except OSError:
        return None
    if "v1" in paths and (V1_ROOT / "memory.limit_in_bytes").exists():
        folder = _under(V1_ROOT, paths["v1"])
        return ("v1", folder) if folder else None
    if "v2" in paths and (V2_ROOT / "cgroup.controllers").exists():
        folder = _under(V2_ROOT, paths["v2"])
        if folder is None or "memory" not in (folder / "cgroup.controllers").read_text().split():
            return None
        try:
            if "memory" not in (folder / "cgroup.subtree_control").read_text().split():
                # Refused (EBUSY) while this cgroup holds processes itself: then there is no child for us.
                (folder / "cgroup.subtree_control").write_text("+memory")
        except OSError:
            return None
        return "v2", folder
    return None


class MemoryCgroup:
    """A child cgroup limiting memory plus swap to `memory_mb`; create() gives None where impossible."""

    def __init__(self, version, folder):
        self.version, self.folder = version, folder
        self.procs = str(folder / "cgroup.procs")

    @classmethod
    def create(cls, memory_mb):
        remove_left_behind()
        parent = _parent()
        if parent is None:
            return None
        version, parent_folder = parent
        _remove_orphans(parent_folder)
        folder = parent_folder / f"rnn-sandbox-{os.getpid()}-{next(_names)}"
        limit = str(memory_mb * 2**20)
        try:
            folder.mkdir(exist_ok=True)
            if version == "v1":
                (folder / "memory.limit_in_bytes").write_text(limit)
                if (folder / "memory.memsw.limit_in_bytes").exists():  # absent without swap accounting
                    (folder / "memory.memsw.limit_in_bytes").write_text(limit)
            else:
                (folder / "memory.max").write_text(limit)
                if (folder / "memory.swap.max").exists():
                    (folder / "memory.swap.max").write_text("0")
                (folder / "memory.oom.group").write_text("1")  # an OOM kill ends the whole sandbox
        except OSError:
            cls(version, folder).remove()
            return None
        return cls(version, folder)

    def oom_killed(self):
        """Whether the kernel killed a process of this cgroup for its memory limit."""
        events = self.folder / ("memory.oom_control" if self.version == "v1" else "memory.events")
        try:
            for line in events.read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def remove(self, seconds=2.0):
        """Remove the cgroup once its processes are gone (killed ones take a moment to exit)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    _left_behind.append(self)  # its processes are still exiting (a large kernel takes a while)
                    return
                time.sleep(0.05)


def _remove_orphans(parent_folder):
    """Remove the empty cgroups of grading processes that have ended (one whose process exited before
    its last sandbox's processes did)."""
    for folder in parent_folder.glob("rnn-sandbox-*-*"):
        try:
            os.kill(int(folder.name.split("-")[2]), 0)
        except ProcessLookupError:
            try:
                folder.rmdir()
            except OSError:
                pass  # still busy: the next grading process tries again
        except (ValueError, PermissionError):
            continue


def remove_left_behind(seconds=0.0):
    for cgroup in list(_left_behind):
        _left_behind.remove(cgroup)
        cgroup.remove(seconds)


# A grading process removes what it left behind before it ends (multiprocessing's workers skip atexit).
atexit.register(remove_left_behind, 5.0)
multiprocessing.util.Finalize(None, remove_left_behind, args=(5.0,), exitpriority=0)


def enter(procs_path):
    """Move the calling process into the cgroup; run in the child between fork and exec."""
    fd = os.open(procs_path, os.O_WRONLY)
    try:
        os.write(fd, str(os.getpid()).encode())
    finally:
        os.close(fd)
