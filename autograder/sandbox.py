"""A student's kernel in a bubblewrap sandbox, with memory, process and wall-time limits.

Inside the sandbox the kernel sees the system's programs and libraries, this Python and its
packages, the course's helper package `rnncourse` (read-only), and its own folder (read-write).
It cannot see source/, the gradebook, other submissions or the network. A watchdog outside
kills the whole sandbox when its processes use more memory than allowed, when there are too
many of them, or when the notebook as a whole runs too long; the reason becomes the status.
"""
import os
import shutil
import signal
import site
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec
from traitlets import DottedObjectName

import rnncourse


@dataclass
class Limits:
    memory_mb: int = 2048      # resident memory of all the sandbox's processes together
    processes: int = 64        # processes in the sandbox at once
    wall_seconds: int = 900    # the whole notebook, all cells
    file_mb: int = 256         # the largest file the student's code may write
    threads: int = 1           # CPU threads for TensorFlow and BLAS (cores / submissions graded at once)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable("grading needs bubblewrap to isolate students' code: install it with "
                                 "`sudo apt-get install bubblewrap` (Debian/Ubuntu) or your system's package manager")
    return path


def _read_only_roots():
    """The folders the kernel needs to run Python and import the course's packages."""
    roots = {"/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/fonts"}
    roots |= {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    roots |= set(site.getsitepackages())
    roots.add(str(Path(rnncourse.__file__).resolve().parent))  # only the helper package, not the course folder
    # Keep only existing, outermost folders (a folder inside another bound one is already there).
    existing = sorted(str(Path(root).resolve()) for root in roots if Path(root).exists())
    outermost = []
    for root in existing:
        if not any(root == kept or root.startswith(kept.rstrip("/") + "/") for kept in outermost):
            outermost.append(root)
    return outermost


def bwrap_command(folder, run_dir, limits):
    """The bwrap arguments that give the kernel `folder` (read-write) and nothing else of ours."""
    command = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for link, target in (("/bin", "usr/bin"), ("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/sbin", "usr/sbin")):
        if Path(link).is_symlink():
            command += ["--symlink", target, link]
        elif Path(link).exists():
            command += ["--ro-bind", link, link]
    for root in _read_only_roots():
        command += ["--ro-bind", root, root]
    command += ["--bind", str(folder), str(folder), "--bind", str(run_dir), str(run_dir), "--chdir", str(folder)]
    return command


def kernel_environment(folder, threads=1):
    keep = {name: os.environ[name] for name in ("LANG", "LC_ALL", "TZ") if name in os.environ}
    return {**keep, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "MPLBACKEND": "agg",
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHONNOUSERSITE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "OMP_NUM_THREADS": str(threads),
            "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads),
            "NBGRADER_EXECUTION": "autograde", "PYTHONHASHSEED": "0"}


def _limit_files(limit_bytes):
    """Run in the child before bwrap starts: a cap on file size, no core dumps."""
    import resource
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class SandboxedKernelManager(KernelManager):
    """A KernelManager whose kernel runs under bwrap, reached over Unix sockets in run_dir."""
    # nbclient polls the kernel from asyncio tasks: with the default blocking client, get_msg() stalls
    # its event loop for good once the kernel dies or loops (no cell timeout, no dead-kernel check).
    client_class = DottedObjectName("jupyter_client.asynchronous.AsyncKernelClient")

    def __init__(self, folder, run_dir, limits, **kwargs):
        super().__init__(kernel_name="python3", transport="ipc", ip=str(Path(run_dir) / "kernel"),
                         connection_file=str(Path(run_dir) / "kernel.json"), **kwargs)
        self._folder, self._run_dir, self._limits = folder, run_dir, limits

    @property
    def kernel_spec(self):
        argv = bwrap_command(self._folder, self._run_dir, self._limits) + [
            sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
            # Inside the sandbox's PID namespace the parent is bwrap's init, pid 1: no parent polling
            # (bwrap's --die-with-parent ends the kernel with the grader instead).
            "--IPKernelApp.parent_handle=0"]
        return KernelSpec(argv=argv, display_name="sandboxed python3", language="python",
                          interrupt_mode="message", env=kernel_environment(self._folder, self._limits.threads))

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        limit = self._limits.file_mb * 1024 * 1024
        kw["preexec_fn"] = lambda: _limit_files(limit)
        # The kernel's own console (banner, crashes) goes to a log beside its sockets, not the grader's terminal.
        kw["stdout"] = kw["stderr"] = open(Path(self._run_dir) / "kernel.log", "ab")
        return await super()._async_launch_kernel(kernel_cmd, **kw)


class Watchdog:
    """Kills a process tree that breaks its limits; `reason` says which limit, or None."""

    def __init__(self, limits, poll_seconds=0.1):
        self.limits, self.poll_seconds = limits, poll_seconds
        self.reason, self.peak_mb = None, 0.0
        self._root, self._started, self._inside = None, None, None
        # File systems of the grading machine; the sandbox's own /, /tmp and /dev are new tmpfs mounts.
        self._host_devices = {os.stat(p).st_dev for p in ("/", "/tmp", "/dev", "/dev/shm", "/proc") if os.path.exists(p)}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self, pid):
        self._root, self._started = pid, time.monotonic()
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
        """What the sandbox's tmpfs file systems (its /, /tmp and /dev) hold: memory that no RSS shows."""
        for process in processes:
            root = f"/proc/{process.pid}/root"
            try:
                if os.stat(root).st_dev in self._host_devices:
                    continue  # bwrap outside the sandbox, or a process not inside it yet
                used, devices = 0, set()
                for folder in ("", "/tmp", "/dev"):
                    device = os.stat(root + folder).st_dev
                    if device not in devices and device not in self._host_devices:
                        devices.add(device)
                        stat = os.statvfs(root + folder)
                        used += (stat.f_blocks - stat.f_bfree) * stat.f_frsize
                return used / 2**20
            except OSError:
                continue
        return 0.0

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
        files_mb = self._files_in_memory_mb(processes)
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
            self._kill(processes, f"used more than the memory limit of {self.limits.memory_mb} MB"
                       + (f" ({files_mb:.0f} MB of it in files written to /tmp)" if files_mb > 100 else ""))
        elif time.monotonic() - self._started > self.limits.wall_seconds:
            self._kill(processes, f"ran longer than the notebook's limit of {self.limits.wall_seconds} s")
        return True

    def kill(self, reason):
        """Kill the sandbox now (the grader gave up on it); a limit it broke before stays the reason."""
        if self.reason is None:
            self._kill(self._tree(), reason)

    def _kill(self, processes, reason):
        self.reason = reason
        for process in processes:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        self._stop.set()
