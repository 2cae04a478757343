"""`autograder grade ASSIGNMENT`: every submission, in parallel, sandboxed, into nbgrader's gradebook.

Each worker process grades one student at a time with nbgrader's own Autograde converter, in which
IsolatedExecute replaces Execute. A submission that cannot be graded (no notebook, not JSON, a
crash of nbgrader itself) gets zero in the gradebook through nbgrader's API and a status that says
why; the batch goes on. A second run skips submissions whose files and grading setup are unchanged.
"""
import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from autograder.course import CourseError, run_nbgrader

GRADER_VERSION = "1"
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


def suspicious_code(notebook):
    """Reasons to review a submission by hand, from the code the student wrote."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code"
                     and not (cell.metadata.get("nbgrader", {}).get("locked")
                              and not cell.metadata.get("nbgrader", {}).get("solution")))
    return [reason for pattern, reason in SUSPICIOUS.items() if re.search(pattern, code)]


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
    except Exception as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        return None, [f"the notebook is not a valid Jupyter notebook ({reason})"], flags
    if notebook.nbformat != 4:
        return None, [f"the notebook has nbformat {notebook.nbformat}, not 4"], flags
    return notebook, problems, flags


def _grade_with_nbgrader(course, assignment, student, options):
    """Run nbgrader's Autograde converter for one student, with the isolated execute step."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.isolated import IsolatedExecute

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.merge(Config({
        "CourseDirectory": {"root": str(course), "student_id": student, "assignment_id": assignment},
        "Autograde": {"create_student": True, "autograde_preprocessors": [
            IsolatedExecute if pp is Execute else pp
            for pp in Autograde.class_traits()["autograde_preprocessors"].default()]},
        "BaseConverter": {"force": True},
        "IsolatedExecute": {"timeout": config.Execute.get("timeout", 120), **options},
    }))
    coursedir = CourseDirectory(config=config)
    Autograde(coursedir=coursedir, config=config).start()


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
    course, started = Path(course), time.monotonic()
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
            result.flags += suspicious_code(notebook)
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
    except Exception as error:  # nbgrader refused it (e.g. broken metadata): zero, and say why
        result.status = "error: " + (str(error).strip().splitlines() or [type(error).__name__])[-1][:300]
        try:
            _zero_in_gradebook(course, assignment, student)
            result.score, result.max_score, _ = _scores(course, assignment, student)
        except Exception as second:
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
