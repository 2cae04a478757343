"""A student's kernel in a bubblewrap sandbox, with memory, process and wall-time limits.

Inside the sandbox the kernel runs as an unprivileged uid with no capabilities, and sees the
system's programs and libraries, this Python and its packages (read-only), private read-only copies
of the grader's agent and of the packages the configuration names (the course's helper package:
the referee imports the originals, which the sandbox never sees), and a scratch folder in memory
holding copies of the notebook's sibling files. Nothing
it writes reaches nbgrader's folder. It cannot see source/, the gradebook, other submissions or the
network. A memory cgroup (where the grader may create one) and a watchdog outside kill the whole
sandbox when its processes use more memory than allowed, when there are too many of them, or when
the notebook as a whole runs too long; the reason becomes the status.
"""
import atexit
import multiprocessing.util
import os
import shutil
import signal
import site
import stat
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName

from autograder import cgroups

SANDBOX_HOME = "/home/student"  # the kernel's scratch folder is SANDBOX_HOME/<the notebook's folder name>
NOBODY = 65534
MAX_SCRATCH_FILES = 500  # copied into the scratch folder, one file descriptor each while bwrap starts
MAX_RUN_DIR_FILES = 1000  # the kernel's sockets are 5; more means the student fills the host's disk


@dataclass
class Limits:
    memory_mb: int = 2048      # resident memory of all the sandbox's processes together
    processes: int = 64        # processes in the sandbox at once
    wall_seconds: int = 900    # the whole notebook, all cells
    file_mb: int = 256         # the largest file the student's code may write
    threads: int = 1           # CPU threads for TensorFlow and BLAS (cores / submissions graded at once)
    writable_mb: int = 512     # each folder the kernel may write in (its cwd, /tmp, /dev/shm), in memory


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing, cannot create namespaces here, or the sandbox's uid cannot read what it needs."""


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable("grading needs bubblewrap to isolate students' code: install it with "
                                 "`sudo apt-get install bubblewrap` (Debian/Ubuntu) or your system's package manager")
    return path


def _read_only_roots():
    """The folders the kernel needs to run Python and import the installed packages (not the ones it
    gets private copies of, see private_copy)."""
    roots = {"/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/fonts"}
    roots |= {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    roots |= set(site.getsitepackages())
    # Keep only existing, outermost folders (a folder inside another bound one is already there).
    existing = sorted(str(Path(root).resolve()) for root in roots if Path(root).exists())
    outermost = []
    for root in existing:
        if not any(root == kept or root.startswith(kept.rstrip("/") + "/") for kept in outermost):
            outermost.append(root)
    return outermost


def package_folder(name):
    """Where `import name` finds the package, in the grader and (by a bind) in the sandbox. Found
    without importing it: the grader never runs a course's package for this."""
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SandboxUnavailable(f"the package {name!r} that the sandbox should bind cannot be found here")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


AGENT_PACKAGE = __name__.partition(".")[0]  # the grader's own package: its agent runs in the kernel
_PRIVATE_COPIES = {}  # by (process id, package): a forked grader makes its own


def sandbox_packages(packages=()):
    """The packages bound into the sandbox: the grader's own (its agent) and `packages`."""
    return list(dict.fromkeys([AGENT_PACKAGE, *packages]))


def private_copy(name):
    """A read-only copy of the package `name`, made once per grading process, for the sandbox to
    import: what the referee imports stays in files the sandbox cannot name, let alone write."""
    key = (os.getpid(), name)
    if key not in _PRIVATE_COPIES:
        holder = Path(tempfile.mkdtemp(prefix=f"rnn-sandbox-{name}-"))
        copy = holder / name
        shutil.copytree(package_folder(name), copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for folder, _, files in os.walk(holder):
            os.chmod(folder, 0o555)
            for file_name in files:
                os.chmod(Path(folder) / file_name, 0o444)
        atexit.register(_remove_copy, holder, os.getpid())
        # The batch grader's workers (multiprocessing) end with os._exit: atexit never runs there.
        multiprocessing.util.Finalize(None, _remove_copy, args=(holder, os.getpid()), exitpriority=0)
        _PRIVATE_COPIES[key] = copy
    return _PRIVATE_COPIES[key]


def _remove_copy(holder, owner_pid):
    if os.getpid() == owner_pid and holder.exists():  # not from a forked child's exit; not twice
        for folder, _, _ in os.walk(holder):
            os.chmod(folder, 0o755)
        shutil.rmtree(holder, ignore_errors=True)


def grading_as_root():
    return os.geteuid() == 0


def kernel_uid(sandbox_uid=NOBODY):
    """The host uid the student's code runs as: `sandbox_uid` when grading as root, else the grader's own
    (bwrap's user namespace then names it NOBODY inside)."""
    return sandbox_uid if grading_as_root() else os.geteuid()


def _can(mode_bits, info, uid, gid, wanted):
    """Whether `uid`/`gid` has the `wanted` rwx bits (4, 2, 1) on a file with stat `info`. From the mode
    bits (not ACLs) when root asks for another uid; the grader's own uid asks the kernel (os.access)."""
    if uid == os.getuid() == os.geteuid():
        return None  # the caller uses os.access
    shift = 6 if info.st_uid == uid else 3 if info.st_gid == gid else 0
    return (mode_bits >> shift) & wanted == wanted


def check_readable(paths, uid, gid, parents=True):
    """Raise SandboxUnavailable naming the first of `paths` (or, with `parents`, folder above it) that
    `uid` cannot read."""
    for path in paths:
        path = Path(path)
        for folder in [*reversed(path.parents), path] if parents else [path]:
            info = os.stat(folder)
            wanted = 5 if folder == path and stat.S_ISDIR(info.st_mode) else 4 if folder == path else 1
            allowed = _can(info.st_mode, info, uid, gid, wanted)
            if allowed is None:
                allowed = os.access(folder, wanted)  # R_OK, X_OK are 4, 1 as in the mode bits
            if not allowed:
                raise SandboxUnavailable(
                    f"the sandbox runs students' code as uid {uid}, which cannot "
                    f"{'read' if folder == path else 'enter'} {folder} (needed for {path}): "
                    f"make it readable, e.g. `chmod o+{'rx' if folder == path else 'x'} {folder}`, install Python "
                    f"and the course's venv where other users can read them, or set IsolatedExecute.sandbox_uid")


def scratch_entries(folder, budget_bytes):
    """[(relative path, None for a folder or an open fd)] of the regular files and folders below
    `folder`, to copy into the sandbox's scratch folder. Links, FIFOs, sockets and devices are
    skipped, and so are files past MAX_SCRATCH_FILES or `budget_bytes` (they would not fit)."""
    entries, used = [], 0

    def visit(relative):
        nonlocal used
        with os.scandir(Path(folder) / relative) as listing:
            for entry in sorted(listing, key=lambda e: e.name):
                path = Path(relative) / entry.name
                if entry.is_dir(follow_symlinks=False):
                    entries.append((path, None))
                    visit(path)
                elif entry.is_file(follow_symlinks=False) and len(entries) < MAX_SCRATCH_FILES:
                    # O_NOFOLLOW and fstat: what is opened is the regular file that was listed.
                    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
                    size = os.fstat(fd).st_size
                    if not stat.S_ISREG(os.fstat(fd).st_mode) or used + size > budget_bytes:
                        os.close(fd)
                        continue
                    used += size
                    entries.append((path, fd))

    visit(".")
    return entries


def scratch_folder(folder):
    return f"{SANDBOX_HOME}/{Path(folder).name}"


def bwrap_command(folder, run_dir, limits, entries=(), packages=()):
    """The bwrap arguments: a sandbox whose writable folders are size-limited tmpfs mounts, holding
    copies of `entries` (from scratch_entries(folder)) in its scratch folder and private copies of
    `packages` (sandbox_packages) where the grader finds the originals. Run by an unprivileged
    grader, bwrap's user namespace names it NOBODY and drops every capability. Run by root, bwrap
    sets up the mounts as root (it can reach Python under /root, say) and `drop_privileges` follows."""
    size = str(limits.writable_mb * 2**20)
    # As root the tmpfs folders belong to root: open them to the unprivileged uid (sticky /tmp, as usual).
    shared, scratch_perms, file_perms = (["--perms", "1777"], ["--perms", "0777"], ["--perms", "0666"]) \
        if grading_as_root() else ([], [], [])
    # Every namespace of --unshare-all, which as root would also try a user namespace mapping only root.
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not grading_as_root():
        namespaces += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL", "--disable-userns"]
    command = [bwrap_path(), *namespaces, "--die-with-parent", "--new-session",
               "--proc", "/proc", "--dev", "/dev", *shared, "--size", size, "--tmpfs", "/dev/shm",
               *shared, "--size", size, "--tmpfs", "/tmp"]
    for link, target in (("/bin", "usr/bin"), ("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/sbin", "usr/sbin")):
        if Path(link).is_symlink():
            command += ["--symlink", target, link]
        elif Path(link).exists():
            command += ["--ro-bind", link, link]
    scratch = scratch_folder(folder)
    # bwrap run by root makes the folders above a mount 0700: the unprivileged uid could not get through.
    destinations = [*_read_only_roots(), *map(package_folder, packages), scratch, socket_folder(run_dir)]
    for parent in sorted({str(p) for d in destinations for p in Path(d).parents if str(p) != "/"}):
        command += ["--perms", "0755", "--dir", parent]
    for root in _read_only_roots():
        command += ["--ro-bind", root, root]
    for name in packages:
        command += ["--ro-bind", str(private_copy(name)), str(package_folder(name))]
    command += [*scratch_perms, "--size", size, "--tmpfs", scratch]
    for relative, fd in entries:
        destination = str(Path(scratch) / relative)
        command += [*scratch_perms, "--dir", destination] if fd is None else [*file_perms, "--file", str(fd), destination]
    # The kernel's sockets are its only folder on the host's disk; it reads its connection file.
    command += ["--bind", str(socket_folder(run_dir)), str(socket_folder(run_dir)),
                "--ro-bind", str(Path(run_dir) / "kernel.json"), str(Path(run_dir) / "kernel.json"),
                "--remount-ro", "/", "--chdir", scratch]
    return command


def drop_privileges(uid):
    """What runs first inside a sandbox that root set up: become `uid` (a real, unprivileged host uid),
    with no supplementary groups, no capabilities left to regain and no way to gain privileges by exec.
    util-linux's setpriv does exactly this; bwrap cannot, since its --uid needs a user namespace, whose
    uid would map back to root on the host."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise SandboxUnavailable("grading as root needs util-linux's setpriv (`sudo apt-get install util-linux`)")
    return [setpriv, "--reuid", str(uid), "--regid", str(uid), "--clear-groups", "--inh-caps=-all",
            "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def socket_folder(run_dir):
    return Path(run_dir) / "sockets"


def kernel_environment(threads=1, extra=None):
    """The kernel's whole environment: nothing of the grader's; `extra` (the configuration's, where
    "{threads}" stands for `threads`) adds what the course's libraries need, TensorFlow's say."""
    keep = {name: os.environ[name] for name in ("LANG", "LC_ALL", "TZ") if name in os.environ}
    extra = {name: str(value).format(threads=threads) for name, value in (extra or {}).items()}
    return {**keep, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "MPLBACKEND": "agg",
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHONNOUSERSITE": "1",
            "OMP_NUM_THREADS": str(threads), "NBGRADER_EXECUTION": "autograde", "PYTHONHASHSEED": "0", **extra}


def _enter_sandbox(limit_bytes, cgroup_procs):
    """Run in the child between fork and exec of bwrap: into the memory cgroup, a cap on file size,
    no core dumps."""
    import resource
    if cgroup_procs:
        cgroups.enter(cgroup_procs)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def sandbox_problem(sandbox_uid=NOBODY, packages=()):
    """Why no sandbox can start on this machine (one line naming what to install or change), or None.

    Starts a real, empty sandbox: bwrap may be installed and still fail (no unprivileged user
    namespaces, a container without the capabilities bwrap needs)."""
    import subprocess
    try:
        uid = kernel_uid(sandbox_uid)
        packages = sandbox_packages(packages)
        check_readable([*_read_only_roots(), *map(private_copy, packages)], uid, uid, parents=not grading_as_root())
        with tempfile.TemporaryDirectory(prefix="rnn-sandbox-check-") as run_dir:
            socket_folder(run_dir).mkdir()
            Path(run_dir, "kernel.json").write_text("{}")
            command = bwrap_command(Path(run_dir), run_dir, Limits(), packages=packages)
            command += (drop_privileges(uid) if grading_as_root() else []) + [sys.executable, "-c", "pass"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except SandboxUnavailable as error:
        return str(error)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not start a sandbox: {error}"
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        return (f"bubblewrap could not start a sandbox here ({detail}); it needs unprivileged user namespaces "
                "(sysctl kernel.unprivileged_userns_clone=1) or root")
    return None


class SandboxedKernelManager(KernelManager):
    """A KernelManager whose kernel runs under bwrap, reached over Unix sockets in run_dir/sockets.

    With `sandboxed=False` (a self-check on a laptop without bubblewrap) the same kernel, with the same
    environment and limits the watchdog enforces, runs as the user in a copy of the notebook's folder:
    the tests still run outside it, in the referee, so the verdicts are the same."""
    # nbclient polls the kernel from asyncio tasks: with the default blocking client, get_msg() stalls
    # its event loop for good once the kernel dies or loops (no cell timeout, no dead-kernel check).
    client_class = DottedObjectName("jupyter_client.asynchronous.AsyncKernelClient")

    def __init__(self, folder, run_dir, limits, sandbox_uid=NOBODY, sandboxed=True, packages=(), environment=None,
                 **kwargs):
        super().__init__(kernel_name="python3", transport="ipc", ip=str(socket_folder(run_dir) / "kernel"),
                         connection_file=str(Path(run_dir) / "kernel.json"), **kwargs)
        self._folder, self._run_dir, self._limits, self.sandboxed = folder, run_dir, limits, sandboxed
        self._packages, self._environment = sandbox_packages(packages), environment
        self._uid = kernel_uid(sandbox_uid) if sandboxed else os.geteuid()
        self.cgroup = None
        socket_folder(run_dir).mkdir(mode=0o700, exist_ok=True)
        if not sandboxed:
            return
        # As root, bwrap binds the folders as root: the kernel's uid needs only the folders themselves.
        check_readable([*_read_only_roots(), *map(private_copy, self._packages)], self._uid, self._uid,
                       parents=not grading_as_root())
        if grading_as_root():  # the kernel, as self._uid, owns its socket folder
            os.chown(socket_folder(run_dir), self._uid, self._uid)

    @property
    def kernel_spec(self):
        # -P: the kernel's cwd is not on sys.path while Python starts, so a submitted
        # ipykernel_launcher.py cannot replace the launcher; -s: no user site-packages.
        argv = [sys.executable, "-P", "-s", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        if self.sandboxed:
            # Inside the sandbox's PID namespace the parent is bwrap's init, pid 1: no parent polling
            # (bwrap's --die-with-parent ends the kernel with the grader instead).
            argv.append("--IPKernelApp.parent_handle=0")
        # The kernel is started by SandboxProvisioner, registered under this name in pyproject.toml.
        return KernelSpec(argv=argv, display_name="sandboxed python3", language="python",
                          interrupt_mode="message", env=kernel_environment(self._limits.threads, self._environment),
                          metadata={"kernel_provisioner": {"provisioner_name": PROVISIONER_NAME}})

    def remove_cgroup(self):
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None



PROVISIONER_NAME = "autograder-sandbox"


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, starting the kernel of a SandboxedKernelManager (its parent)
    under bwrap, or without a sandbox in a copy of the notebook's folder (sandboxed=False)."""

    async def launch_kernel(self, cmd, **kwargs):
        manager = self.parent
        if not manager.sandboxed:
            return await super().launch_kernel(list(cmd), **self._unsandboxed(manager, kwargs))
        if grading_as_root():  # jupyter_client wrote it 0600; the bind into the sandbox is read-only
            os.chown(manager.connection_file, manager._uid, manager._uid)
        manager.cgroup = cgroups.MemoryCgroup.create(manager._limits.memory_mb)
        entries = scratch_entries(manager._folder, manager._limits.writable_mb * 2**20)
        fds = [fd for _, fd in entries if fd is not None]
        limit, procs = manager._limits.file_mb * 2**20, manager.cgroup.procs if manager.cgroup else None
        kwargs["preexec_fn"] = lambda: _enter_sandbox(limit, procs)
        kwargs["pass_fds"] = fds
        # The kernel's own console (banner, crashes) goes to a log beside its sockets, not the grader's terminal.
        kwargs["stdout"] = kwargs["stderr"] = open(Path(manager._run_dir) / "kernel.log", "ab")
        try:
            command = bwrap_command(manager._folder, manager._run_dir, manager._limits, entries, manager._packages)
            command += (drop_privileges(manager._uid) if grading_as_root() else []) + list(cmd)
            return await super().launch_kernel(command, **kwargs)
        finally:
            for fd in fds:
                os.close(fd)  # bwrap, started, holds its own copies

    @staticmethod
    def _unsandboxed(manager, kwargs):
        """The kernel as the user, in a copy of the notebook's regular files (as the sandbox has)."""
        work = Path(manager._run_dir) / "work" / Path(manager._folder).name
        work.mkdir(parents=True)
        entries = scratch_entries(manager._folder, manager._limits.writable_mb * 2**20)
        try:
            for relative, fd in entries:
                if fd is None:
                    (work / relative).mkdir(parents=True, exist_ok=True)
                else:
                    with os.fdopen(os.dup(fd), "rb") as source:
                        (work / relative).write_bytes(source.read())
        finally:
            for _, fd in entries:
                if fd is not None:
                    os.close(fd)
        limit = manager._limits.file_mb * 2**20
        log = open(Path(manager._run_dir) / "kernel.log", "ab")
        return {**kwargs, "cwd": str(work), "preexec_fn": lambda: _enter_sandbox(limit, None), "stdout": log,
                "stderr": log}

    async def cleanup(self, restart=False):
        await super().cleanup(restart=restart)
        self.parent.remove_cgroup()


class Watchdog:
    """Kills a process tree that breaks its limits; `reason` says which limit, or None."""

    def __init__(self, limits, poll_seconds=0.1, sandboxed=True):
        self.limits, self.poll_seconds, self.sandboxed = limits, poll_seconds, sandboxed
        self._reason, self.peak_mb = None, 0.0
        self._root, self._started, self._inside = None, None, None
        self._cgroup, self._run_dir, self._in_memory_folders = None, None, ("", "/tmp", "/dev", "/dev/shm")
        # File systems of the grading machine; the sandbox's own /, /tmp and /dev are new tmpfs mounts.
        self._host_devices = {os.stat(p).st_dev for p in ("/", "/tmp", "/dev", "/dev/shm", "/proc") if os.path.exists(p)}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @property
    def reason(self):
        """Which limit the sandbox broke, or None. Asks the cgroup too: its OOM kill may end the kernel
        before the watchdog's next look."""
        if self._reason is None and self._cgroup is not None and self._cgroup.oom_killed():
            self._reason = self._memory_reason()
        return self._reason

    def _memory_reason(self):
        return f"used more than the memory limit of {self.limits.memory_mb} MB"

    def start(self, pid, cgroup=None, run_dir=None, scratch=None):
        """Watch the process tree of `pid`; `cgroup` is its MemoryCgroup (or None), `run_dir` the host
        folder it may write in, `scratch` its tmpfs working folder (as the sandbox names it)."""
        self._root, self._started = pid, time.monotonic()
        self._cgroup, self._run_dir = cgroup, run_dir
        if scratch:
            self._in_memory_folders += (scratch,)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _tree(self):
        try:
            root = psutil.Process(self._root)
            return [root] + root.children(recursive=True)
        except psutil.Error:
            return []

    def _measure(self, processes, shared_once=False):
        """Resident memory in MB; `shared_once` counts pages that forked processes share once (PSS,
        slower: it gives up, returning None, if meanwhile the sandbox broke its process limit)."""
        memory = 0
        for process in processes:
            if shared_once and self._too_many():
                return None
            try:
                info = process.memory_full_info() if shared_once else process.memory_info()
                memory += getattr(info, "pss", info.rss)
            except psutil.Error:
                pass
        return memory / 2**20

    def _too_many(self):
        """Whether the sandbox's PID namespace holds more processes than allowed (and if so, kill it).

        Counted from the sandbox's own /proc, which stays cheap during a fork bomb; walking the
        process tree with psutil gets slower with every fork, and a bomb outruns it."""
        if not self.sandboxed:  # no PID namespace of its own: the process tree is counted instead
            return False
        try:
            if self._inside is None:
                children = psutil.Process(self._root).children()
                if not children:
                    return False
                self._inside = children[0]  # bwrap's init process, pid 1 of the sandbox
            count = sum(name.isdigit() for name in os.listdir(f"/proc/{self._inside.pid}/root/proc"))
        except (OSError, psutil.Error):
            return False
        if count <= self.limits.processes:
            return False
        # Killing bwrap and its init ends every process of the sandbox's PID namespace at once.
        self._kill([psutil.Process(self._root), self._inside], f"started more than {self.limits.processes} processes")
        return True

    def _files_in_memory_mb(self, processes):
        """What the sandbox's tmpfs file systems (/, /tmp, /dev, /dev/shm, its cwd) hold: memory that no RSS shows."""
        for process in processes:
            root = f"/proc/{process.pid}/root"
            try:
                if os.stat(root).st_dev in self._host_devices:
                    continue  # bwrap outside the sandbox, or a process not inside it yet
                used, devices = 0, set()
                for folder in self._in_memory_folders:
                    device = os.stat(root + folder).st_dev
                    if device not in devices and device not in self._host_devices:
                        devices.add(device)
                        stat = os.statvfs(root + folder)
                        used += (stat.f_blocks - stat.f_bfree) * stat.f_frsize
                return used / 2**20
            except OSError:
                continue
        return 0.0

    @staticmethod
    def _memfds_mb(processes):
        """What memfds held open by the sandbox's processes but mapped by none of them hold, each
        inode once: memory that neither RSS (which counts mapped pages) nor any file system shows."""
        held = {}
        for process in processes:
            fd_folder = f"/proc/{process.pid}/fd"
            try:
                for name in os.listdir(fd_folder):
                    try:
                        if os.readlink(f"{fd_folder}/{name}").startswith("/memfd:"):
                            info = os.stat(f"{fd_folder}/{name}")
                            held[info.st_ino] = info.st_blocks * 512
                    except OSError:
                        continue
            except OSError:
                continue
        if not held:
            return 0.0
        for process in processes:
            try:
                with open(f"/proc/{process.pid}/maps") as maps:
                    for line in maps:
                        if "/memfd:" in line:
                            held.pop(int(line.split()[4]), None)
            except (OSError, ValueError, IndexError):
                continue
        return sum(held.values()) / 2**20

    def _run_dir_too_full(self):
        """The reason to stop a sandbox that wrote too much into its run dir (its only host folder), or None."""
        total, count = 0, 0
        for folder, subfolders, files in os.walk(self._run_dir):
            count += len(subfolders) + len(files)
            if count > MAX_RUN_DIR_FILES:
                return f"created more than {MAX_RUN_DIR_FILES} files beside its sockets"
            for name in files:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
                except OSError:
                    continue
        if total > self.limits.writable_mb * 2**20:
            return f"wrote more than {self.limits.writable_mb} MB to the grading machine's disk"
        return None

    def _watch(self):
        while not self._stop.wait(self.poll_seconds):
            try:
                if not self._check():
                    return
            except Exception:  # noqa: BLE001 (a watchdog that stops watching is no limit at all)
                continue

    def _check(self):
        """One look at the sandbox, killing it if it breaks a limit; False once nothing is left to watch."""
        if self._too_many():
            return True
        processes = self._tree()
        if not processes:
            return False
        if len(processes) > self.limits.processes:
            self._kill(processes, f"started more than {self.limits.processes} processes")
            return True
        memory_reason = self._memory_reason()
        if self._cgroup is not None and self._cgroup.oom_killed():
            self._kill(processes, memory_reason)
            return True
        if self._run_dir is not None and (reason := self._run_dir_too_full()):
            self._kill(processes, reason)
            return True
        # A memory cgroup charges memfds itself; without one, the watchdog counts them.
        tmp_mb = self._files_in_memory_mb(processes)
        memfd_mb = self._memfds_mb(processes) if self._cgroup is None else 0.0
        files_mb = tmp_mb + memfd_mb
        memory_mb = self._measure(processes) + files_mb
        if memory_mb > self.limits.memory_mb:
            # RSS counts the pages a forked process shares with its parent once per process, so a
            # few forks of a large kernel would look like a memory hog: confirm with PSS.
            shared_once = self._measure(processes, shared_once=True)
            if shared_once is None:
                return True  # killed for its processes meanwhile
            memory_mb = shared_once + files_mb
        self.peak_mb = max(self.peak_mb, memory_mb)
        if memory_mb > self.limits.memory_mb:
            self._kill(processes, memory_reason + (f" ({tmp_mb:.0f} MB of it in files, which the sandbox keeps in memory)"
                                                   if tmp_mb > 100 else "")
                       + (f" ({memfd_mb:.0f} MB of it in memfds)" if memfd_mb > 100 else ""))
        elif time.monotonic() - self._started > self.limits.wall_seconds:
            self._kill(processes, f"ran longer than the notebook's limit of {self.limits.wall_seconds} s")
        return True

    def kill(self, reason):
        """Kill the sandbox now (the grader gave up on it); a limit it broke before stays the reason."""
        if self.reason is None:
            self._kill(self._tree(), reason)

    def _kill(self, processes, reason):
        self._reason = reason
        for process in processes:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        self._stop.set()
