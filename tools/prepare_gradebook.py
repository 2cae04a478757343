"""Put every unit of source/ with its points into the course's gradebook.db; release/ stays as committed.

nbgrader's formgrader lists the units it finds in source/, but it takes their points (and notebooks)
from gradebook.db, which only `nbgrader generate_assignment` fills. On a fresh clone there is no
gradebook, so an instructor would see every unit worth "0 / 0". Running generate_assignment in the
course root would also rewrite release/, so this runs it on a scratch copy of source/ whose database
is the course's gradebook.db. `make start` calls it whenever a notebook in source/ changed.

Usage: python tools/prepare_gradebook.py [COURSE_ROOT]
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.course import CONFIG_FILE, make_scratch_course, source_units

GRADEBOOK = "gradebook.db"


def generate_into(scratch, database, units):
    """Run generate_assignment for `units` of the scratch course, recording them in `database`."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader runs alembic to create the database: this Python's bin/ must be on PATH.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    config = PyFileConfigLoader(CONFIG_FILE, path=str(scratch)).load_config()
    config.CourseDirectory.root = str(scratch)
    config.CourseDirectory.db_url = f"sqlite:///{database}"
    api = NbGraderAPI(config=config)
    for unit in units:
        result = api.generate_assignment(unit, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"generate_assignment {unit} failed:\n{result.get('log', '')}{result.get('error', '')}")


def prepare(root):
    """Create or update `root`/gradebook.db with every unit of `root`/source; return the units."""
    root = Path(root).resolve()
    units = source_units(root) if (root / "source").is_dir() else []
    if not units:
        return units
    target = root / GRADEBOOK
    with tempfile.TemporaryDirectory(prefix="rnn-course-gradebook-") as scratch:
        scratch = make_scratch_course(scratch, units, root=root)
        if target.exists():
            # An instructor's gradebook holds students and grades: update it in place.
            generate_into(scratch, target, units)
        else:
            # A new gradebook appears whole or not at all, even when two `make start` race.
            generate_into(scratch, scratch / GRADEBOOK, units)
            partial = root / f"{GRADEBOOK}.{os.getpid()}.tmp"
            shutil.copy(scratch / GRADEBOOK, partial)
            partial.chmod(0o600)  # it will hold students and grades: closed to other accounts from the start
            os.replace(partial, target)
    return units


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    try:
        units = prepare(root)
    except Exception as error:  # noqa: BLE001 (make start goes on: JupyterLab works without the points)
        print(f"warning: could not prepare {GRADEBOOK} for the formgrader: {error}", file=sys.stderr)
        return 1
    print(f"{GRADEBOOK}: {len(units)} units ready for the formgrader")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
