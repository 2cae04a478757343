"""Grading speed: `autograder grade` against stock `nbgrader autograde` and plain execution.

The same submissions of one unit (default 24: two thirds the reference solution, one third the
untouched release) are graded three ways, side by side in one run, on this machine:

- stock:  `nbgrader autograde UNIT` (one submission after another, in the student's kernel);
- ours:   `autograder grade UNIT` (sandboxed, verdicts in the referee, one worker per core);
- plain:  just executing the same notebooks with nbclient, one per core at a time.

Targets (issue 6): ours at least 1.8 times faster than stock, and at most 15% slower than plain.
Usage: python benchmarks/grading_speed.py [--unit 02_hidden_state] [--submissions 24]
"""
import argparse
import concurrent.futures
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]

from autograder.batch import grade_assignment  # noqa: E402
from autograder.course import make_scratch_course, run_nbgrader  # noqa: E402


def make_course(folder, unit, count):
    folder.mkdir()
    make_scratch_course(folder, [unit])
    for index in range(count):
        kind = "release" if index % 3 == 2 else "source"
        target = folder / "submitted" / f"student{index:02d}" / unit
        target.mkdir(parents=True)
        shutil.copy(ROOT / kind / unit / f"{unit}.ipynb", target / f"{unit}.ipynb")
    return folder


def run_stock(folder, unit):
    run_nbgrader(folder, "generate_assignment", unit, "--force", "--log-level=ERROR")
    run_nbgrader(folder, "autograde", unit, "--force", "--log-level=ERROR")


def run_ours(folder, unit, jobs):
    grade_assignment(folder, unit, jobs=jobs, progress=lambda line: None)


def _execute(path):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()


def run_plain(folder, jobs):
    notebooks = sorted(str(p) for p in (folder / "submitted").glob("*/*/*.ipynb"))
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        list(pool.map(_execute, notebooks))


def timed(label, action):
    print(f"  {label}...", flush=True)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", default="02_hidden_state")
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"{args.submissions} submissions of {args.unit}, {args.jobs} cores")
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        scratch = Path(scratch)
        courses = {name: make_course(scratch / name, args.unit, args.submissions) for name in ("stock", "ours", "plain")}
        times = {
            "plain": timed("plain execution", lambda: run_plain(courses["plain"], args.jobs)),
            "stock": timed("stock nbgrader autograde", lambda: run_stock(courses["stock"], args.unit)),
            "ours": timed("autograder grade", lambda: run_ours(courses["ours"], args.unit, args.jobs)),
        }
    print()
    print(f"{'way':<28}{'wall s':>8}{'per submission s':>18}")
    names = {"plain": "plain execution", "stock": "stock nbgrader autograde", "ours": "autograder grade"}
    for key in ("plain", "stock", "ours"):
        print(f"{names[key]:<28}{times[key]:>8.1f}{times[key] / args.submissions:>18.2f}")
    speedup, overhead = times["stock"] / times["ours"], times["ours"] / times["plain"] - 1
    print()
    print(f"speed-up over stock nbgrader: {speedup:.2f}x (target >= 1.8x) {'met' if speedup >= 1.8 else 'MISSED'}")
    print(f"overhead over plain execution: {overhead:+.0%} (target <= +15%) {'met' if overhead <= 0.15 else 'MISSED'}")


if __name__ == "__main__":
    main()
