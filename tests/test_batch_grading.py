"""`autograder grade` (autograder/batch.py) on one class of unit 02: attacks, broken submissions, resuming.

One scratch course holds every case as a student's submission and is graded ONCE with two workers
(the grading is the expensive part); the tests below each read one student's result, the gradebook
or an autograded notebook. Attacks (tests/attacks/) are wrong solutions plus code that tries to win
points anyway: each must earn zero and be flagged for review. Broken submissions must get a status
an instructor understands and exactly the points their working part deserves, and nobody else in
the batch may lose anything.
"""
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
from copy import deepcopy
from dataclasses import asdict
from pathlib import Path

import nbformat
import pytest

from attacks import ATTACKS, UNIT, WRONG_BUT_RETURNS, evidence_in
from autograder.batch import SubmissionResult, format_report, grade_assignment
from autograder.course import COURSE_ROOT, assignment_notebook, make_scratch_course, nbgrader_cells
from autograder.printable import printable
from shared_run import once

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.xdist_group("batch")]

FULL = 12.0        # autograded points of unit 02
MAX_SCORE = 14.0   # with the free-text answer graded by hand
STEP_POINTS = 3.0  # rnn_step_forward's tests: kept by a submission that crashes after that cell
CELL_TIMEOUT = 20  # per-cell limit of the scratch course (the infinite loops wait this long)
LIMITS = {"memory_mb": 1200, "notebook_timeout": 150}
ANSWER = ("The same weights Wx, Wh and b are used at every time step, so the number of parameters "
          "does not depend on the sequence length T.")


# ---- notebooks ---------------------------------------------------------------------------------

def release():
    return nbformat.read(assignment_notebook(UNIT, "release"), as_version=4)


def solution():
    """The release filled in the way a student would: the reference code without nbgrader's markers."""
    nb, source = release(), nbgrader_cells(nbformat.read(assignment_notebook(UNIT, "source"), as_version=4))
    for grade_id, cell in nbgrader_cells(nb).items():
        if cell.metadata["nbgrader"].get("solution"):
            cell.source = ANSWER if cell.cell_type == "markdown" else "\n".join(
                line for line in source[grade_id].source.splitlines() if "### " not in line)
    return nb


def index_of(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def replaced(nb, sources):
    """`nb` with some cells' sources replaced ({grade id: source})."""
    for grade_id, text in sources.items():
        nb.cells[index_of(nb, grade_id)].source = text
    return nb


def attack_notebook(attack, tokens):
    def fill(text):
        for token, value in tokens.items():
            text = text.replace(token, str(value))
        return text
    nb = replaced(release(), {k: fill(v) for k, v in attack.solutions.items()})
    for grade_id, keys in attack.metadata.items():
        nb.cells[index_of(nb, grade_id)].metadata.nbgrader.update(keys)
    for grade_id, text in attack.strip.items():
        cell = nb.cells[index_of(nb, grade_id)]
        cell.source, cell.metadata = fill(text), {}
    if attack.payload:
        at = index_of(nb, "setup") + 1 if "setup" not in attack.delete else index_of(nb, "setup")
        nb.cells.insert(at, nbformat.v4.new_code_cell(fill(attack.payload)))
    for grade_id in attack.delete:
        del nb.cells[index_of(nb, grade_id)]
    for text, meta in attack.cells:
        cell = nbformat.v4.new_code_cell(fill(text))
        if meta:
            cell.metadata["nbgrader"] = dict(meta)
        nb.cells.append(cell)
    return nb


def write_attack(folder, attack, tokens):
    """The attack's notebook and its extra files, in a student's submission folder."""
    write(folder, attack_notebook(attack, tokens))
    for name, text in attack.files.items():
        (folder / name).write_text(text)


def crash_after_step(code):
    """Correct rnn_step_forward (3 points), then `code` kills the kernel in the next solution cell."""
    return replaced(solution(), {"rnn_forward": code})


def write(folder, nb, name=f"{UNIT}.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def bad_submissions():
    """{student: (writer(folder), expected autograded score)}: broken notebooks and kernel killers."""
    def text(content, name=f"{UNIT}.ipynb"):
        def writer(folder):
            folder.mkdir(parents=True)
            (folder / name).write_text(content)
        return writer

    def notebook(make, name=f"{UNIT}.ipynb", extra=None):
        def writer(folder):
            write(folder, make(), name)
            for file_name, content in (extra or {}).items():
                (folder / file_name).write_bytes(content)
        return writer

    def nbformat3(folder):
        folder.mkdir(parents=True)
        (folder / f"{UNIT}.ipynb").write_text(nbformat.writes(nbformat.convert(solution(), 3), version=3))

    def nonsense_nbformat(folder):
        data = json.loads(nbformat.writes(solution()))
        data["nbformat"], data["nbformat_minor"] = 99, "x"
        text(json.dumps(data))(folder)

    def deleted_test():
        nb = solution()
        del nb.cells[index_of(nb, "test_softmax_stable")]
        return nb

    def moved_cells():  # each solution cell dragged below its own tests: graded in the instructor's order
        nb = solution()
        for solution_id, last_test in (("rnn_step_forward", "test_rnn_step_forward_values"),
                                       ("softmax", "test_softmax_stable")):
            cell = nb.cells.pop(index_of(nb, solution_id))
            nb.cells.insert(index_of(nb, last_test) + 1, cell)
        return nb

    def deleted_answer_after_markdown():
        # The cell before the free-text answer in the instructor's notebook is locked markdown (the prompt):
        # nbgrader's own add_missing_cells fails there with a KeyError.
        nb = solution()
        del nb.cells[index_of(nb, "parameter_sharing_answer")]
        return nb

    def duplicated_cells():
        nb = solution()
        for grade_id in ("test_rnn_step_forward_values", "rnn_forward"):  # Jupyter's "duplicate cell"
            original = nb.cells[index_of(nb, grade_id)]
            copy = nbformat.v4.new_code_cell(original.source, metadata=deepcopy(original.metadata))
            nb.cells.insert(index_of(nb, grade_id) + 1, copy)
        return nb

    def edited_tests():  # softmax left as the stub; its tests edited to pass anyway
        nb = replaced(solution(), {"softmax": release().cells[index_of(release(), "softmax")].source,
                                   "test_softmax_values": 'print("softmax is right")\n',
                                   "test_softmax_stable": 'print("softmax is stable")\n'})
        return nb

    def raised_points():
        nb = replaced(solution(), {"count_rnn_parameters": "def count_rnn_parameters(i, h, o):\n    return 0\n"})
        for grade_id in ("test_count_rnn_parameters", "test_softmax_values"):
            nb.cells[index_of(nb, grade_id)].metadata.nbgrader["points"] = 100
        return nb

    def big_output():
        nb = solution()
        cell = nb.cells[index_of(nb, "rnn_step_forward")]
        cell.source += "\nprint('x' * 20_000_000)\n"
        return nb

    def infinite_loop():  # rnn_forward is never defined: its 4 points are lost, the rest still runs
        return replaced(solution(), {"rnn_forward": "while True:\n    pass\n"})

    def editor_leftovers(folder):  # what JupyterLab, Python, macOS and Windows leave beside a notebook
        write(folder, solution())
        for relative, content in {".ipynb_checkpoints/02_hidden_state-checkpoint.ipynb": nbformat.writes(release()),
                                  "__pycache__/helpers.cpython-311.pyc": "\x00", ".DS_Store": "\x00\x00",
                                  "._02_hidden_state.ipynb": "\x00", "Thumbs.db": "\x00",
                                  "__MACOSX/._02_hidden_state.ipynb": "\x00"}.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(content)

    def changed_cell_types():  # a test cell made markdown: nbgrader turns it back into code
        nb = solution()
        nb.cells[index_of(nb, "test_softmax_values")].cell_type = "markdown"
        del nb.cells[index_of(nb, "test_softmax_values")]["outputs"]
        del nb.cells[index_of(nb, "test_softmax_values")]["execution_count"]
        return nbformat.from_dict(nb)

    def saved_by_vscode():  # nbformat 4.4 without cell ids, VS Code's metadata, another kernel's name
        nb = json.loads(nbformat.writes(solution()))
        nb["nbformat_minor"] = 4
        nb["metadata"] = {"kernelspec": {"name": ".venv", "display_name": ".venv", "language": "python"},
                          "language_info": {"name": "python", "version": "3.11.9"},
                          "vscode": {"interpreter": {"hash": "f" * 64}}}
        for cell in nb["cells"]:
            cell.pop("id", None)
            cell["metadata"]["vscode"] = {"languageId": "python"}
        return json.dumps(nb, indent=1)

    def saved_by_colab():  # Colab's metadata on the notebook and on every cell
        nb = solution()
        nb.metadata = {"colab": {"provenance": [], "name": f"{UNIT}.ipynb"}, "accelerator": "GPU",
                       "kernelspec": {"name": "python3", "display_name": "Python 3"}}
        for c in nb.cells:
            c.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
            c.metadata["id"] = c.get("id", "x")
        return nb

    def huge_rich_outputs():  # a 6 MB image and 6 MB of HTML and JSON, displayed after the solutions
        nb = solution()
        nb.cells.append(nbformat.v4.new_code_cell(
            "import os\n\nclass Big:\n"
            "    def _repr_png_(self):\n        return b'\\x89PNG\\r\\n\\x1a\\n' + os.urandom(6_000_000)\n"
            "    def _repr_html_(self):\n        return '<p>' + 'x' * 6_000_000 + '</p>'\n"
            "    def _repr_json_(self):\n        return {'k': 'v' * 6_000_000}\n\nBig()\n"))
        return nb

    def asks_for_input():  # input() where nobody can type: that cell fails, the tests do not
        nb = solution()
        nb.cells.insert(index_of(nb, "rnn_forward") + 1, nbformat.v4.new_code_cell('name = input("Your name? ")\n'))
        return nb

    truncated = nbformat.writes(solution())
    return {
        "bad-not-json": (text("this is my homework, I could not get Jupyter to work\n"), 0),
        "bad-truncated-json": (text(truncated[:len(truncated) // 2]), 0),
        "bad-nbformat3": (nbformat3, FULL),  # nbformat upgrades it; its cells and metadata survive
        "bad-nonsense-nbformat": (nonsense_nbformat, 0),
        "bad-missing-notebook": (lambda folder: folder.mkdir(parents=True), 0),
        "bad-renamed-notebook": (notebook(solution, name="homework_final_v2.ipynb"), 0),
        "bad-extra-files": (notebook(solution, extra={"data.csv": b"1,2,3\n", "notes.txt": b"hi",
                                                     "weights.npy": os.urandom(200_000)}), FULL),
        # Deleted test cells are put back from source/ and graded (nbgrader's add_missing_cells).
        "bad-deleted-test-cell": (notebook(deleted_test), FULL),
        "bad-deleted-answer-after-markdown": (notebook(deleted_answer_after_markdown), FULL),
        "bad-moved-cells": (notebook(moved_cells), FULL),
        "bad-duplicated-cells": (notebook(duplicated_cells), FULL),
        "bad-editor-leftovers": (editor_leftovers, FULL),
        "bad-changed-cell-types": (notebook(changed_cell_types), FULL),
        "bad-saved-by-vscode": (lambda folder: text(saved_by_vscode())(folder), FULL),
        "bad-saved-by-colab": (notebook(saved_by_colab), FULL),
        "bad-huge-rich-outputs": (notebook(huge_rich_outputs), FULL),
        "bad-asks-for-input": (notebook(asks_for_input), FULL),
        "bad-edited-test-cells": (notebook(edited_tests), FULL - 3),
        "bad-raised-points": (notebook(raised_points), FULL - 2),
        "bad-big-output": (notebook(big_output), FULL),
        "bad-infinite-loop": (notebook(infinite_loop), FULL - 4),
        # A loop that ignores the interrupt: the kernel is stopped, the cells before it keep their points.
        "bad-stubborn-loop": (notebook(lambda: crash_after_step(
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n")), STEP_POINTS),
        "bad-os-exit": (notebook(lambda: crash_after_step("import os\nos._exit(0)\n")), STEP_POINTS),
        "bad-segfault": (notebook(lambda: crash_after_step("import ctypes\nctypes.string_at(0)\n")), STEP_POINTS),
        "bad-fork-bomb": (notebook(lambda: crash_after_step("import os\nwhile True:\n    os.fork()\n")), STEP_POINTS),
        "bad-memory-bomb": (notebook(lambda: crash_after_step(
            "import numpy as np\nhog = np.ones(3 * 2**30 // 8)  # 3 GB\n")), STEP_POINTS),
        # Files in the sandbox live in memory (tmpfs) that no process's RSS shows. A file holds at most
        # 256 MB (Limits.file_mb), a folder 512 MB (Limits.writable_mb): 2 x 225 MB in each of three
        # folders is more than the memory limit.
        "bad-tmp-files": (notebook(lambda: crash_after_step(
            "block = b'x' * 2**20\nfor folder in ('/tmp', '/dev/shm', '.'):\n    for i in range(2):\n"
            "        with open(f'{folder}/big{i}', 'wb') as f:\n            for _ in range(225):\n"
            "                f.write(block)\n")), STEP_POINTS),
    }


GOOD = {  # student: (notebook, expected autograded score)
    "solution": (solution, FULL),
    "solution-copy": (solution, FULL),  # the same file under another name: the same grade
    "solution-with-extras": (lambda: replaced(solution(), {"rnn_forward": HARMLESS + solution().cells[
        index_of(solution(), "rnn_forward")].source}), FULL),
    "untouched-release": (release, 0),
    "wrong-but-returns": (lambda: replaced(release(), WRONG_BUT_RETURNS), 0),  # the attacks' wrong answers
}
# Ordinary extra code a good student writes: prints, plots, its own checks with NumPy, Keras, a file.
HARMLESS = '''import numpy as np
import keras
print("checking my step function against NumPy:", np.allclose(np.tanh(np.zeros(3)), 0))
with open("my_notes.txt", "w") as f:
    f.write("rnn_forward loops over time\\n")
_ = keras.layers.SimpleRNN(3)
'''


# ---- the graded class, shared by the tests (and by both pytest-xdist workers) ------------------

class ConnectionCounter:
    """A TCP server on 127.0.0.1 that counts the connections of the network attack.

    Only connections that say the attack's greeting count: on a busy machine a stray client (a
    kernel's ZMQ socket retrying a port it once had) may knock on any free port.
    """

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port, self.count = self.server.getsockname()[1], 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    greeting = connection.recv(64)
                except OSError:
                    greeting = b""
            self.count += greeting.startswith(b"hello from a student")

    def close(self):
        self.server.close()


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


MANUAL_SCORES = {"parameter_sharing_answer": 1.5, "test_softmax_values": 1.0}  # entered by a person


def enter_manual_scores(course, students):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            for grade_id, score in MANUAL_SCORES.items():
                gradebook.find_grade(grade_id, UNIT, UNIT, student).manual_score = score
        gradebook.db.commit()


def manual_scores(course, students):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: {grade_id: gradebook.find_grade(grade_id, UNIT, UNIT, student).manual_score
                          for grade_id in MANUAL_SCORES} for student in students}


def flagged(course):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: any(n.flagged for n in s.notebooks) for s in gradebook.assignment_submissions(UNIT)}


def gradebook_scores(course):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: float(s.score) for s in gradebook.assignment_submissions(UNIT)}


def grade_class(course):
    """Build the class in `course`, grade it three times (first run, resume, a changed resubmission)."""
    make_scratch_course(course, [UNIT])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.Execute.timeout = {CELL_TIMEOUT}  # tests: a short per-cell limit\n")
    server = ConnectionCounter()
    tokens = {"__COURSE__": course, "__REPO__": COURSE_ROOT, "__PORT__": server.port}
    submitted = course / "submitted"
    expected = {}
    for student, (make, score) in GOOD.items():
        write(submitted / student / UNIT, make())
        expected[student] = score
    for name, attack in ATTACKS.items():
        write_attack(submitted / f"attack-{name}" / UNIT, attack, tokens)
        expected[f"attack-{name}"] = attack.earns
    for student, (writer, score) in bad_submissions().items():
        writer(submitted / student / UNIT)
        expected[student] = score
    protected = {"source": tree_digest(course / "source"), "config": config.read_text()}

    log = []
    started = time.monotonic()
    first = grade_assignment(course, UNIT, jobs=2, options=LIMITS, progress=log.append)
    first_seconds = time.monotonic() - started
    scores_after_first = gradebook_scores(course)
    server_connections = server.count
    server.close()

    flagged_after_first = flagged(course)
    second = grade_assignment(course, UNIT, jobs=2, options=LIMITS, progress=log.append)
    # A person grades two free-text answers. Three students hand in again: one the same notebook saved
    # again (other bytes, same cells), one a fix, one another file that is still not a notebook.
    enter_manual_scores(course, ["solution-with-extras", "bad-not-json"])
    resubmitted = {"solution": solution(), "untouched-release": solution(), "solution-with-extras": GOOD[
        "solution-with-extras"][0]()}
    for student, nb in resubmitted.items():
        nb.metadata["saved_again"] = True
        write(submitted / student / UNIT, nb)
    (submitted / "bad-not-json" / UNIT / f"{UNIT}.ipynb").write_text("still not a notebook\n")
    third = grade_assignment(course, UNIT, jobs=2, options=LIMITS, progress=log.append)
    return {
        "expected": expected,
        "first": [asdict(r) for r in first], "second": [asdict(r) for r in second],
        "third": [asdict(r) for r in third], "first_seconds": first_seconds,
        "scores_after_first": scores_after_first, "scores_after_third": gradebook_scores(course),
        "flagged_after_first": flagged_after_first,
        "manual_after_third": manual_scores(course, ["solution-with-extras", "bad-not-json"]),
        "protected_before": protected, "server_connections": server_connections, "log": log,
        "report": format_report(first),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The graded class, graded once per test run (tests/shared_run.py)."""
    data = once(tmp_path_factory, "batch-grading", lambda folder: {**grade_class(folder), "course": str(folder)})
    data["course"] = Path(data["course"])
    for run in ("first", "second", "third"):
        data[run] = {r["student"]: SubmissionResult(**r) for r in data[run]}
    print(data["report"])
    return data


def autograded_notebook(graded, student):
    return nbformat.read(graded["course"] / "autograded" / student / UNIT / f"{UNIT}.ipynb", as_version=4)


def evidence(graded, student):
    """What an attack printed as `EVIDENCE <json>` (the kernel's own files never reach autograded/)."""
    seen = evidence_in(autograded_notebook(graded, student))
    assert seen is not None, f"{student} printed no evidence"
    return seen


# ---- the reference solution and wrong solutions: no false zero, no false points ---------------

def test_reference_solution_earns_full_marks(graded):
    result = graded["first"]["solution"]
    assert (result.score, result.max_score, result.status) == (FULL, MAX_SCORE, "graded")
    assert result.needs_manual_grade, "the free-text answer waits for a person"
    assert result.problems == [] and result.flags == []


def test_harmless_extra_code_costs_nothing_and_is_not_flagged(graded):
    result = graded["first"]["solution-with-extras"]
    assert (result.score, result.status, result.flags) == (FULL, "graded", [])


def test_wrong_solutions_alone_earn_zero(graded):
    """The attacks' wrong answers earn nothing by themselves: any point an attack earns, it stole."""
    for student in ("untouched-release", "wrong-but-returns"):
        result = graded["first"][student]
        assert (result.score, result.status) == (0, "graded"), result


def test_the_same_notebook_gets_the_same_grade_under_two_names(graded):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{graded['course'] / 'gradebook.db'}") as gradebook:
        cells = {student: {g.name: (g.score, g.max_score) for g in
                           gradebook.find_submission_notebook(UNIT, UNIT, student).grades}
                 for student in ("solution", "solution-copy")}
    assert cells["solution"] == cells["solution-copy"]
    assert graded["first"]["solution"].score == graded["first"]["solution-copy"].score == FULL


# ---- attacks: zero points, flagged for review ---------------------------------------------------

@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_zero_and_is_flagged(graded, name):
    attack, result = ATTACKS[name], graded["first"][f"attack-{name}"]
    assert result.score == attack.earns, f"{name} ({attack.what}) earned {result.score}: {result}"
    assert result.max_score == MAX_SCORE
    for word in attack.flags:
        assert any(word in flag for flag in result.flags), f"{name}: no flag mentions {word!r}: {result.flags}"
    if attack.refused:
        assert result.status.startswith("error: nbgrader could not grade the notebook"), result.status
    else:
        assert result.status.startswith("graded"), result.status


def test_test_cells_of_attacks_failed_in_the_referee(graded):
    """Every test cell of a graded attack shows the error that cost its points: none passed quietly, beyond
    the points its wrong code earns honestly."""
    for name, attack in ATTACKS.items():
        if attack.refused:
            continue
        nb = autograded_notebook(graded, f"attack-{name}")
        passed = {grade_id: cell.metadata["nbgrader"]["points"] for grade_id, cell in nbgrader_cells(nb).items()
                  if cell.cell_type == "code" and cell.metadata["nbgrader"].get("grade")
                  and not any(o.output_type == "error" for o in cell.outputs)}
        assert sum(passed.values()) == attack.earns, (name, passed)


def test_sandbox_shows_no_instructor_file(graded):
    student = "attack-reads_instructor_files"
    # The kernel's folder is a scratch folder of the sandbox (not autograded/): only it may be visible.
    seen = evidence(graded, student)
    own = Path(seen["cwd"])
    assert all(isinstance(outcome, str) for outcome in seen["read"].values()), seen["read"]  # errors, no sizes
    assert isinstance(seen["gradebook_cells"], str), "the gradebook could be read"
    outside = [path for path in seen["visible"] if not (Path(path) == own or own in Path(path).parents
                                                        or Path(path) in own.parents)]
    assert outside == [], f"the sandbox sees other files of the course: {outside}"
    # Only read-only copies of the packages the kernel imports: the grader's agent and the course's helpers.
    assert set(seen["visible_repo"]) <= {str(COURSE_ROOT / "rnncourse"), str(COURSE_ROOT / "autograder")}, \
        seen["visible_repo"]


def test_sandbox_cannot_write_outside_its_folder(graded):
    seen = evidence(graded, "attack-writes_outside")
    assert "WROTE" not in seen["append"].values(), seen["append"]
    assert "OPENED" not in seen["open_for_writing"].values(), seen["open_for_writing"]
    assert seen["sql"] != "WROTE"
    # New files may land in the sandbox's private /tmp, where the course's path is an empty skeleton:
    # they must not appear in the real course or repository.
    course = graded["course"]
    assert not (course / "pwned.txt").exists() and not (course / "source" / UNIT / "pwned.py").exists()
    assert not (COURSE_ROOT / "pwned.txt").exists() and not (COURSE_ROOT / "rnncourse" / "pwned.py").exists()
    for path in [course / "gradebook.db", course / "nbgrader_config.py", course / "source" / UNIT / f"{UNIT}.ipynb",
                 course / "submitted" / "solution" / UNIT / f"{UNIT}.ipynb"]:
        assert b"written by a student" not in path.read_bytes(), path


def test_course_files_are_untouched(graded):
    course, before = graded["course"], graded["protected_before"]
    assert tree_digest(course / "source") == before["source"]
    assert (course / "nbgrader_config.py").read_text() == before["config"]


def test_gradebook_is_intact_and_agrees_with_the_results(graded):
    course = graded["course"]
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert graded["scores_after_first"] == {s: r.score for s, r in graded["first"].items()}


def test_no_network(graded):
    assert graded["server_connections"] == 0
    assert set(evidence(graded, "attack-network").values()) <= {"OSError", "ConnectionRefusedError",
                                                               "gaierror", "TimeoutError"}, evidence(graded, "attack-network")


# ---- broken submissions: a clear status and the points they deserve, nothing else lost ---------

@pytest.mark.parametrize("student", sorted(s for s, (_, score) in bad_submissions().items() if score is not None))
def test_broken_submission_gets_the_score_it_deserves(graded, student):
    result = graded["first"][student]
    assert result.score == graded["expected"][student], result
    assert result.max_score == MAX_SCORE


def test_every_student_of_the_batch_got_the_expected_score(graded):
    """However the attacks and crashes went, nobody else lost or gained anything."""
    wrong = {s: (r.score, graded["expected"][s]) for s, r in graded["first"].items()
             if graded["expected"][s] is not None and r.score != graded["expected"][s]}
    assert wrong == {}
    assert set(graded["first"]) == set(graded["expected"])


@pytest.mark.parametrize("student, reason", [
    ("bad-not-json", "the notebook is not a valid Jupyter notebook (Notebook does not appear to be JSON"),
    ("bad-truncated-json", "the notebook is not a valid Jupyter notebook (Notebook does not appear to be JSON"),
    ("bad-nonsense-nbformat", "the notebook is not a valid Jupyter notebook (Unsupported nbformat version 99"),
    ("bad-missing-notebook", f"no notebook {UNIT}.ipynb"),
    ("bad-renamed-notebook", f"no notebook {UNIT}.ipynb (found homework_final_v2.ipynb: renamed?)"),
])
def test_unreadable_submission_gets_zero_and_says_why(graded, student, reason):
    result = graded["first"][student]
    assert result.status.startswith("zero: " + reason), result.status
    assert result.score == 0 and result.max_score == MAX_SCORE, "a zero in the gradebook, not a missing row"


def test_nbformat_3_notebook_is_upgraded_and_graded(graded):
    assert (graded["first"]["bad-nbformat3"].score, graded["first"]["bad-nbformat3"].status) == (FULL, "graded")


def test_extra_files_cost_nothing_and_are_listed(graded):
    result = graded["first"]["bad-extra-files"]
    assert (result.score, result.status) == (FULL, "graded")
    assert result.flags == ["extra files: data.csv, notes.txt, weights.npy"]


@pytest.mark.parametrize("student", ["bad-deleted-test-cell", "bad-deleted-answer-after-markdown"])
def test_deleted_test_cell_is_put_back_graded_and_flagged(graded, student):
    result = graded["first"][student]
    assert (result.score, result.status) == (FULL, "graded"), result
    assert any("deleted instructor cells" in flag and "put back" in flag for flag in result.flags), result.flags
    assert graded["flagged_after_first"][student], "the formgrader's flagged marker is not set"


def test_moved_cells_are_graded_in_the_instructors_order_and_flagged(graded):
    result = graded["first"]["bad-moved-cells"]
    assert (result.score, result.status) == (FULL, "graded"), result
    assert any("out of their order" in flag for flag in result.flags), result.flags


def test_unflagged_submissions_are_not_flagged_in_the_gradebook(graded):
    assert not graded["flagged_after_first"]["solution"]
    assert not graded["flagged_after_first"]["untouched-release"]


@pytest.mark.parametrize("student", ["solution-with-extras", "bad-not-json"])
def test_regrading_keeps_the_scores_a_person_entered(graded, student):
    """A person graded the free-text answer (and adjusted a test's score) after the first run; the third
    run regraded the submission (a resubmission: graded again, or still unreadable: zero)."""
    assert graded["third"][student].skipped is False
    assert graded["manual_after_third"][student] == MANUAL_SCORES


@pytest.mark.parametrize("student", ["bad-editor-leftovers", "bad-changed-cell-types", "bad-saved-by-vscode",
                                     "bad-saved-by-colab", "bad-asks-for-input"])
def test_what_real_classes_submit_is_graded_in_full_without_a_flag(graded, student):
    """Editors' leftovers, another editor's metadata, a cell type changed back by nbgrader, a prompt for input."""
    result = graded["first"][student]
    assert (result.score, result.flags) == (FULL, []), result


def test_huge_rich_outputs_are_capped(graded):
    result = graded["first"]["bad-huge-rich-outputs"]
    assert result.score == FULL, result
    path = graded["course"] / "autograded" / "bad-huge-rich-outputs" / UNIT / f"{UNIT}.ipynb"
    assert path.stat().st_size < 5_000_000, path.stat().st_size


def test_duplicated_cells_are_graded_once(graded):
    """Jupyter's "duplicate cell" copies nbgrader's metadata; nbgrader alone refuses such a notebook."""
    result = graded["first"]["bad-duplicated-cells"]
    assert (result.score, result.status) == (FULL, "graded"), result


def test_edited_test_cells_are_restored_and_flagged(graded):
    result = graded["first"]["bad-edited-test-cells"]
    assert result.score == FULL - 3  # softmax is the stub: its real tests fail
    assert any("edited locked cells" in flag and "test_softmax_values" in flag for flag in result.flags)
    cell = nbgrader_cells(autograded_notebook(graded, "bad-edited-test-cells"))["test_softmax_values"]
    assert "BEGIN HIDDEN TESTS" in cell.source
    assert [o.ename for o in cell.outputs if o.output_type == "error"] == ["NotImplementedError"]


def test_raised_points_do_not_raise_the_score(graded):
    result = graded["first"]["bad-raised-points"]
    assert (result.score, result.max_score) == (FULL - 2, MAX_SCORE)


def test_megabytes_of_output_are_capped(graded):
    result = graded["first"]["bad-big-output"]
    assert (result.score, result.status) == (FULL, "graded")
    path = graded["course"] / "autograded" / "bad-big-output" / UNIT / f"{UNIT}.ipynb"
    assert path.stat().st_size < 3_000_000


def test_infinite_loop_is_interrupted_and_the_rest_still_runs(graded):
    result = graded["first"]["bad-infinite-loop"]
    assert result.score == FULL - 4  # only rnn_forward, never defined, loses its tests
    assert result.status == "graded, with problems"
    assert result.problems == [f"cell 10 (rnn_forward) ran longer than the per-cell limit of {CELL_TIMEOUT} s "
                               "and was interrupted"]
    assert result.seconds < CELL_TIMEOUT + 60


@pytest.mark.parametrize("student, problem", [
    ("bad-os-exit", "the kernel stopped (your code exited, crashed, or was killed) in cell 10 (rnn_forward)"),
    ("bad-segfault", "the kernel stopped (your code exited, crashed, or was killed) in cell 10 (rnn_forward)"),
    ("bad-stubborn-loop", f"the kernel did not stop when interrupted at the per-cell limit of {CELL_TIMEOUT} s, "
                          "so it was killed, in cell 10 (rnn_forward)"),
    ("bad-fork-bomb", "the kernel started more than 64 processes in cell 10 (rnn_forward)"),
    ("bad-memory-bomb", "the kernel used more than the memory limit of 1200 MB in cell 10 (rnn_forward)"),
    # The watchdog names the files; a memory cgroup (as root) may kill the kernel first, without the note.
    ("bad-tmp-files", "the kernel used more than the memory limit of 1200 MB* in cell 10 (rnn_forward)"),
])
def test_killed_kernel_keeps_the_points_before_the_crash(graded, student, problem):
    import fnmatch
    result = graded["first"][student]
    assert (result.score, result.status, len(result.problems)) == (STEP_POINTS, "graded, with problems", 1), result
    assert fnmatch.fnmatchcase(result.problems[0], problem.replace("[", "[[]")), result.problems
    assert result.seconds < CELL_TIMEOUT + 60
    cells = nbgrader_cells(autograded_notebook(graded, student))
    assert all(o.output_type != "error" for o in cells["test_rnn_step_forward_values"].outputs)
    errors = [o.evalue for o in cells["test_softmax_values"].outputs if o.output_type == "error"]
    assert errors and "the kernel running your code stopped" in errors[0]


def test_no_sandbox_process_outlives_the_batch(graded):
    import psutil
    leftovers = []
    for process in psutil.process_iter(["cmdline"]):
        if any(str(graded["course"]) in part for part in process.info["cmdline"] or []):
            leftovers.append(process.info["cmdline"][:3])
    assert leftovers == []


# ---- resuming: a second run grades nothing again, a changed submission is regraded -------------

def test_second_run_skips_every_unchanged_submission(graded):
    first, second = graded["first"], graded["second"]
    assert all(r.skipped for r in second.values())
    assert {s: (r.score, r.status, r.flags) for s, r in second.items()} == \
        {s: (r.score, r.status, r.flags) for s, r in first.items()}


def test_changed_submissions_are_regraded_and_the_rest_kept(graded):
    first, third = graded["first"], graded["third"]
    assert sorted(s for s, r in third.items() if not r.skipped) == ["bad-not-json", "solution", "solution-with-extras",
                                                                    "untouched-release"]
    assert third["solution"].score == first["solution"].score == FULL  # the same cells: the same grade
    # the same autograded points, plus what a person entered: 1 of 2 points for test_softmax_values, 1.5 for
    # the free-text answer
    assert first["solution-with-extras"].score == FULL
    assert third["solution-with-extras"].score == FULL - 1 + 1.5
    assert third["untouched-release"].score == FULL  # the new notebook's grade
    assert graded["scores_after_third"] == {s: r.score for s, r in third.items()}


def test_report_names_every_student_and_problem(graded):
    report = graded["report"]  # with every text a student chose made printable (a line break shows as \n)
    for student, result in graded["first"].items():
        assert printable(student) in report
        for problem in result.problems:
            assert printable(problem) in report
