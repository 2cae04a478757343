"""Each notebook of source/ and notebooks/ has a jupytext py:percent twin under paired/, with the same cells.

The twins are where solutions, hidden tests and lectures are read, diffed and linted as code:
`source/U/U.ipynb` is paired with `paired/source/U/U.py`, `notebooks/N.ipynb` with
`paired/notebooks/N.py`, as `jupytext.toml` says for jupytext's command line and its JupyterLab
extension alike. They live outside source/ because nbgrader copies every file of `source/U/` into
the release, and a twin holds the solutions and hidden tests.

Which side of a pair is right cannot be told from file times (git does not keep them), so a pair
whose sides differ is an error that names both files and the command that makes one side win.
"""
import subprocess
from pathlib import Path

import nbformat

from autograder.course import COURSE_ROOT, CourseError
from autograder.diffs import cell_diff

CONFIG_FILE = "jupytext.toml"
PAIRED = "paired"            # the folder of the twins; jupytext.toml says the same
TEXT_FORMAT = "py:percent"
JUPYTEXT = ".venv/bin/jupytext"


def load_config(root=COURSE_ROOT):
    """The course's jupytext configuration (jupytext.toml), read from `root` only."""
    from jupytext.config import load_jupytext_configuration_file
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        raise CourseError(f"no {CONFIG_FILE} in {root}: it pairs every notebook with its script under {PAIRED}/")
    return load_jupytext_configuration_file(str(path))


def paired_file(path, config):
    """The other side of the pair of `path` (a notebook or its script), as jupytext.toml pairs them."""
    from jupytext.paired_paths import paired_paths
    path = Path(path).resolve()
    formats = config.default_formats(str(path))
    if not formats:
        return None
    extension = path.suffix[1:]
    others = [Path(other) for other, _ in paired_paths(str(path), extension, formats) if Path(other) != path]
    return others[0] if len(others) == 1 else None


def notebooks(root=COURSE_ROOT, units=None):
    """The notebooks that must have a twin: every source/*/*.ipynb and notebooks/*.ipynb (of `units`)."""
    root = Path(root)
    found = sorted(root.glob("source/*/*.ipynb")) + sorted(root.glob("notebooks/*.ipynb"))
    return [path for path in found if _of_units(path, root, units)]


def scripts(root=COURSE_ROOT, units=None):
    """The twins present under paired/ (of `units`)."""
    root = Path(root)
    found = sorted(path for path in (root / PAIRED).rglob("*")
                   if path.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(path.parts))
    return [path for path in found if _of_units(path, root / PAIRED, units)]


def _of_units(path, base, units):
    """Whether `path` (under base/source/U/ or base/notebooks/U.*) belongs to one of `units` (all if None)."""
    if units is None:
        return True
    parts = Path(path).relative_to(base).parts
    return (len(parts) == 3 and parts[0] == "source" and parts[1] in units) or \
           (len(parts) == 2 and parts[0] == "notebooks" and Path(parts[1]).stem in units)


def cells_view(nb):
    """What a pair must agree on: each cell's type, source and metadata, in order (no ids, no outputs).

    Code cells get empty outputs, which nbdime expects of them.
    """
    cells = [{"cell_type": cell.cell_type, "source": cell.source, "metadata": dict(cell.metadata),
              **({"outputs": [], "execution_count": None} if cell.cell_type == "code" else {})} for cell in nb.cells]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def as_script(nb, config):
    """The text of `nb`'s twin, as `jupytext --sync` writes it with the course's configuration."""
    import jupytext
    return jupytext.writes(nb, fmt=TEXT_FORMAT, config=config)


def read_script(text):
    import jupytext
    return jupytext.reads(text, fmt=TEXT_FORMAT)


def _changed_in_git(paths, root):
    """The subset of `paths` with uncommitted changes, or None outside a git checkout."""
    try:
        result = subprocess.run(["git", "-c", "core.quotePath=off", "status", "--porcelain", "--untracked-files=all",
                                 "--", *map(str, paths)], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    changed = {line[3:].split(" -> ")[-1].strip() for line in result.stdout.splitlines()}
    return {path for path in paths if any(name == str(path) or name.endswith(f"/{path}") for name in changed)}


def _which_side(notebook, script, root):
    """A line saying which side of a differing pair was probably edited, from git; None if git cannot tell."""
    changed = _changed_in_git([notebook, script], root)
    if changed is None or len(changed) != 1:
        return None
    edited = next(iter(changed))
    return f"probably edited: {edited} (it has uncommitted changes, the other side has none)"


def _fix(notebook, script):
    """How to make one side win: `jupytext --sync` takes the cells from the newer file of the pair."""
    return [f"keep the script:   touch {script} && {JUPYTEXT} --sync {script}",
            f"keep the notebook: touch {notebook} && {JUPYTEXT} --sync {notebook}"]


def pair_problems(root=COURSE_ROOT, units=None, max_diff_lines=30):
    """One message per notebook (of `units`) whose twin is missing or differs, and per twin without notebook."""
    root = Path(root).resolve()
    config = load_config(root)
    problems = []
    for path in notebooks(root, units):
        notebook = path.relative_to(root)
        nb = nbformat.read(path, as_version=4)
        # JupyterLab's jupytext extension records the metadata filters in the notebook when it saves a pair:
        # harmless, the configuration wins. A `formats` of its own ("Pair Notebook with ..." commands) would
        # override the configuration and put the script next to the notebook.
        own_formats = nb.metadata.get("jupytext", {}).get("formats")
        if own_formats:
            problems.append(f"{notebook} sets its own jupytext pairing (notebook metadata jupytext.formats = "
                            f"{own_formats!r}, as JupyterLab's 'Pair Notebook with ...' commands write), which "
                            f"overrides {CONFIG_FILE}: delete that key (Property Inspector > Advanced Tools > "
                            "Notebook metadata) and any script it created next to the notebook")
            continue
        twin = paired_file(path, config)
        if twin is None:
            problems.append(f"{CONFIG_FILE} pairs {notebook} with no {TEXT_FORMAT} script")
            continue
        script = twin.relative_to(root) if twin.is_relative_to(root) else twin
        if script.parts[0] == "source":
            problems.append(f"{CONFIG_FILE} pairs {notebook} with {script}, inside source/: nbgrader would copy "
                            f"its solutions and hidden tests into the release; pair it under {PAIRED}/")
            continue
        if not twin.exists():
            problems.append(f"{notebook} has no paired script {script}: run `{JUPYTEXT} --sync {notebook}`")
            continue
        text, written = as_script(nb, config), twin.read_text(encoding="utf-8")
        if text == written:  # the usual case, and quicker than parsing both
            continue
        # Different text may still hold the same cells (metadata keys in another order, other JSON spacing).
        expected, actual = cells_view(read_script(text)), cells_view(read_script(written))
        if expected != actual:
            lines = cell_diff(expected, actual, max_lines=max_diff_lines).splitlines()
            hint = _which_side(notebook, script, root)
            lines += ([hint] if hint else []) + _fix(notebook, script)
            problems.append(f"{notebook} and its paired script {script} differ ('-' the notebook, '+' the script):\n"
                            + "\n".join("    " + line for line in lines))
    for path in scripts(root, units):
        script = path.relative_to(root)
        twin = paired_file(path, config)
        if twin is None:
            problems.append(f"{script} is no notebook's pair ({CONFIG_FILE} pairs source/U/U.ipynb with "
                            f"{PAIRED}/source/U/U.py and notebooks/N.ipynb with {PAIRED}/notebooks/N.py): "
                            "move or delete it")
        elif not twin.exists():
            notebook = twin.relative_to(root) if twin.is_relative_to(root) else twin
            problems.append(f"{script} has no notebook {notebook}: delete the script if the notebook was removed "
                            f"or renamed, or create the notebook with `{JUPYTEXT} --sync {script}`")
    return problems


def check_pairs(root=COURSE_ROOT, units=None):
    """Raise CourseError naming every notebook of `units` whose paired script is missing or differs."""
    problems = pair_problems(root, units)
    if problems:
        raise CourseError("notebooks and their paired scripts disagree; `autograder build` builds only from "
                          "pairs that agree, because it cannot know which side is right:\n  "
                          + "\n  ".join(problems))
