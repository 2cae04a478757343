"""`autograder grade ASSIGNMENT`: every submission, in parallel, sandboxed, into nbgrader's gradebook.

Each worker process grades one student at a time with nbgrader's own Autograde converter, in which
IsolatedExecute replaces Execute. A submission that cannot be graded (no notebook, not JSON, a
crash of nbgrader itself) gets zero in the gradebook through nbgrader's API and a status that says
why; the batch goes on. A worker that dies, runs too long or holds too much memory costs only the
submission it was grading. A second run skips submissions whose files and grading setup are unchanged.
A folder whose name cannot be a student id (a line break in it) is not handed to nbgrader: it gets
zero and a status that says to rename it.

nbgrader reads the submission from a private copy of the student's regular files, never from
submitted/ itself: no link is followed, no FIFO or device opened, and submitted/ stays as handed in.
"""
import collections
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import stat
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader.converters import Autograde

from autograder.cells import grade_id, is_graded, is_instructor_code, unchanged_since_release
from autograder.course import CourseError, generate_assignment, run_nbgrader
from autograder.deadlines import apply_due_date, describe_lateness
from autograder.printable import printable

GRADER_VERSION = "3"  # part of every digest: a new version regrades everything
STATE_FOLDER = ".autograder"
# What nbgrader submit and collect put next to every submission; not the student's files.
NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}
# What editors and operating systems leave beside a notebook: not worth a person's look.
EDITOR_LEFTOVERS = {".DS_Store", "Thumbs.db", "desktop.ini", ".~lock", "Icon\r"}
REFEREE_MEMORY_MB = 4096  # resident memory of one grading process (the referee), sandbox not counted
POLL_SECONDS = 0.25       # how often the supervisor looks at its workers' memory and deadlines
GRADING_ATTEMPTS = 2      # a submission whose grading process dies is graded once more, in a fresh one
# Code that touches the grading machinery instead of computing an answer: a person should look.
SUSPICIOUS = {
    r"\bget_ipython\b|\bInteractiveShell\b": "uses the IPython shell object (get_ipython)",
    r"ast_transformers|input_transformers|\brun_cell\b|\bshowtraceback\b|\bexcepthook\b": "changes how cells run or how errors show",
    r"\bsys\.modules\b|\bbuiltins\b|__builtins__|\bimportlib\b": "replaces modules or builtins",
    r"\bos\._exit\b|\bsys\.exit\b|\bquit\(|\bexit\(": "exits the kernel",
    r"NBGRADER|autograde|\bos\.environ\b|\bgetenv\b": "looks at the environment (may detect grading)",
    r"__eq__|__ne__|__bool__|__array_ufunc__|__array_function__": "defines comparison or NumPy hooks",
    r"\bsetattr\s*\(\s*(np|numpy|checks|rnncourse)\b|\b(np|numpy|checks)\.\w+\s*=[^=]": "patches NumPy or the course's checks",
    r"\bctypes\b|\bgc\.get_objects\b|\bsys\._getframe\b|\binspect\.stack\b|\bsignal\.": "reaches into the interpreter",
    r"\bsubprocess\b|\bos\.system\b|\bos\.fork\b|\bmultiprocessing\b|\bsocket\b": "starts processes or opens sockets",
    r"gradebook|nbgrader_config|\.\./|/source/|/submitted/|/release/": "looks for the course's files (gradebook, source, others' work)",
    r"\bsymlink\b|\bsymlink_to\b|\bhardlink_to\b|\bos\.link\b|\bmkfifo\b|\bmknod\b": "makes symbolic links or special files (FIFOs, devices)",
    r"\bmemfd_create\b|\bMFD_[A-Z]": "holds memory in memory files (memfd_create)",
    r"\bmount\b|\bumount\b|\bMS_REMOUNT\b|\bunshare\b|\bsetns\b|\bpivot_root\b": "mounts file systems or changes namespaces",
    r"\bautograder\b|_grading_agent": "tampers with the grader's agent (autograder.agent)",
}


@dataclass
class SubmissionResult:
    student: str
    status: str = "graded"          # graded | zero: <why> | error: <why>
    score: float = 0.0
    max_score: float = 0.0
    needs_manual_grade: bool = False
    problems: list = field(default_factory=list)   # what went wrong while it ran
    flags: list = field(default_factory=list)      # reasons to look at it by hand
    seconds: float = 0.0
    skipped: bool = False                           # unchanged since the last run
    late_penalty: float = 0.0                       # already taken off `score` (nbgrader's late-penalty plugin)
    seconds_late: float = 0.0


def regular_files(folder):
    """([relative paths of the regular files under `folder`], [relative paths of everything else]).

    Nothing is opened and no link followed: lstat tells a regular file from a link, a FIFO (whose
    open would block), a socket or a device.
    """
    files, others, pending = [], [], [Path(folder)]
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                relative = Path(entry.path).relative_to(folder)
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files.append(relative)
                else:
                    others.append(relative)
    return sorted(files), sorted(others)


def read_regular_file(path):
    """The bytes of `path`, which must still be a regular file when opened (never blocks, follows no link)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return file.read()


def _add_folder(digest, folder):
    files, others = regular_files(folder) if folder.is_dir() else ([], [])
    for relative in files:
        if ".ipynb_checkpoints" not in relative.parts:
            digest.update(str(relative).encode() + b"\0")
            digest.update(read_regular_file(folder / relative))
    digest.update("\0".join(map(str, others)).encode())  # a link or FIFO added or removed: regrade


def submission_digest(course, assignment, student):
    """A hash of the submitted files and of what grading depends on, for resuming."""
    digest = hashlib.sha256(GRADER_VERSION.encode())
    for folder in (course / "submitted" / student / assignment, course / "source" / assignment):
        _add_folder(digest, folder)
    digest.update((course / "nbgrader_config.py").read_bytes())
    digest.update(grading_code_digest(course_settings(course)["packages"]).encode())
    return digest.hexdigest()


def _generated_digest(course, assignment):
    digest = hashlib.sha256(GRADER_VERSION.encode())
    _add_folder(digest, course / "source" / assignment)
    digest.update((course / "nbgrader_config.py").read_bytes())
    return digest.hexdigest()


def _gradebook_cells(course, assignment):
    """nbgrader's checksums of the assignment's cells as the gradebook holds them; None if it has no such assignment."""
    from nbgrader.api import Gradebook, MissingEntry
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            return sorted(f"{notebook.name}/{cell.name}:{cell.checksum}"
                          for notebook in gradebook.find_assignment(assignment).notebooks
                          for cell in notebook.source_cells)
    except MissingEntry:
        return None


def generate_if_changed(course, assignment):
    """nbgrader generate_assignment, unless this function generated the assignment from the same source/ASSIGNMENT
    and nbgrader_config.py before and the gradebook still holds what it generated then (nothing regenerated it
    since). Generating takes seconds on one core before the first submission starts, and most runs grade a
    class against tests that did not change."""
    stamp = course / STATE_FOLDER / f"{assignment}.generated"
    digest = _generated_digest(course, assignment)
    try:
        previous = json.loads(stamp.read_text())
    except (OSError, ValueError):
        previous = {}
    if (previous.get("source") == digest and (course / "release" / assignment).is_dir()
            and previous.get("gradebook") == _gradebook_cells(course, assignment)):
        return
    stamp.unlink(missing_ok=True)
    generate_assignment(course, assignment)
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(json.dumps({"source": digest, "gradebook": _gradebook_cells(course, assignment)}))


def course_settings(course):
    """What the course's nbgrader_config.py says the grader needs to know about the course: the packages
    its tests import (IsolatedExecute.packages), the environment of its code (IsolatedExecute.kernel_env)
    and what a grading process imports as it starts (IsolatedExecute.preload)."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config().IsolatedExecute
    return {"packages": list(config.get("packages", [])), "kernel_env": dict(config.get("kernel_env", {})),
            "preload": list(config.get("preload", []))}


def grading_code_digest(packages=()):
    """A hash of the code a verdict depends on besides the course folder: the grader's own modules and
    `packages`, which the tests import (the course's helper package)."""
    from autograder.sandbox import package_folder, sandbox_packages
    digest = hashlib.sha256()
    for name in sandbox_packages(packages):
        folder = package_folder(name)
        for path in sorted(folder.rglob("*.py")):
            digest.update(f"{name}/{path.relative_to(folder)}".encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def instructor_code(course, assignment):
    """{grade id: its sources} of the instructor's locked code cells, release and source versions, stripped."""
    cells = {}
    for folder in ("release", "source"):
        path = course / folder / assignment / f"{assignment}.ipynb"
        if path.exists():
            for cell in nbformat.read(path, as_version=4).cells:
                if is_instructor_code(cell) and grade_id(cell):
                    cells.setdefault(grade_id(cell), set()).add(cell.source.strip())
    return cells


def suspicious_code(notebook, instructor=None):
    """Reasons to review a submission by hand, from the code the student wrote.

    Every code cell counts except the instructor's own cells word for word (`instructor`, from
    instructor_code): a cell's metadata cannot hide code, since a student can mark any cell as locked.
    """
    own = set().union(*instructor.values()) if instructor else set()
    code = "\n".join(cell.source for cell in notebook.cells
                     if cell.cell_type == "code" and cell.source.strip() not in own)
    return [reason for pattern, reason in SUSPICIOUS.items() if re.search(pattern, code)]


def changed_locked_cells(notebook, instructor, graded=()):
    """Reasons to look: instructor's locked code cells the student deleted, unlocked or edited, and
    graded cells (`graded`: their grade ids, free-text answers included) the student deleted.

    A cell is unedited if it reads as the instructor's release or source has it now, or as it was
    released to the student: nbgrader's checksum in the cell's metadata, taken when the assignment
    was generated, still matches (so a test fixed in source/ since then flags nobody). A student
    who forges that checksum gains nothing: locked cells are graded as the instructor wrote them.
    """
    submitted = {}
    for cell in notebook.cells:
        submitted.setdefault(grade_id(cell), cell)

    def unedited(name):
        cell = submitted[name]
        return cell.source.strip() in instructor[name] or unchanged_since_release(cell)

    missing = [name for name in dict.fromkeys([*instructor, *graded]) if name not in submitted]
    edited = [name for name in instructor if name in submitted and not unedited(name)]
    flags = []
    if missing:
        flags.append("deleted instructor cells or removed their nbgrader metadata (put back from source/ "
                     "and graded): " + ", ".join(missing))
    if edited:
        flags.append("edited locked cells (graded as the instructor wrote them): " + ", ".join(edited))
    return flags


def moved_cells(notebook, source):
    """A reason to look if the student moved the instructor's cells (of `source`) out of order: they
    are graded in the instructor's order (autograder.isolated.RestoreInstructorCells)."""
    from autograder.isolated import in_instructor_order
    order = [grade_id(cell) for cell in source.cells if grade_id(cell)]
    ids = [grade_id(cell) for cell in notebook.cells]
    if ids == [grade_id(cell) for cell in in_instructor_order(notebook.cells, order)]:
        return []
    return ["moved the instructor's cells out of their order (graded in the instructor's order)"]


def stage_submission(folder, staged):
    """Copy the student's regular files from `folder` to `staged`; return the names of what was left out.

    nbgrader copies the files of a submission with shutil.copy, which follows links and opens
    anything; it only ever sees this copy, and the student's folder is never changed.
    """
    staged.mkdir(parents=True)
    files, others = regular_files(folder) if folder.is_dir() else ([], [])
    for relative in files:
        (staged / relative).parent.mkdir(parents=True, exist_ok=True)
        (staged / relative).write_bytes(read_regular_file(folder / relative))
    return [str(relative) for relative in others]


def _check_submission(staged, assignment, left_out=()):
    """Problems with the staged files; returns (notebook or None, problems, flags)."""
    problems, flags = [], []
    expected = staged / f"{assignment}.ipynb"
    if left_out:
        flags.append("skipped files that are not regular files (links or special files): "
                     + ", ".join(left_out[:5]) + (", ..." if len(left_out) > 5 else ""))
    others = [p.name for p in staged.iterdir() if p.is_file() and p.name != expected.name
              and p.name not in NBGRADER_FILES | EDITOR_LEFTOVERS and not p.name.startswith("._")]
    if others:
        flags.append("extra files: " + ", ".join(sorted(others)[:5]))
    if expected.name in left_out:
        return None, [f"{expected.name} is not a regular file (a link or a special file)"], flags
    if not expected.exists():
        notebooks = [name for name in others if name.endswith(".ipynb")]
        hint = f" (found {', '.join(notebooks)}: renamed?)" if notebooks else ""
        return None, [f"no notebook {expected.name}{hint}"], flags
    try:
        notebook = nbformat.read(expected, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 (nbformat raises JSON, Unicode and validation errors alike)
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        return None, [f"the notebook is not a valid Jupyter notebook ({reason})"], flags
    if notebook.nbformat != 4:
        return None, [f"the notebook has nbformat {notebook.nbformat}, not 4"], flags
    return notebook, problems, flags


def unusable_student_id(name):
    """Why a folder of submitted/ cannot be graded under its name, or None.

    A line break, another control character or a format character (a right-to-left override) in a
    student id: nbgrader cannot handle the line break (its paths are parsed with regular
    expressions whose `.` stops at one, so grading fails with an error quoting the name's second
    line); and a student id from an LMS (autograder/lms.py) or a JupyterHub user name holds none of them.
    """
    bad = sorted({character for character in name
                  if unicodedata.category(character)[0] == "C" or unicodedata.category(character) in ("Zl", "Zp")})
    if not bad:
        return None
    described = ("a line break" if c in "\n\r\v\f\x85\u2028\u2029" else f"the character U+{ord(c):04X}" for c in bad)
    return "it holds " + ", ".join(dict.fromkeys(described))


def _grade_with_nbgrader(course, assignment, student, options, submitted_directory):
    """Run nbgrader's Autograde converter for one student, with the isolated execute step.

    `submitted_directory` replaces the course's submitted/ (the staged copy): nbgrader's
    CourseDirectory.format_path joins it to the root, and an absolute path stays itself.
    """
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.isolated import use_referee

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    use_referee(config)  # whatever the course's configuration says: instructors grade with the referee
    config.merge(Config({
        "CourseDirectory": {"root": str(course), "student_id": student, "assignment_id": assignment,
                            "submitted_directory": str(submitted_directory)},
        "Autograde": {"create_student": True},
        "BaseConverter": {"force": True},
        "IsolatedExecute": {"timeout": config.Execute.get("timeout", 120), **options},
    }))
    coursedir = CourseDirectory(config=config)
    converter = _AutogradeOne(coursedir=coursedir, config=config)
    try:
        converter.start()
    except Exception as error:  # noqa: BLE001 (nbgrader's own message only says "see the above traceback")
        failure = converter.failure or error
        described = f"{type(failure).__name__}: {' '.join(str(failure).split())[:300]}"
        if _refused_by_nbgrader(failure):
            raise SubmissionRefused("nbgrader could not grade the notebook (were nbgrader cells or their metadata "
                                    f"changed?): {described}") from None
        raise NotGraded(described) from None


class _AutogradeOne(Autograde):
    """nbgrader's Autograde, keeping the exception that stopped a notebook as data (nbgrader logs its
    traceback and raises a generic "see the above traceback")."""
    failure = None

    def convert_single_notebook(self, notebook_filename):
        try:
            super().convert_single_notebook(notebook_filename)
        except Exception as error:
            self.failure = error
            raise


def _refused_by_nbgrader(error):
    """Whether nbgrader refused the submitted notebook (its cells or their metadata), rather than the grader
    failing: nbgrader's own exceptions for a notebook (ValidationError, MissingEntry, ...), or any exception
    raised in nbgrader's code while it read the notebook (a KeyError for a cell without a grade id, a
    RuntimeError for inconsistent checksums). An exception raised in the grader's own code is the grader's."""
    import traceback

    import nbgrader
    from nbgrader.api import InvalidEntry, MissingEntry
    from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError, ValidationError
    if isinstance(error, (ValidationError, SchemaTooOldError, SchemaTooNewError, MissingEntry, InvalidEntry)):
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(Path(nbgrader.__file__).parent)


def _scores(course, assignment, student):
    """(score after the late penalty, max score, needs a person, late penalty, seconds late) from the gradebook,
    the numbers nbgrader's export and the formgrader's total show."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        penalty = float(submission.late_submission_penalty or 0)
        return (max(0.0, float(submission.score) - penalty), float(submission.max_score),
                bool(submission.needs_manual_grade), penalty, float(submission.total_seconds_late or 0))


def _zero_in_gradebook(course, assignment, student):
    """Give every graded cell of the student's submission zero, through nbgrader's API."""
    import warnings

    from nbgrader.api import Gradebook
    warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy noise from nbgrader's API
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                # A score a person entered (a free-text answer, an adjustment) stays, and so does the
                # need for one; only what the autograder gives becomes zero.
                grade.auto_score = 0
                if grade.manual_score is None:
                    grade.needs_manual_grade = False
        gradebook.db.commit()


class NotGraded(Exception):
    """The grader, not the student, failed: nothing goes into the gradebook and the next run tries again."""


class SubmissionRefused(Exception):
    """nbgrader refused the student's notebook (its cells or their metadata changed): zero, and why."""


def _flag_in_gradebook(course, assignment, student):
    """Set the formgrader's own "flagged" marker on the student's notebooks: a person should look.
    A marker set before (by the grader or a person) is never cleared here."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for notebook in gradebook.find_submission(assignment, student).notebooks:
            notebook.flagged = True
        gradebook.db.commit()


def use_course_environment(course, options):
    """The course's environment in this process, where the tests run (TensorFlow quiet, say), before they
    import anything."""
    for name, value in course_settings(course)["kernel_env"].items():
        os.environ.setdefault(name, str(value).format(threads=options.get("threads", 1)))


def warm_up(course, options):
    """Import what grading needs (nbgrader, the referee, the course's IsolatedExecute.preload): a worker does it
    as it starts, while the assignment is generated, instead of during its first submission."""
    import importlib

    import autograder.isolated  # noqa: F401 (nbgrader's converters come with it)
    use_course_environment(course, options)
    for name in course_settings(course)["preload"]:
        importlib.import_module(name)


def grade_one(course, assignment, student, options):
    """Grade one student's submission (in a worker process); never raises."""
    course = Path(course).resolve()
    result = SubmissionResult(student)
    started = time.monotonic()
    use_course_environment(course, options)
    with tempfile.TemporaryDirectory(prefix="rnn-submitted-") as staging:
        try:
            _grade_staged(course, assignment, student, options, Path(staging), result)
        except (SubmissionRefused, CourseError) as error:  # the submission's fault: zero, and say why
            result.status = "error: " + _last_line(error)
            try:
                _zero_in_gradebook(course, assignment, student)
                result.score, result.max_score, _, result.late_penalty, result.seconds_late = _scores(
                    course, assignment, student)
            except Exception as second:  # noqa: BLE001 (said in the report; the batch goes on)
                result.problems.append(f"could not record a zero either: {second}")
        except Exception as error:  # noqa: BLE001 (the grader's fault: the gradebook keeps what it had)
            result.status = "not graded: " + _last_line(error)
            result.flags.append("the grader failed on this submission; it is graded again on the next run")
    if result.problems and result.status == "graded":
        result.status = "graded, with problems"
    if result.flags and not result.status.startswith("not graded"):
        try:
            _flag_in_gradebook(course, assignment, student)
        except Exception as error:  # noqa: BLE001 (said in the report; the batch goes on)
            result.problems.append(f"could not flag it in the gradebook: {error}")
    result.seconds = time.monotonic() - started
    return result


def _last_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[-1][:300]


def _grade_staged(course, assignment, student, options, staging, result):
    from autograder.isolated import read_report
    left_out = stage_submission(course / "submitted" / student / assignment, staging / student / assignment)
    notebook, problems, flags = _check_submission(staging / student / assignment, assignment, left_out)
    result.problems += problems
    result.flags += flags
    if notebook is None:
        _zero_in_gradebook(course, assignment, student)
        result.status = "zero: " + problems[0]
    else:
        why = unusable_student_id(student)
        if why is not None:  # nbgrader would fail with an error quoting the name (its second line, say)
            result.flags.append("the folder name is not usable as a student id: rename the folder")
            raise CourseError(f"not graded: the folder name is not usable as a student id ({why}); "
                              "rename the folder under submitted/ and grade again")
        instructor = instructor_code(course, assignment)
        source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        graded = [grade_id(cell) for cell in source.cells if is_graded(cell)]
        result.flags += changed_locked_cells(notebook, instructor, graded) + moved_cells(notebook, source)
        result.flags += suspicious_code(notebook, instructor)
        _grade_with_nbgrader(course, assignment, student, options, staging)
        graded = nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)
        report = read_report(graded)
        if report is not None:
            result.problems += report.problems
    (result.score, result.max_score, result.needs_manual_grade, result.late_penalty,
     result.seconds_late) = _scores(course, assignment, student)


def wait_for_gradebook():
    """Make every SQLite connection of this process wait up to a minute for the gradebook's lock.

    Workers write their students' grades into one gradebook.db; nbgrader opens it with SQLite's
    default wait of 5 s, after which a write fails with "database is locked". Waiting longer
    retries only the write (in SQLite), not the student's whole notebook.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    if not event.contains(Engine, "connect", _busy_timeout):
        event.listen(Engine, "connect", _busy_timeout)


def _busy_timeout(connection, _record):
    if type(connection).__module__.startswith("sqlite3"):
        connection.execute("PRAGMA busy_timeout = 60000")


def _worker_init(path_entry):
    wait_for_gradebook()
    import warnings
    warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy noise from nbgrader's API
    os.environ["PATH"] = path_entry
    os.environ.setdefault("MPLBACKEND", "agg")


def _worker_main(connection, path_entry, warm=None):
    """A grading process: grade the submissions the supervisor sends, one at a time, until told to stop."""
    _worker_init(path_entry)
    if warm is not None:
        try:
            warm_up(*warm)
        except Exception:  # noqa: BLE001 (a failed import fails again, with its message, in the submission's grading)
            pass
    while True:
        try:
            task = connection.recv()
        except EOFError:  # the supervisor is gone
            return
        if task is None:
            return
        connection.send(asdict(grade_one(*task)))


class _Worker:
    """One long-lived grading process, and the submission it is grading (student None when idle)."""

    def __init__(self, context, path_entry, warm=None):
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_end, path_entry, warm),
                                       name="autograder-worker")
        self.process.start()
        child_end.close()
        self.student, self.started, self.deadline = None, 0.0, 0.0

    def give(self, task, student, timeout):
        self.connection.send(task)
        self.student, self.started = student, time.monotonic()
        self.deadline = self.started + timeout

    def resident_mb(self):
        """The worker's own resident memory: the referee's data (the sandbox's processes are its children)."""
        import psutil
        try:
            return psutil.Process(self.process.pid).memory_info().rss / 2**20
        except psutil.Error:
            return 0.0

    def kill(self):
        """Kill the worker and everything it started (the sandbox's bwrap dies with it anyway)."""
        import psutil
        try:
            processes = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            processes = []
        for process in [*processes, self.process]:
            try:
                process.kill()
            except (psutil.Error, OSError):
                pass
        self.process.join(10)
        self.connection.close()

    def stop(self):
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.kill()

    def death(self):
        """Why the worker is gone, from its exit code."""
        code = self.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            hint = " (perhaps the system ran out of memory)" if name == "SIGKILL" else ""
            return f"killed by {name}{hint}"
        return f"exited with code {code}"


class Supervisor:
    """Grades submissions in long-lived worker processes; one that dies costs only its own submission.

    Not a ProcessPoolExecutor: when one of its workers dies (the OOM killer, a crash), the whole pool
    is broken and every pending submission fails with it. Here a dead, stuck or bloated worker is
    replaced: its submission is graded once more in a fresh worker, and if that one dies too it
    gets a zero and a status that says so, while the other workers go on.
    """

    def __init__(self, jobs, submission_timeout, memory_mb, task, on_result, on_lost, warm=None):
        self.jobs, self.timeout, self.memory_mb = jobs, submission_timeout, memory_mb
        self.task, self.on_result, self.on_lost = task, on_result, on_lost
        self.context = multiprocessing.get_context("spawn")
        self.workers, self.failures = [], collections.defaultdict(list)
        self.warm = warm  # warm_up's arguments, for every worker as it starts

    def start(self, count):
        """Start `count` workers now (they warm up while the caller prepares), up to `jobs`."""
        while len(self.workers) < min(count, self.jobs):
            self.workers.append(_Worker(self.context, os.environ["PATH"], self.warm))

    def run(self, students):
        queue = collections.deque(students)
        try:
            while queue or any(worker.student for worker in self.workers):
                self.workers = [w for w in self.workers if w.student or w.process.is_alive()]  # idle and dead: replaced
                while queue and len(self.workers) < self.jobs:
                    self.workers.append(_Worker(self.context, os.environ["PATH"], self.warm))
                for worker in self.workers:
                    if worker.student is None and queue:
                        student = queue.popleft()
                        worker.give(self.task(student), student, self.timeout)
                busy = [worker for worker in self.workers if worker.student]
                multiprocessing.connection.wait([w.connection for w in busy] + [w.process.sentinel for w in busy],
                                                timeout=POLL_SECONDS)
                for worker in busy:
                    self._check(worker, queue)
        finally:
            self.stop()

    def stop(self):
        for worker in self.workers:
            if worker.student is None:
                worker.stop()
            else:  # interrupted (Ctrl-C) while grading
                worker.kill()
        self.workers = []

    def _check(self, worker, queue):
        if worker.connection.poll():
            try:
                result = SubmissionResult(**worker.connection.recv())
            except (EOFError, OSError):
                return self._lost(worker, worker.death(), queue)
            worker.student = None
            return self.on_result(result)
        if not worker.process.is_alive():
            return self._lost(worker, worker.death(), queue)
        if time.monotonic() > worker.deadline:
            return self._lost(worker, f"it ran longer than the per-submission limit of {self.timeout:.0f} s "
                                      "and was killed", queue, retry=False)
        if worker.resident_mb() > self.memory_mb:
            return self._lost(worker, f"it used more than the grader's memory limit of {self.memory_mb} MB "
                                      "and was killed", queue)
        return None

    def _lost(self, worker, why, queue, retry=True):
        student, seconds = worker.student, time.monotonic() - worker.started
        worker.kill()
        self.workers.remove(worker)  # the next round starts a replacement
        self.failures[student].append(why)
        if retry and len(self.failures[student]) < GRADING_ATTEMPTS:
            queue.appendleft(student)
        else:
            self.on_lost(student, self.failures[student], seconds)


def _lost_result(course, assignment, student, reasons, seconds):
    """The result of a submission whose grading process died: zero in the gradebook, and a person should look."""
    result = SubmissionResult(student, seconds=seconds)
    attempts = f" ({len(reasons)} attempts)" if len(reasons) > 1 else ""
    result.status = f"error: the grading process died: {reasons[-1]}{attempts}"
    result.problems = [f"grading attempt {i}: the grading process died: {why}" for i, why in enumerate(reasons, 1)]
    result.flags.append("the grading process died while grading this submission: look at it by hand")
    try:
        _zero_in_gradebook(course, assignment, student)
        result.score, result.max_score, _, result.late_penalty, result.seconds_late = _scores(
                    course, assignment, student)
        _flag_in_gradebook(course, assignment, student)
    except Exception as error:  # noqa: BLE001 (said in the report; the batch goes on)
        result.problems.append(f"could not record a zero: {error}")
    return result


def _load_state(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def default_submission_timeout(options):
    """Seconds one submission may take in all: twice the notebook's limit (sandbox and referee), plus setup."""
    from autograder.sandbox import Limits
    return (options or {}).get("notebook_timeout", Limits.wall_seconds) * 2 + 120


def grade_assignment(course, assignment, jobs=None, force=False, options=None, progress=print,
                     submission_timeout=None, referee_memory_mb=REFEREE_MEMORY_MB):
    """Grade every submission of `assignment` under submitted/; return [SubmissionResult]."""
    course, options = Path(course).resolve(), dict(options or {})
    if not (course / "source" / assignment).is_dir():
        raise CourseError(f"no assignment {assignment!r} under {course / 'source'}")
    students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())
    if not students:
        raise CourseError(f"no submissions of {assignment} under {course / 'submitted'} "
                          f"(collect them with `nbgrader collect {assignment}` or pass --zip)")
    if options.get("sandbox", True):
        from autograder.sandbox import NOBODY, sandbox_problem
        problem = sandbox_problem(options.get("sandbox_uid", NOBODY), course_settings(course)["packages"])
        if problem:  # before anything is graded or written: every submission would fail alike
            raise CourseError(f"cannot grade: {problem}")
    wait_for_gradebook()
    state_path = course / STATE_FOLDER / f"{assignment}.json"
    state = {} if force else _load_state(state_path)
    digests = {student: submission_digest(course, assignment, student) for student in students}
    results, todo = [], []
    for student in students:
        previous = state.get(student)
        if previous and previous.get("digest") == digests[student]:
            results.append(SubmissionResult(**{**previous["result"], "skipped": True}))
        else:
            todo.append(student)
    if results:
        progress(f"{len(results)} submission(s) unchanged since the last run: kept their grades (--force regrades)")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    options = {"threads": max(1, (os.cpu_count() or 1) // jobs), **options}
    timeout = submission_timeout or default_submission_timeout(options)
    def finished(result):
        results.append(result)
        progress(f"[{len(results) - (len(students) - len(todo))}/{len(todo)}] {printable(result.student)}: "
                 f"{result.score:g}/{result.max_score:g} {printable(result.status)} ({result.seconds:.0f} s)")
        if not result.status.startswith(("error: the grading process died", "not graded")):
            # (a death may come from the machine, e.g. another program's memory: the next run tries again)
            state[result.student] = {"digest": digests[result.student], "result": asdict(result)}
            state_path.parent.mkdir(exist_ok=True)
            state_path.write_text(json.dumps(state, indent=1))

    supervisor = Supervisor(jobs, timeout, referee_memory_mb,
                            task=lambda student: (str(course), assignment, student, options),
                            on_result=finished,
                            on_lost=lambda student, reasons, seconds: finished(
                                _lost_result(course, assignment, student, reasons, seconds)),
                            warm=(str(course), options))
    try:
        supervisor.start(len(todo))  # the workers import their libraries while nbgrader generates the assignment
        generate_if_changed(course, assignment)
        due = apply_due_date(course, assignment)
        if due:
            progress(f"due date of {assignment}: {due} (nbgrader_config.py, c.DueDates.dates)")
        progress(f"grading {len(todo)} submission(s) of {assignment} with {jobs} worker(s)")
        supervisor.run(todo)
    finally:
        supervisor.stop()
    results.sort(key=lambda r: r.student)
    return results


def import_zip(course, assignment, zip_path, progress=print):
    """Unpack an LMS download into submitted/ with nbgrader's zip_collect and autograder/lms.py's collector;
    report who handed in which file, which files were replaced by later ones, which matched nobody, and who on
    the roster has no submission. Earlier downloads of the unit stay: the latest file of each student wins."""
    import shutil

    from autograder.lms import describe, plan_for_course
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise CourseError(f"no such file: {zip_path}")
    archive = course / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copy(zip_path, archive / zip_path.name)  # its time there is the download's order (a copy is "now")
    result = run_nbgrader(course, "zip_collect", assignment, "--force")
    plan = plan_for_course(course, assignment)
    students = {student for student, _ in plan.taken}
    progress(f"imported {printable(zip_path.name)} with nbgrader zip_collect: {len(students)} student(s) under "
             f"submitted/, {len(plan.missing)} on the roster without a submission, "
             f"{len(plan.unmatched)} file(s) matched to nobody")
    for line in describe(plan, course / "downloaded" / assignment / "extracted"):
        progress(line)
    return result


def export_grades(course, path):
    """grades.csv in nbgrader's own export format."""
    run_nbgrader(course, "export", "--to", str(path), "--log-level=ERROR")
    return path


def format_report(results):
    """The table of results; every text a student could choose (ids, file names in flags) is printable()."""
    rows = [("student", "score", "status", "for review")]
    for r in results:
        score = f"{r.score:g}/{r.max_score:g}" + (" + by hand" if r.needs_manual_grade else "")
        if r.seconds_late:
            score += f" ({describe_lateness(r.seconds_late)} late, penalty {r.late_penalty:g})"
        rows.append((printable(r.student), score, printable(r.status + (" (unchanged)" if r.skipped else "")),
                     printable("; ".join(r.flags))))
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    problems = [f"  {printable(r.student)}: {printable(p)}" for r in results for p in r.problems]
    return "\n".join(lines + (["", "problems while running:"] + problems if problems else []))
