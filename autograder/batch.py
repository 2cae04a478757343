"""`autograder grade ASSIGNMENT`: every submission, in parallel, sandboxed, into nbgrader's gradebook.

Each worker process grades one student at a time with nbgrader's own Autograde converter, in which
IsolatedExecute replaces Execute. A submission that cannot be graded (no notebook, not JSON, a
crash of nbgrader itself) gets zero in the gradebook through nbgrader's API and a status that says
why; the batch goes on. A second run skips submissions whose files and grading setup are unchanged.
"""
import concurrent.futures
import hashlib
import json
import logging
import multiprocessing
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from autograder.course import CourseError, run_nbgrader

GRADER_VERSION = "2"  # part of every digest: a new version regrades everything
STATE_FOLDER = ".autograder"
# What nbgrader submit and collect put next to every submission; not the student's files.
NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}
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
    r"_grading_agent": "tampers with the grader's agent (_grading_agent)",
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


def submission_digest(course, assignment, student):
    """A hash of the submitted files and of what grading depends on, for resuming."""
    digest = hashlib.sha256(GRADER_VERSION.encode())
    for folder in (course / "submitted" / student / assignment, course / "source" / assignment):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and ".ipynb_checkpoints" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    digest.update((course / "nbgrader_config.py").read_bytes())
    return digest.hexdigest()


def instructor_code(course, assignment):
    """{grade id: its sources} of the instructor's locked code cells, release and source versions, stripped."""
    cells = {}
    for folder in ("release", "source"):
        path = course / folder / assignment / f"{assignment}.ipynb"
        if path.exists():
            for cell in nbformat.read(path, as_version=4).cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "code" and meta.get("locked") and not meta.get("solution"):
                    cells.setdefault(meta["grade_id"], set()).add(cell.source.strip())
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


def changed_locked_cells(notebook, instructor):
    """Reasons to look: instructor's locked code cells the student deleted, unlocked or edited."""
    submitted = {}
    for cell in notebook.cells:
        submitted.setdefault(cell.metadata.get("nbgrader", {}).get("grade_id"), cell)
    missing = [grade_id for grade_id in instructor if grade_id not in submitted]
    edited = [grade_id for grade_id in instructor
              if grade_id in submitted and submitted[grade_id].source.strip() not in instructor[grade_id]]
    flags = []
    if missing:
        flags.append("deleted instructor cells or removed their nbgrader metadata (a missing test cell "
                     "earns nothing): " + ", ".join(missing))
    if edited:
        flags.append("edited locked cells (graded as the instructor wrote them): " + ", ".join(edited))
    return flags


def _check_submission(folder, assignment):
    """Problems with the files themselves; returns (notebook or None, problems, flags)."""
    problems, flags = [], []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            path.unlink()  # a link could point the sandbox's copy at files outside it
            flags.append(f"contained a symbolic link {path.name}, removed before grading")
    expected = folder / f"{assignment}.ipynb"
    others = [p.name for p in folder.iterdir()
              if p.is_file() and p.name != expected.name and p.name not in NBGRADER_FILES]
    if others:
        flags.append("extra files: " + ", ".join(sorted(others)[:5]))
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


def _grade_with_nbgrader(course, assignment, student, options):
    """Run nbgrader's Autograde converter for one student, with the isolated execute step."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import DeduplicateIds, Execute
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.isolated import IsolatedExecute, RemoveDuplicateIds

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.merge(Config({
        "CourseDirectory": {"root": str(course), "student_id": student, "assignment_id": assignment},
        "Autograde": {"create_student": True, "autograde_preprocessors": [
            IsolatedExecute if pp is Execute else pp
            for pp in Autograde.class_traits()["autograde_preprocessors"].default()],
            "sanitize_preprocessors": [
            RemoveDuplicateIds if pp is DeduplicateIds else pp
            for pp in Autograde.class_traits()["sanitize_preprocessors"].default()]},
        "BaseConverter": {"force": True},
        "IsolatedExecute": {"timeout": config.Execute.get("timeout", 120), **options},
    }))
    coursedir = CourseDirectory(config=config)
    converter = Autograde(coursedir=coursedir, config=config)
    log = _NbgraderLog()
    converter.log.addHandler(log)
    try:
        converter.start()
    except Exception as error:  # noqa: BLE001 (nbgrader's own message only says "see the above traceback")
        raise RuntimeError(log.explain() or str(error)) from None
    finally:
        converter.log.removeHandler(log)


class _NbgraderLog(logging.Handler):
    """nbgrader's warnings and errors while it grades one student, to say why it gave up."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def explain(self):
        """One line: the exception nbgrader hit, and the changes it noticed in the notebook's metadata."""
        errors = [_exception_line(m) for m in self.messages if m.startswith("Traceback")]
        errors += [" ".join(m.split()) for m in self.messages if "metadata format" in m]
        # Changed checksums are normal: every test cell differs from the release by its hidden tests.
        changes = [m.strip() for m in self.messages if ("has changed" in m and "'checksum'" not in m)
                   or "exists multiple times" in m or "does not exist in the database" in m]
        if not errors:
            return ""
        hint = " (were nbgrader cells or their metadata changed?)" if changes or re.search(
            "metadata|checksum", errors[-1]) else ""
        return f"nbgrader could not grade the notebook{hint}: " + "; ".join(dict.fromkeys(errors[-1:] + changes))


def _exception_line(traceback_text):
    """'SomeError: message' of a logged traceback: the first line after its last frames."""
    lines = traceback_text.strip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("Traceback"))
    return next((line for line in lines[start + 1:] if line and not line[0].isspace()), lines[-1])


def _scores(course, assignment, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return float(submission.score), float(submission.max_score), bool(submission.needs_manual_grade)


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
                grade.auto_score, grade.manual_score, grade.needs_manual_grade = 0, None, False
        gradebook.db.commit()


def grade_one(course, assignment, student, options):
    """Grade one student's submission (in a worker process); never raises."""
    from autograder.isolated import REPORTS
    course, started = Path(course).resolve(), time.monotonic()
    result = SubmissionResult(student)
    folder = course / "submitted" / student / assignment
    try:
        notebook, problems, flags = _check_submission(folder, assignment)
        result.problems += problems
        result.flags += flags
        if notebook is None:
            _zero_in_gradebook(course, assignment, student)
            result.status = "zero: " + problems[0]
        else:
            instructor = instructor_code(course, assignment)
            result.flags += changed_locked_cells(notebook, instructor) + suspicious_code(notebook, instructor)
            for attempt in range(3):  # two workers may meet on the gradebook's lock
                try:
                    _grade_with_nbgrader(course, assignment, student, options)
                    break
                except Exception as error:
                    if "database is locked" not in str(error) or attempt == 2:
                        raise
                    time.sleep(1 + attempt)
            report = REPORTS.pop(str((course / "autograded" / student / assignment).resolve()), None)
            if report is not None:
                result.problems += report.problems
        result.score, result.max_score, result.needs_manual_grade = _scores(course, assignment, student)
    except Exception as error:  # noqa: BLE001 (nbgrader refused it, e.g. broken metadata: zero, and say why)
        result.status = "error: " + (str(error).strip().splitlines() or [type(error).__name__])[-1][:300]
        try:
            _zero_in_gradebook(course, assignment, student)
            result.score, result.max_score, _ = _scores(course, assignment, student)
        except Exception as second:  # noqa: BLE001 (said in the report; the batch goes on)
            result.problems.append(f"could not record a zero either: {second}")
    if result.problems and result.status == "graded":
        result.status = "graded, with problems"
    result.seconds = time.monotonic() - started
    return result


def _worker_init(path_entry):
    import warnings
    warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy noise from nbgrader's API
    os.environ["PATH"] = path_entry
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MPLBACKEND", "agg")
    import rnncourse  # noqa: F401  (quiets TensorFlow before any test imports it)


def _load_state(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def grade_assignment(course, assignment, jobs=None, force=False, options=None, progress=print):
    """Grade every submission of `assignment` under submitted/; return [SubmissionResult]."""
    course = Path(course).resolve()
    if not (course / "source" / assignment).is_dir():
        raise CourseError(f"no assignment {assignment!r} under {course / 'source'}")
    students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())
    if not students:
        raise CourseError(f"no submissions of {assignment} under {course / 'submitted'} "
                          f"(collect them with `nbgrader collect {assignment}` or pass --zip)")
    run_nbgrader(course, "generate_assignment", assignment, "--force", "--log-level=ERROR")
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
    options = {"threads": max(1, (os.cpu_count() or 1) // jobs), **(options or {})}
    progress(f"grading {len(todo)} submission(s) of {assignment} with {jobs} worker(s)")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init,
                                                initargs=(os.environ["PATH"],)) as pool:
        futures = {pool.submit(grade_one, str(course), assignment, student, options): student for student in todo}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            result = future.result()
            results.append(result)
            progress(f"[{done}/{len(todo)}] {result.student}: {result.score:g}/{result.max_score:g} "
                     f"{result.status} ({result.seconds:.0f} s)")
            state[result.student] = {"digest": digests[result.student], "result": asdict(result)}
            state_path.parent.mkdir(exist_ok=True)
            state_path.write_text(json.dumps(state, indent=1))
    results.sort(key=lambda r: r.student)
    return results


def import_zip(course, assignment, zip_path, progress=print):
    """Unpack an LMS download into submitted/ with nbgrader's zip_collect."""
    import shutil
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise CourseError(f"no such file: {zip_path}")
    archive = course / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copy(zip_path, archive / zip_path.name)
    result = run_nbgrader(course, "zip_collect", assignment, "--force")
    collected = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}"))
    progress(f"imported {zip_path.name} with nbgrader zip_collect: {len(collected)} student(s) under submitted/")
    return result


def export_grades(course, path):
    """grades.csv in nbgrader's own export format."""
    run_nbgrader(course, "export", "--to", str(path), "--log-level=ERROR")
    return path


def format_report(results):
    rows = [("student", "score", "status", "for review")]
    for r in results:
        score = f"{r.score:g}/{r.max_score:g}" + (" + by hand" if r.needs_manual_grade else "")
        rows.append((r.student, score, r.status + (" (unchanged)" if r.skipped else ""), "; ".join(r.flags)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    problems = [f"  {r.student}: {p}" for r in results for p in r.problems]
    return "\n".join(lines + (["", "problems while running:"] + problems if problems else []))
