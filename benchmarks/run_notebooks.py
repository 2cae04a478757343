"""Execute every lecture notebook and every reference solution; print wall time and peak memory.

Targets (issue 2): at most 60 s wall per notebook, kernel start and imports included, and at
most 1.5 GB peak resident memory of the kernel, so the course fits a 2 GB JupyterHub pod.
Run with `make bench` (every unit), or `python benchmarks/run_notebooks.py UNIT ...` for some units.
Exits 1 if a notebook misses a target.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 60
MAX_MEGABYTES = 1536


def peak_resident_megabytes(pid):
    """The kernel's high-water mark of resident memory, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(path):
    """Execute `path` in a fresh kernel; return (wall seconds, peak MB, error or '')."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = ""
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except Exception as exc:  # noqa: BLE001 (report and go on to the next notebook)
                error = f"{type(exc).__name__} in cell {index}"
                break
        peak = peak_resident_megabytes(pid)
    return time.perf_counter() - start, peak, error


def main(units=()):
    """Run the notebooks of `units` (e.g. 07_lstm_gru; all units if none), lecture and reference solution."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "source").glob("*/*.ipynb"))
    if units:
        unknown = set(units) - {path.stem for path in notebooks}
        if unknown:
            print(f"no such unit: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        notebooks = [path for path in notebooks if path.stem in units]
    rows, all_met = [], True
    for number, path in enumerate(notebooks, 1):
        name = str(path.relative_to(ROOT))
        print(f"[{number}/{len(notebooks)}] running {name} ...", file=sys.stderr, flush=True)
        seconds, megabytes, error = run(path)
        met = not error and seconds <= MAX_SECONDS and megabytes <= MAX_MEGABYTES
        all_met &= met
        rows.append((name, f"{seconds:.1f}", f"{megabytes:.0f}", "yes" if met else f"NO {error}".strip()))
    header = ("notebook", "wall s", "peak MB", f"met (<= {MAX_SECONDS} s, <= {MAX_MEGABYTES} MB)")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
