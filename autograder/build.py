"""`autograder build`: generate release/ from source/ with nbgrader, then prove it leaks nothing."""
import filecmp
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.course import (
    COURSE_ROOT,
    CourseError,
    assignment_notebook,
    make_scratch_course,
    nbgrader_cells,
    run_nbgrader,
    source_units,
)
from autograder.diffs import cell_diff

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")
REGIONS = {"solution code": ("BEGIN SOLUTION", "END SOLUTION"),
           "a hidden test": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")}

# nbgrader's generate_assignment copies every file of source/UNIT/ into the release. A release folder
# holds the unit's notebook and nothing else, except the files listed here that the notebook needs
# ({unit: {path relative to the unit's folder}}; none so far). Anything else fails the build: a paired
# script or a second copy of the notebook would hand out the solutions.
RELEASE_DATA_FILES = {}
STALE_DIFF_LINES = 40  # cell-level diff lines shown per stale release notebook


def _region_lines(source, begin, end):
    """Lines strictly inside begin/end markers that appear nowhere else in the cell."""
    inside, outside, within = [], [], False
    for line in source.splitlines():
        if begin in line:
            within = True
        elif end in line:
            within = False
        else:
            (inside if within else outside).append(line.strip())
    return {line for line in inside if len(line) > 3 and not line.startswith("#")} - set(outside)


def release_problems(source_nb, release_nb):
    """Everything wrong with a release notebook, as (cell id, problem) pairs."""
    problems = []
    source_cells = nbgrader_cells(source_nb)
    for index, cell in enumerate(release_nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        name = meta.get("grade_id", f"#{index}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append((name, "has saved outputs"))
        problems += [(name, f"contains the marker '{m}'") for m in MARKERS if m in cell.source]
        original = source_cells.get(meta.get("grade_id"))
        if original is not None:
            for what, (begin, end) in REGIONS.items():
                leaked = [line for line in _region_lines(original.source, begin, end)
                          if line in {text.strip() for text in cell.source.splitlines()}]
                problems += [(name, f"contains {what}: {line!r}") for line in leaked[:1]]
            if original.metadata["nbgrader"].get("locked") and not meta.get("locked"):
                problems.append((name, "is read-only in source/ but not locked"))
        if meta.get("grade") and not meta.get("solution") and not meta.get("locked"):
            problems.append((name, "is a test cell but not locked"))
        if meta.get("solution") and cell.cell_type == "code" and "raise NotImplementedError" not in cell.source:
            problems.append((name, "is a solution cell without a `raise NotImplementedError()` stub"))
    missing = set(source_cells) - set(nbgrader_cells(release_nb))
    problems += [(name, "is in source/ but missing from the release") for name in sorted(missing)]
    return problems


def release_file_problems(unit, release_unit_dir):
    """Files of a release folder that are neither the unit's notebook nor a data file it needs."""
    folder = Path(release_unit_dir)
    allowed = {f"{unit}.ipynb"} | set(RELEASE_DATA_FILES.get(unit, ()))
    present = {path.relative_to(folder).as_posix() for path in folder.rglob("*")
               if not path.is_dir() and ".ipynb_checkpoints" not in path.parts}
    return [(name, "is not the unit's notebook nor a file it needs (RELEASE_DATA_FILES in autograder/build.py); "
                   f"nbgrader copies every file of source/{unit}/ into the release")
            for name in sorted(present - allowed)]


def generate(units, out_dir, root=COURSE_ROOT):
    """Run nbgrader generate_assignment for `units` in a scratch course; return its release/ folder."""
    make_scratch_course(out_dir, units, root)
    for unit in units:
        run_nbgrader(out_dir, "generate_assignment", unit, "--force", "--log-level=ERROR")
    return Path(out_dir) / "release"


def verify(units, release_dir, root=COURSE_ROOT):
    """Raise CourseError naming every notebook and cell of `release_dir` that gives something away."""
    lines = []
    for unit in units:
        source_nb = nbformat.read(assignment_notebook(unit, "source", root), as_version=4)
        release_path = Path(release_dir) / unit / f"{unit}.ipynb"
        release_nb = nbformat.read(release_path, as_version=4)
        lines += [f"release/{unit}/{unit}.ipynb, cell {cell}: {problem}"
                  for cell, problem in release_problems(source_nb, release_nb)]
        lines += [f"release/{unit}/{name}: {problem}"
                  for name, problem in release_file_problems(unit, release_path.parent)]
    if lines:
        raise CourseError("the release is not safe to hand out:\n  " + "\n  ".join(lines))


def differences(release_dir, committed_dir):
    """Files that differ between a freshly built release and the committed one."""
    comparison = filecmp.dircmp(release_dir, committed_dir, ignore=[".ipynb_checkpoints"])
    def walk(cmp, prefix=""):
        found = [f"{prefix}{name}" for name in cmp.left_only + cmp.right_only + cmp.diff_files]
        for name, sub in cmp.subdirs.items():
            found += walk(sub, f"{prefix}{name}/")
        return found
    return walk(comparison)


def staleness(unit, fresh_dir, committed_dir, max_lines=STALE_DIFF_LINES):
    """Why the committed release folder of `unit` is not what nbgrader builds now, or None if it is.

    For each notebook that differs, nbdime's cell-level diff: '-' the committed release, '+' the new one.
    """
    committed_dir, fresh_dir = Path(committed_dir), Path(fresh_dir)
    if not committed_dir.exists():
        return f"release/{unit} is out of date with source/: it does not exist"
    changed = differences(fresh_dir, committed_dir)
    if not changed:
        return None
    lines = [f"release/{unit} is out of date with source/ ({', '.join(changed)}):"]
    for name in changed:
        old, new = committed_dir / name, fresh_dir / name
        if not new.exists():
            lines.append(f"  {name}: in the committed release, but the build does not make it")
        elif not old.exists():
            lines.append(f"  {name}: made by the build, missing from the committed release")
        elif name.endswith(".ipynb") and new.is_file():
            diff = cell_diff(nbformat.read(old, as_version=4), nbformat.read(new, as_version=4), max_lines)
            lines.append(f"  {name} ('-' committed, '+' what the build makes):")
            lines += ["    " + line for line in (diff or "same cells; the file differs in its JSON only").splitlines()]
    return "\n".join(lines)


def build(units=None, check_only=False, root=COURSE_ROOT):
    """Generate and verify the release of `units`; write it to release/ unless `check_only`.

    Refuses (CourseError) while a notebook of these units and its paired script under paired/ differ:
    which side is right is the author's call. With `check_only`, raise CourseError if the committed
    release/ differs from what would be built, showing the differing cells.
    """
    from autograder.pairs import check_pairs
    check_pairs(root, units or None)
    units = units or source_units(root)
    with tempfile.TemporaryDirectory(prefix="rnn-course-build-") as scratch:
        fresh = generate(units, scratch, root)
        verify(units, fresh, root)
        if check_only:
            stale = [message for unit in units
                     if (message := staleness(unit, fresh / unit, Path(root) / "release" / unit))]
            if stale:
                raise CourseError("\n".join(stale) + "\nrun `autograder build` to regenerate release/; then "
                                  "`.venv/bin/nbdiff release/UNIT/UNIT.ipynb` shows all changes since the last commit")
        else:
            for unit in units:
                target = Path(root) / "release" / unit
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(fresh / unit, target)
    return units
