"""How many students one machine serves: the course's notebooks run as N students' kernels at once.

    .venv/bin/python benchmarks/class_load.py [--students 2 4 8] [--notebooks source/02_hidden_state/... ...]

First each notebook alone: wall time, the kernel's CPU seconds, its peak resident memory (VmHWM) and what it still
holds at the end (a student who leaves the notebook open keeps that much). Then N simulated students at once, as a
class in a lab session: each runs every notebook of the list in a kernel of its own, one after the other, student i
starting at the i-th; measured per kernel as above, and per round the peak of all kernels' memory together (sampled
every 0.2 s) and how busy the cores were. Also measured once: the resident memory of an idle JupyterLab server of
the course (each student's server on the hub, without kernels). docs/deploy.md turns the tables into a sizing rule.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOKS = ["source/02_hidden_state/02_hidden_state.ipynb", "source/04_gym_workout/04_gym_workout.ipynb",
                     "source/06_gradient_problems/06_gradient_problems.ipynb", "notebooks/05_architectures.ipynb"]


def status_megabytes(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_notebook(path):
    """Run one notebook in a fresh kernel: (wall s, kernel CPU s, peak MB, MB at the end, error or '')."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    started, error = time.perf_counter(), ""
    with client.setup_kernel():
        kernel = psutil.Process(client.km.provisioner.process.pid)
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except Exception as exc:  # noqa: BLE001 (report it in the table and measure the others)
                error = f"{type(exc).__name__} in cell {index}"
                break
        cpu = kernel.cpu_times()
        peak, end = status_megabytes(kernel.pid, "VmHWM"), status_megabytes(kernel.pid, "VmRSS")
    return time.perf_counter() - started, cpu.user + cpu.system, peak, end, error


def run_student(paths):
    """One student's session: the notebooks one after the other; the results of each."""
    return [run_notebook(path) for path in paths]


def kernels_resident_megabytes():
    """Resident memory of every kernel of this benchmark right now (they are grandchildren of this process)."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                total += child.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    return total


def run_round(students, notebooks):
    """N students at once, each through every notebook; returns the row of the table."""
    sessions = [[ROOT / notebooks[(i + j) % len(notebooks)] for j in range(len(notebooks))] for i in range(students)]
    peak_total, stop = [0.0], threading.Event()

    def sample():
        while not stop.is_set():
            peak_total[0] = max(peak_total[0], kernels_resident_megabytes())
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=students) as pool:
        results = [result for session in pool.map(run_student, sessions) for result in session]
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    walls, cpus, peaks, _, errors = zip(*results)
    busy = sum(cpus) / (wall * os.cpu_count())
    return (str(students), f"{wall:.0f}", f"{statistics.mean(walls):.0f} / {max(walls):.0f}",
            f"{statistics.mean(cpus):.1f}", f"{statistics.mean(peaks):.0f} / {max(peaks):.0f}",
            f"{peak_total[0]:.0f}", f"{100 * busy:.0f} %", "; ".join(e for e in errors if e) or "-")


def table(header, rows):
    widths = [max(len(row[i]) for row in [*rows, header]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


def idle_server_megabytes():
    """Resident memory of a JupyterLab server of the course (with nbgrader's extensions), idle after starting."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bin_folder = Path(sys.executable).parent
    process = subprocess.Popen([str(bin_folder / "jupyter"), "lab", "--no-browser", f"--port={port}",
                                "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=bench", "--allow-root",
                                f"--ServerApp.root_dir={ROOT / 'release'}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(3)  # extensions finish loading
        return psutil.Process(process.pid).memory_info().rss / 2**20
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--notebooks", nargs="+", default=DEFAULT_NOTEBOOKS, help="paths from the course root")
    args = parser.parse_args(argv)
    server = idle_server_megabytes()
    alone = []
    for notebook in args.notebooks:
        print(f"running {notebook} alone ...", file=sys.stderr, flush=True)
        wall, cpu, peak, end, error = run_notebook(ROOT / notebook)
        alone.append((notebook, f"{wall:.1f}", f"{cpu:.1f}", f"{peak:.0f}", f"{end:.0f}", error or "-"))
    rounds = []
    for students in args.students:
        print(f"running {students} students at once ...", file=sys.stderr, flush=True)
        rounds.append(run_round(students, args.notebooks))
    print(f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GB; idle JupyterLab server of the "
          f"course: {server:.0f} MB resident\n")
    table(("notebook alone", "wall s", "kernel CPU s", "kernel peak MB", "kernel MB at the end", "errors"), alone)
    print()
    table(("students", "wall s", "per notebook wall s (mean / max)", "kernel CPU s per notebook (mean)",
           "kernel peak MB (mean / max)", "all kernels peak MB", "cores busy", "errors"), rounds)


if __name__ == "__main__":
    main()
