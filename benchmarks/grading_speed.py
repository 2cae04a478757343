"""Grading speed: `autograder grade` against stock `nbgrader autograde` and plain execution, per unit.

For every unit (or those named), the same submissions (two thirds the reference solution, one third
the untouched release) are graded three ways, side by side in one run, on this machine:

- stock:  `nbgrader autograde UNIT` (one submission after another, in the student's kernel);
- ours:   `autograder grade UNIT` (sandboxed, verdicts in the referee, one worker per core);
- plain:  just executing the same notebooks with nbclient, one per core at a time.

Targets (issue 13): on every unit, ours at least 2 times faster than stock, and at most 15% slower
than plain. Prints a row per unit, with plain's own speed-up over stock: no grader that runs the
notebooks can beat plain execution, so that column bounds what "vs stock" can reach on this machine.
Usage: python benchmarks/grading_speed.py [--units 02_hidden_state 03_bptt] [--submissions 8]
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
from autograder.isolated import STOCK_NBGRADER_CONFIG  # noqa: E402
from rnncourse import UNITS  # noqa: E402


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
    with open(folder / "nbgrader_config.py", "a") as config:  # the course's own config grades with the referee
        config.write(STOCK_NBGRADER_CONFIG)
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


def measure(unit, submissions, jobs, scratch):
    """{way: wall seconds} for grading `submissions` copies of `unit` the three ways."""
    courses = {name: make_course(scratch / f"{unit}-{name}", unit, submissions) for name in ("stock", "ours", "plain")}
    return {
        "plain": timed(f"{unit}: plain execution", lambda: run_plain(courses["plain"], jobs)),
        "stock": timed(f"{unit}: stock nbgrader autograde", lambda: run_stock(courses["stock"], unit)),
        "ours": timed(f"{unit}: autograder grade", lambda: run_ours(courses["ours"], unit, jobs)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", nargs="*", default=list(UNITS))
    parser.add_argument("--submissions", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"{args.submissions} submissions per unit, {args.jobs} cores")
    rows = []
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        for unit in args.units:
            rows.append((unit, measure(unit, args.submissions, args.jobs, Path(scratch))))
    print()
    print(f"{'unit':<30}{'plain s':>9}{'stock s':>9}{'ours s':>9}{'vs stock':>10}{'vs plain':>10}"
          f"{'plain vs stock':>16}  targets: >= 2x, <= +15%")
    for unit, times in rows:
        speedup, overhead = times["stock"] / times["ours"], times["ours"] / times["plain"] - 1
        verdicts = ["met" if speedup >= 2 else "MISSED", "met" if overhead <= 0.15 else "MISSED"]
        print(f"{unit:<30}{times['plain']:>9.1f}{times['stock']:>9.1f}{times['ours']:>9.1f}"
              f"{speedup:>9.2f}x{overhead:>+10.0%}{times['stock'] / times['plain']:>15.2f}x  {', '.join(verdicts)}")


if __name__ == "__main__":
    main()
