"""Where things are in the course directory, and how to run nbgrader on it."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

COURSE_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """A problem the user can fix; the command line prints it as one line."""


def source_units(root=COURSE_ROOT):
    """Units that have an assignment under source/, in course order."""
    if not (Path(root) / "source").is_dir():
        raise CourseError(f"no source/ folder in {root}: grading needs the instructor's version of "
                          "the assignments (students in a class use nbgrader's Validate button instead)")
    return sorted(p.name for p in (Path(root) / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def assignment_notebook(unit, folder="source", root=COURSE_ROOT):
    """The notebook of `unit` under `folder` (source or release)."""
    path = Path(root) / folder / unit / f"{unit}.ipynb"
    if not path.exists():
        raise CourseError(f"{path} does not exist")
    return path


def nbgrader_env():
    """The environment for nbgrader: this Python's bin/ first on PATH, because nbgrader runs alembic."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(course_dir, *args):
    """Run an nbgrader command in `course_dir`; raise CourseError with its log if it fails."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    result = subprocess.run(command, cwd=course_dir, env=nbgrader_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise CourseError(f"`nbgrader {' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
    return result


def generate_assignment(course_dir, assignment):
    """nbgrader's generate_assignment through its Python API (NbGraderAPI), in this process: the command would
    start Python and import nbgrader again (seconds; the work itself takes a fraction of one). Raises
    CourseError with nbgrader's log if it fails."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader
    bin_folder = str(Path(sys.executable).parent)
    if bin_folder not in os.environ.get("PATH", "").split(os.pathsep):  # nbgrader runs alembic for a new gradebook
        os.environ["PATH"] = nbgrader_env()["PATH"]
    config = PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config()
    config.CourseDirectory.root = str(Path(course_dir).resolve())
    result = NbGraderAPI(CourseDirectory(config=config), config=config).generate_assignment(assignment, force=True)
    if not result["success"]:
        raise CourseError(f"`nbgrader generate_assignment {assignment}` failed:\n{result.get('log', '')}"
                          f"{result.get('error', '')}")


def make_scratch_course(directory, units, root=COURSE_ROOT):
    """Copy the configuration and the source of `units` into `directory`, an empty course."""
    directory = Path(directory)
    shutil.copy(Path(root) / CONFIG_FILE, directory / CONFIG_FILE)
    for unit in units:
        shutil.copytree(Path(root) / "source" / unit, directory / "source" / unit,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return directory


def nbgrader_cells(nb):
    """The cells nbgrader knows about, by grade id."""
    from autograder.cells import by_grade_id
    return by_grade_id(nb)


def read_notebook(path):
    """Read a notebook, turning every way it can be broken into a one-line CourseError."""
    path = Path(path)
    if not path.exists():
        raise CourseError(f"no such file: {path}")
    if path.is_dir():
        raise CourseError(f"{path} is a folder, not a notebook")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 (nbformat raises JSON, Unicode and validation errors alike)
        reason = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        raise CourseError(f"{path} is not a readable Jupyter notebook ({reason})") from None
    return nb
