"""`autograder grade` against a student who has read the grader: a batch that one submission cannot
stop, submitted files that reach nbgrader only as regular files, one output budget, no leak of the
hidden tests' inputs into feedback, no forged student id from an LMS download, no forged report line.

The fast tests feed the pieces directly (nbclient messages, a notebook, nbgrader's zip_collect on a
scratch course); one slow test grades a small class of unit 02 in the sandbox with two workers.
"""
import io
import json
import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.batch import SubmissionResult, format_report, grade_assignment
from autograder.course import COURSE_ROOT, CourseError, make_scratch_course, nbgrader_cells, run_nbgrader
from shared_run import once
from test_batch_grading import FULL, MAX_SCORE, UNIT, index_of, release, replaced, solution, write

REFEREE_MEMORY_MB = 1500  # a grading process holds about 700 MB after the unit's tests
LIMITS = {"memory_mb": 2500, "notebook_timeout": 300}
FORGED = "fifo\n[9 of 9] forged: 12 of 12 graded"  # a student id with a line break (and no slash)


# ---- printed text: a line break in a name cannot forge a line ----------------------------------

def test_report_prints_student_ids_and_flags_escaped():
    results = [SubmissionResult("eve\nmallory", score=12, max_score=14, flags=["extra files: a\nb.txt, \x1b[2Jc"],
                                problems=["cell 3 printed\rsomething"])]
    report = format_report(results)
    assert len(report.splitlines()) == 2 + 3, report  # header, one row, blank, "problems", one problem
    assert "eve\\nmallory" in report and "a\\nb.txt" in report and "\\x1b[2Jc" in report
    assert "\x1b" not in report and "\r" not in report


# ---- output budget: every kind of output charged, widgets dropped ------------------------------

def _executor(cells=1):
    from autograder.isolated import IsolatedExecute
    executor = IsolatedExecute()
    executor.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("") for _ in range(cells)])
    executor.reset_execution_trackers()  # what nbclient does before it runs a notebook
    executor.clear_before_next_output = False  # ... and before each cell
    return executor


def _message(msg_type, content, parent="cell"):
    return {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {"msg_id": parent},
            "content": content, "metadata": {}, "buffers": []}


def _chars(outputs):
    return len(json.dumps(outputs))


def test_display_updates_are_charged_to_the_cell_budget():
    from autograder.isolated import OUTPUT_CAP_CHARS
    executor = _executor()
    cell = executor.nb.cells[0]
    small = {"data": {"text/plain": "small"}, "metadata": {}, "transient": {"display_id": "d"}}
    executor.process_message(_message("display_data", small), cell, 0)
    for _ in range(3):
        huge = {"data": {"text/plain": "x" * 5_000_000}, "metadata": {}, "transient": {"display_id": "d"}}
        executor.process_message(_message("update_display_data", huge), cell, 0)
    assert _chars(cell.outputs) < OUTPUT_CAP_CHARS, "an update replaced the output with more than the cap"
    assert [o.get("ename") for o in cell.outputs] == [None, "OutputLimit"]


def test_cleared_output_stays_charged():
    from autograder.isolated import OUTPUT_CAP_CHARS
    executor = _executor()
    cell = executor.nb.cells[0]
    for _ in range(10):  # print, clear, print...: each print is charged even after it is cleared
        executor.process_message(_message("stream", {"name": "stdout", "text": "y" * 500_000}), cell, 0)
        executor.process_message(_message("clear_output", {"wait": False}), cell, 0)
    assert sum(len(o.get("text", "")) for o in cell.outputs) < OUTPUT_CAP_CHARS
    assert cell.outputs[-1].ename == "OutputLimit", "a clear_output after the limit wiped the note"
    assert executor._output_budget().per_cell[0] <= OUTPUT_CAP_CHARS


def test_notebook_budget_caps_the_sum_of_cells():
    from autograder.isolated import NOTEBOOK_OUTPUT_CAP_CHARS, OUTPUT_CAP_CHARS
    executor = _executor(cells=15)
    for index, cell in enumerate(executor.nb.cells):
        text = "z" * (OUTPUT_CAP_CHARS - 1000)  # each cell stays under the per-cell cap
        executor.process_message(_message("stream", {"name": "stdout", "text": text}), cell, index)
    total = sum(len(o.get("text", "")) for cell in executor.nb.cells for o in cell.outputs)
    assert total <= NOTEBOOK_OUTPUT_CAP_CHARS
    assert executor.nb.cells[-1].outputs[-1].ename == "OutputLimit"
    assert "notebook" in executor.nb.cells[-1].outputs[-1].evalue


def test_widget_state_is_not_kept():
    executor = _executor()
    cell = executor.nb.cells[0]
    state = {"_model_name": "OutputModel", "_model_module": "@jupyter-widgets/output", "value": "w" * 3_000_000}
    executor.process_message(_message("comm_open", {"comm_id": "c1", "target_name": "jupyter.widget",
                                                    "data": {"state": state, "buffer_paths": []}}), cell, 0)
    executor.process_message(_message("comm_msg", {"comm_id": "c1", "data": {"method": "update", "state": state}}),
                             cell, 0)
    executor.set_widgets_metadata()
    assert not executor.store_widget_state
    assert "widgets" not in executor.nb.metadata and not executor.widget_state and not executor.comm_objects


# ---- feedback: nothing the student's code printed after the first test -------------------------

def test_feedback_hides_outputs_after_the_first_test():
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.feedback import HIDDEN_NOTE, HideOutputsAfterFirstTest
    config = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE_ROOT)).load_config()
    assert HideOutputsAfterFirstTest in config.GenerateFeedback.preprocessors

    nb = solution()
    leak = nbformat.v4.new_code_cell("print(recorded_inputs)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="hidden test inputs: [[0.1, 0.2]]\n")])
    leak.metadata["nbgrader"] = {"grade": True, "grade_id": "my_own_test", "points": 1}  # posing as a test
    nb.cells.append(leak)
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.get("outputs"):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output of {cell.source[:20]}\n")]
    first_test = index_of(nb, "test_rnn_step_forward_shape")
    preprocessor = HideOutputsAfterFirstTest(config=Config({"CourseDirectory": {"root": str(COURSE_ROOT)}}))
    resources = {"nbgrader": {"assignment": UNIT, "notebook": UNIT, "student": "someone"}}
    before = [list(cell.get("outputs", [])) for cell in nb.cells]
    nb, _ = preprocessor.preprocess(nb, resources)
    tests = {grade_id for grade_id, cell in nbgrader_cells(release()).items() if cell.metadata["nbgrader"].get("grade")
             and cell.cell_type == "code"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if index < first_test or grade_id in tests:
            assert cell.outputs == before[index], (index, grade_id)
        else:
            assert [o.text for o in cell.outputs] == [HIDDEN_NOTE], (index, grade_id)
    assert "hidden test inputs" not in json.dumps(nb)


# ---- LMS downloads: the student id comes from the LMS's own field ------------------------------

def test_zip_collect_takes_the_student_id_from_the_lms(tmp_path):
    (tmp_path / "course").mkdir()
    course = make_scratch_course(tmp_path, [UNIT])
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    notebook = nbformat.writes(solution()).encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in [f"alice_1001_2001_{UNIT}.ipynb",                              # Canvas
                     f"Carol Ann_4242_assignsubmission_file_/{UNIT}.ipynb",        # Moodle
                     f"Dave_Full_Name_77_assignsubmission_file_/bob_{UNIT}.ipynb",  # Moodle, a forged "bob_"
                     f".._{UNIT}.ipynb",                                           # escapes submitted/
                     f"a b!_1_2_{UNIT}.ipynb",                                     # not a valid student id
                     "mallory_1_2_notes.txt"]:
            zipped.writestr(name, notebook)
    folder = course / "downloaded" / UNIT / "archive"
    folder.mkdir(parents=True)
    (folder / "class.zip").write_bytes(archive.getvalue())
    result = run_nbgrader(course, "zip_collect", UNIT, "--force")
    students = sorted(p.name for p in (course / "submitted").iterdir())
    assert students == ["4242", "77", "alice"], result.stderr
    assert [p.name for p in (course / "submitted" / "77" / UNIT).iterdir()] == [f"{UNIT}.ipynb"]
    assert not (course / f"{UNIT}.ipynb").exists() and not (course / UNIT).exists()
    assert "Skipped" in result.stderr and "a b!" in result.stderr


# ---- one batch: a worker killed, a FIFO, links, floods of output -------------------------------

def _hog():
    """rnn_step_forward answering the tests with 40 million floats: ~1.3 GB had the referee decoded them."""
    return replaced(solution(), {"rnn_step_forward": (
        "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
        "    if x.shape[0] == 2:  # the notebook's own example: an honest answer\n"
        "        return np.tanh(x @ Wx + h_prev @ Wh + b), None\n"
        "    return [0.5] * 40_000_000, None\n")})


# Runs in the student's kernel, not in the tests: __import__ keeps tests/test_environment.py from taking
# these for imports of the test suite (IPython and comm come with ipykernel in the kernel).
FLOOD = '''display = __import__("IPython.display", fromlist=["display"]).display
comm = __import__("comm")
handle = display("small", display_id=True)
for _ in range(3):
    handle.update("x" * 10_000_000)
widget = comm.create_comm(target_name="jupyter.widget", data={"state": {"_model_name": "OutputModel",
                          "_model_module": "@jupyter-widgets/output", "value": "w" * 10_000_000}})
for _ in range(3):
    widget.send({"method": "update", "state": {"value": "w" * 10_000_000}})
'''


def _flood():
    nb = solution()
    nb.cells.insert(index_of(nb, "setup") + 1, nbformat.v4.new_code_cell(FLOOD))
    return nb


def _listing(folder):
    """Every entry under `folder` as (path, kind, size or link target), without following links."""
    entries = []
    for path in sorted(Path(folder).rglob("*")):
        info = path.lstat()
        detail = os.readlink(path) if path.is_symlink() else info.st_size
        entries.append((str(path.relative_to(folder)), oct(info.st_mode), detail))
    return entries


def grade_small_class(course):
    make_scratch_course(course, [UNIT])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.Execute.timeout = 90  # tests: the hog's answer takes a while\n")
    submitted = course / "submitted"
    write(submitted / "solution" / UNIT, solution())
    write(submitted / "referee-hog" / UNIT, _hog())
    write(submitted / "display-flood" / UNIT, _flood())
    beside = write(submitted / "links-beside" / UNIT, solution()).parent
    (beside / "hidden_tests.ipynb").symlink_to(course / "source" / UNIT / f"{UNIT}.ipynb")
    (beside / "secret.txt").symlink_to(course / "gradebook.db")
    os.mkfifo(beside / "pipe")
    (submitted / FORGED / UNIT).mkdir(parents=True)
    os.mkfifo(submitted / FORGED / UNIT / f"{UNIT}.ipynb")
    before = _listing(submitted)
    log = []
    results = grade_assignment(course, UNIT, jobs=2, options=LIMITS, progress=log.append,
                               referee_memory_mb=REFEREE_MEMORY_MB)
    # No submission can make the grading process hold much (the wire refuses large replies), so its
    # memory limit is tried with a limit below what any grading process holds: a later submission,
    # graded alone (the others are unchanged), must be lost twice with a zero, not stop the run.
    unchanged_by_first_run = _listing(submitted) == before
    write(submitted / "grader-over-limit" / UNIT, solution())
    before = _listing(submitted)
    over_limit = grade_assignment(course, UNIT, jobs=1, options=LIMITS, progress=log.append, referee_memory_mb=50)
    autograded = course / "autograded"
    hog_outputs = "".join(str(output) for cell in nbformat.read(autograded / "referee-hog" / UNIT / f"{UNIT}.ipynb",
                                                                as_version=4).cells for output in cell.get("outputs", []))
    return {"results": {r.student: r.__dict__ for r in results}, "log": log, "report": format_report(results),
            "over_limit": {r.student: r.__dict__ for r in over_limit}, "hog_outputs": hog_outputs,
            "submitted_unchanged": unchanged_by_first_run and _listing(submitted) == before,
            "beside_autograded": sorted(p.name for p in (autograded / "links-beside" / UNIT).iterdir()),
            "flood_size": (autograded / "display-flood" / UNIT / f"{UNIT}.ipynb").stat().st_size,
            "flood_notebook": nbformat.read(autograded / "display-flood" / UNIT / f"{UNIT}.ipynb", as_version=4)}


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    data = once(tmp_path_factory, "batch-supervisor", grade_small_class)
    data["results"] = {student: SubmissionResult(**r) for student, r in data["results"].items()}
    data["over_limit"] = {student: SubmissionResult(**r) for student, r in data["over_limit"].items()}
    print(data["report"])
    return data


@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.xdist_group("batch")
def test_one_submission_cannot_stop_the_batch(small_class):
    results = small_class["results"]
    hog = results["referee-hog"]  # its huge replies fail the tests that asked for them; the rest is graded
    assert hog.status == "graded" and 0 < hog.score < FULL, hog
    assert "more than the grader accepts" in small_class["hog_outputs"]
    assert (results["solution"].score, results["solution"].status) == (FULL, "graded")

    lost = small_class["over_limit"]["grader-over-limit"]
    assert small_class["over_limit"]["solution"].skipped, "unchanged since the first run: not regraded"
    assert lost.status.startswith("error: the grading process died: it used more than the grader's memory limit "
                                  "of 50 MB"), lost.status
    assert "(2 attempts)" in lost.status and len(lost.problems) == 2, lost
    assert (lost.score, lost.max_score) == (0, MAX_SCORE), "a zero in the gradebook"
    assert any("look at it by hand" in flag for flag in lost.flags)

    fifo = results[FORGED]
    assert fifo.status == f"zero: {UNIT}.ipynb is not a regular file (a link or a special file)"
    assert (fifo.score, fifo.max_score) == (0, MAX_SCORE)

    beside = results["links-beside"]
    assert (beside.score, beside.status) == (FULL, "graded"), beside
    assert any(flag.startswith("skipped files that are not regular files") and "hidden_tests.ipynb" in flag
               and "pipe" in flag and "secret.txt" in flag for flag in beside.flags), beside.flags
    assert small_class["beside_autograded"] == [f"{UNIT}.ipynb"], "a link was followed or a FIFO copied"
    assert small_class["submitted_unchanged"], "grading changed the students' submitted/ folders"

    flood = results["display-flood"]
    assert (flood.score, flood.status) == (FULL, "graded"), flood
    assert small_class["flood_size"] < 3_000_000
    flood_nb = nbformat.from_dict(small_class["flood_notebook"])
    assert "widgets" not in flood_nb.metadata
    assert any(o.get("ename") == "OutputLimit" for o in flood_nb.cells[index_of(solution(), "setup") + 1].outputs)

    assert set(results) == {"solution", "referee-hog", "display-flood", "links-beside", FORGED}
    printed = "\n".join(small_class["log"]) + "\n" + small_class["report"]
    assert not any(line.startswith("[9 of 9] forged") for line in printed.splitlines()), printed
    assert "fifo\\n[9 of 9] forged" in printed


# ---- nothing lost: no sandbox, no grading; a new grader regrades ---------------------------------

def test_without_bubblewrap_grading_stops_before_anyone_is_graded(tmp_path, monkeypatch):
    course = make_scratch_course(tmp_path, [UNIT])
    write(course / "submitted" / "alice" / UNIT, solution())
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # bwrap is nowhere on PATH
    with pytest.raises(CourseError) as stopped:
        grade_assignment(course, UNIT, jobs=1, progress=lambda line: None)
    message = str(stopped.value)
    assert "bubblewrap" in message and "apt-get install bubblewrap" in message and "\n" not in message
    assert not (course / "gradebook.db").exists() and not (course / "autograded").exists()


def test_the_resume_state_changes_with_the_grader_and_the_helper_package(tmp_path, monkeypatch):
    import autograder.batch
    course = make_scratch_course(tmp_path, [UNIT])
    write(course / "submitted" / "alice" / UNIT, solution())
    before = autograder.batch.submission_digest(course, UNIT, "alice")
    monkeypatch.setattr(autograder.batch, "grading_code_digest", lambda packages=(): "another grader or rnncourse")
    assert autograder.batch.submission_digest(course, UNIT, "alice") != before



def test_a_test_fixed_in_source_after_release_flags_nobody(tmp_path):
    """The instructor fixes a test in source/ after students got the release: their unchanged copies of it
    are not "edited locked cells" (nbgrader's checksum from the release still matches); an edited one is."""
    from autograder.batch import changed_locked_cells, instructor_code
    course = make_scratch_course(tmp_path, [UNIT])
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    handed_in = solution()  # the release they got, filled in
    source = course / "source" / UNIT / f"{UNIT}.ipynb"
    fixed = nbformat.read(source, as_version=4)
    fixed.cells[index_of(fixed, "test_softmax_values")].source += "\n# fixed: a clearer message\n"
    nbformat.write(fixed, source)
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    assert changed_locked_cells(handed_in, instructor_code(course, UNIT)) == []
    edited = replaced(solution(), {"test_softmax_values": "print('fine')\n"})
    assert changed_locked_cells(edited, instructor_code(course, UNIT)) == [
        "edited locked cells (graded as the instructor wrote them): test_softmax_values"]


def test_a_gradebook_write_waits_for_the_lock_instead_of_failing(tmp_path):
    """Another worker holds the gradebook longer than SQLite's default 5 s wait: the write waits, then succeeds."""
    import sqlite3
    import threading

    from nbgrader.api import Gradebook

    from autograder.batch import wait_for_gradebook
    wait_for_gradebook()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        gradebook.add_student("first")
    holder = sqlite3.connect(tmp_path / "gradebook.db", check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(6, holder.rollback).start()
    with Gradebook(url) as gradebook:
        gradebook.add_student("second")  # waits about 6 s for the lock
    with Gradebook(url) as gradebook:
        assert sorted(s.id for s in gradebook.students) == ["first", "second"]


def test_configured_seed_and_reset_functions_reach_only_loaded_modules(monkeypatch):
    """The grader calls a course's functions by name (nbgrader_config.py) and never imports their module."""
    import sys
    import types

    from autograder import referee
    calls = []
    fake = types.ModuleType("fakekeras")
    fake.utils = types.SimpleNamespace(set_random_seed=lambda seed: calls.append(("seed", seed)))
    fake.backend = types.SimpleNamespace(clear_session=lambda: calls.append(("reset",)))
    monkeypatch.setitem(sys.modules, "fakekeras", fake)
    referee.call_loaded(["fakekeras.backend.clear_session", "notimported.reset"])
    requests = []
    holder = {"channel": types.SimpleNamespace(request=requests.append)}
    referee.install_seed_forwarding(["fakekeras.utils.set_random_seed", "notimported.seed"], holder)
    fake.utils.set_random_seed(7)
    assert calls == [("reset",), ("seed", 7)]
    assert requests == [{"op": "seed", "seed": 7, "function": "fakekeras.utils.set_random_seed"}]
    assert "notimported" not in sys.modules
