"""The instructor's workflow end to end, with nbgrader's own commands run as people type them.

An instructor releases unit 02 through an nbgrader exchange, two students fetch it and submit
(alice the reference solution, bob two mistakes), the instructor collects, grades with
`autograder grade`, and hands back feedback that the students fetch; then the same unit arrives
as an LMS download instead. Every grade is checked in the gradebook and in grades.csv, and the
feedback is checked to show bob's failure messages but never the code of the hidden tests.

Each student on a JupyterHub is an account of their own, and nbgrader names the student after the
account. These tests run as one account, so the students' commands add `--student=NAME` (nbgrader's
own option) and each person gets a HOME of their own, with the exchange configured in
HOME/.jupyter/nbgrader_config.py as on a shared machine.
"""
import csv
import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import COURSE_ROOT, assignment_notebook, make_scratch_course, nbgrader_cells

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

UNIT = "02_hidden_state"
COURSE_ID = "rnn-course"
BIN = Path(sys.executable).parent
# Points of each test cell of unit 02, and what bob earns: his rnn_step_forward forgets the bias
# (Keras's SimpleRNN layer starts with a zero bias, so that one test passes), his softmax is the
# untouched stub, the rest is right.
POINTS = {"test_rnn_step_forward_shape": 1, "test_rnn_step_forward_values": 2, "test_rnn_forward_shape": 1,
          "test_rnn_forward_values": 2, "test_rnn_forward_reproduces_keras_layer": 1, "test_softmax_values": 2,
          "test_softmax_stable": 1, "test_count_rnn_parameters": 2}
BOB = {**POINTS, "test_rnn_step_forward_values": 0, "test_rnn_forward_values": 0,
       "test_softmax_values": 0, "test_softmax_stable": 0}
MAX_AUTO, MANUAL = sum(POINTS.values()), 2
BOB_MISTAKES = [("rnn_step_forward", "h_prev @ Wh + b)", "h_prev @ Wh)")]
BOB_UNTOUCHED = {"softmax", "parameter_sharing_answer"}
BOB_FAILURES = {  # test cell: what its output in bob's feedback says
    "test_rnn_step_forward_values": "AssertionError: h_next is wrong: the bias b is missing",
    # bob's rnn_forward is right; his step is not, and the test names Exercise 1 as the cause
    "test_rnn_forward_values": "AssertionError: h is exactly what unrolling your rnn_step_forward gives, and "
                               "Exercise 1's rnn_step_forward is wrong",
    "test_softmax_values": "NotImplementedError",
    "test_softmax_stable": "NotImplementedError",
}
ALICE_ANSWER = ("The same weights are applied at every time step, so unrolling copies the computation, not "
                "the parameters. One model therefore reads sequences of any length, and what it learns at "
                "one position applies at every position.")


def start(*command, cwd, home):
    """Start a command as a person would type it in a terminal: their HOME, the course's venv on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "XDG_"))}
    env.update(HOME=str(home), PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    process = subprocess.Popen([str(BIN / command[0]), *map(str, command[1:])], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, " ".join(map(str, command))


def finish(*started):
    """Wait for started commands; fail the test with the output of any that failed."""
    outputs = [(process, command, *process.communicate()) for process, command in started]
    for process, command, stdout, stderr in outputs:
        assert process.returncode == 0, f"`{command}` failed:\n{stdout}\n{stderr}"
    return [stdout for _, _, stdout, _ in outputs]


def run(*command, cwd, home):
    return finish(start(*command, cwd=cwd, home=home))[0]


def run_together(commands):
    """Commands of different people at the same time, as in a class: [(command, cwd, home)]."""
    return finish(*[start(*command, cwd=cwd, home=home) for command, cwd, home in commands])


def strip_solution_markers(source):
    return "\n".join(line for line in source.split("\n") if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def fill_in(path, mistakes=(), untouched=(), answer=ALICE_ANSWER):
    """Do the assignment in the fetched notebook `path`, as a student in Jupyter would.

    Each solution cell gets the reference code of source/ (without its markers), except the cells
    in `untouched`; `mistakes` are (grade_id, right, wrong) replacements in that code.
    """
    solutions = {grade_id: cell for grade_id, cell in nbgrader_cells(nbformat.read(assignment_notebook(UNIT),
                                                                                   as_version=4)).items()
                 if cell.metadata["nbgrader"].get("solution")}
    nb = nbformat.read(path, as_version=4)
    for grade_id, cell in nbgrader_cells(nb).items():
        if grade_id not in solutions or grade_id in untouched:
            continue
        if cell.cell_type == "markdown":
            cell.source = answer
            continue
        cell.source = strip_solution_markers(solutions[grade_id].source)
        for mistake_id, right, wrong in mistakes:
            if mistake_id == grade_id:
                assert right in cell.source, (grade_id, right)
                cell.source = cell.source.replace(right, wrong)
    nbformat.write(nb, path)


def hidden_test_lines():
    """Lines of source/ that appear only between the hidden-test markers."""
    inside, outside = set(), set()
    for cell in nbformat.read(assignment_notebook(UNIT), as_version=4).cells:
        hidden = False
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                hidden = "BEGIN" in line
                continue
            (inside if hidden else outside).add(line.strip())
    lines = {line for line in inside - outside if len(line) >= 12}
    assert "check_count(1, 2, 5)" in lines and len(lines) > 20
    return lines


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def page_text(path):
    """What a student reads in an HTML page (the code is split into highlighting spans in the HTML)."""
    parser = _Text()
    parser.feed(Path(path).read_text())
    return "".join(parser.parts)


def cell_sections(text):
    """The feedback's text from each test cell's header up to the next one, by grade id."""
    chunks = text.split("Grade cell: ")[1:]
    return {chunk.split()[0]: chunk for chunk in chunks}


def gradebook_scores(course):
    """{student: ({test cell: auto score}, code score, max code score, needs manual grade)}."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {}
        for submission in gradebook.assignment_submissions(UNIT):
            cells = {grade.name: grade.auto_score for notebook in submission.notebooks for grade in notebook.grades
                     if grade.cell_type == "code"}
            scores[submission.student.id] = (cells, submission.code_score, submission.max_code_score,
                                             submission.needs_manual_grade)
        return scores


def read_csv(path):
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == UNIT}


def check_grades(course):
    """The gradebook and grades.csv: alice every autograded point, bob what his mistakes leave him."""
    scores = gradebook_scores(course)
    assert set(scores) == {"alice", "bob"}
    assert scores["alice"] == (POINTS, MAX_AUTO, MAX_AUTO, True)  # full marks; the free text waits for a person
    assert scores["bob"][0] == BOB and scores["bob"][1] == sum(BOB.values()) < MAX_AUTO
    rows = read_csv(course / "grades.csv")
    assert float(rows["alice"]["score"]) == MAX_AUTO and float(rows["bob"]["score"]) == sum(BOB.values())
    assert float(rows["alice"]["max_score"]) == float(rows["bob"]["max_score"]) == MAX_AUTO + MANUAL


def check_feedback(path, student):
    """Each test cell's score, bob's failure messages, and not one line of the hidden tests."""
    text = page_text(path)
    everything = html.unescape(re.sub(r"<[^>]*>", "", Path(path).read_text()))  # scripts and styles too
    leaked = sorted(line for line in hidden_test_lines() if line in everything)
    assert leaked == [], f"{student}'s feedback shows hidden tests: {leaked[:3]}"
    sections = cell_sections(text)
    assert set(POINTS) <= set(sections)
    scores = BOB if student == "bob" else POINTS
    for grade_id, points in POINTS.items():
        assert f"Score: {float(scores[grade_id])} / {float(points)}" in sections[grade_id], grade_id
        if student == "bob" and grade_id in BOB_FAILURES:
            assert BOB_FAILURES[grade_id] in sections[grade_id], sections[grade_id]
    if student == "alice":
        # An error's output reads "AssertionError: <message>"; the tests' own code may say `except AssertionError:`.
        assert not re.search(r"(AssertionError|NotImplementedError): \S", text), text
        assert ALICE_ANSWER in text


@pytest.fixture
def people(tmp_path):
    """An exchange everyone may write to, a scratch course, and a HOME for the instructor and each student."""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # as nbgrader's docs set it up: every account writes its submissions there
    homes = {}
    for person in ("instructor", "alice", "bob"):
        home = tmp_path / "home" / person
        (home / ".jupyter").mkdir(parents=True)
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = {COURSE_ID!r}\n")
        homes[person] = home
    course = tmp_path / "course"
    course.mkdir()
    make_scratch_course(course, [UNIT])
    shutil.copytree(COURSE_ROOT / "release" / UNIT, course / "release" / UNIT)  # committed, as in a clone
    return course, exchange, homes


def test_exchange_workflow_grades_and_feedback(people):
    course, exchange, homes = people
    teacher = dict(cwd=course, home=homes["instructor"])

    # The instructor makes the student version (release/ is committed, so --force: nbgrader otherwise skips an
    # existing release and leaves the gradebook without the unit) and releases it to the exchange.
    run("nbgrader", "generate_assignment", UNIT, "--force", **teacher)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert [a.name for a in gradebook.assignments] == [UNIT]
    run("nbgrader", "release_assignment", UNIT, **teacher)
    assert (exchange / COURSE_ID / "outbound" / UNIT / f"{UNIT}.ipynb").exists()

    # Each student fetches it into their own folder, does it, and submits.
    work = {student: homes[student] / "work" for student in ("alice", "bob")}
    for folder in work.values():
        folder.mkdir()
    run_together([(("nbgrader", "fetch_assignment", UNIT, f"--student={student}"), work[student], homes[student])
                  for student in work])
    fill_in(work["alice"] / UNIT / f"{UNIT}.ipynb")  # bob submits the untouched notebook by mistake
    run_together([(("nbgrader", "submit", UNIT, f"--student={student}"), work[student], homes[student])
                  for student in work])
    run("nbgrader", "collect", UNIT, **teacher)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob"]

    # bob does the work and submits again; `collect --update` replaces a submission with a newer one.
    fill_in(work["bob"] / UNIT / f"{UNIT}.ipynb", BOB_MISTAKES, BOB_UNTOUCHED)
    run("nbgrader", "submit", UNIT, "--student=bob", cwd=work["bob"], home=homes["bob"])
    run("nbgrader", "collect", UNIT, **teacher)  # without --update nbgrader keeps the first one
    assert "h_prev @ Wh)" not in (course / "submitted" / "bob" / UNIT / f"{UNIT}.ipynb").read_text()
    run("nbgrader", "collect", "--update", UNIT, **teacher)
    assert "h_prev @ Wh)" in (course / "submitted" / "bob" / UNIT / f"{UNIT}.ipynb").read_text()

    # The instructor grades.
    report = run("autograder", "grade", UNIT, **teacher)
    assert f"alice    {MAX_AUTO}/{MAX_AUTO + MANUAL} + by hand  graded" in report, report
    assert f"bob      {sum(BOB.values())}/{MAX_AUTO + MANUAL}" in report, report
    assert "extra files" not in report and "problems while running" not in report, report
    check_grades(course)

    # Feedback: generated, released to the exchange, fetched by each student.
    run("nbgrader", "generate_feedback", UNIT, **teacher)
    run("nbgrader", "release_feedback", UNIT, **teacher)
    autograded_text = (course / "autograded" / "bob" / UNIT / f"{UNIT}.ipynb").read_text()
    assert "check_count(1, 2, 5)" in autograded_text  # the hidden tests did run at grading
    run_together([(("nbgrader", "fetch_feedback", UNIT, f"--student={student}"), work[student], homes[student])
                  for student in work])
    for student in work:
        fetched = list((work[student] / UNIT / "feedback").glob(f"*/{UNIT}.html"))
        assert len(fetched) == 1, fetched
        assert page_text(fetched[0]) == page_text(course / "feedback" / student / UNIT / f"{UNIT}.html")
        check_feedback(fetched[0], student)

    # nbgrader's own export of every grade, as the instructor runs it at the end (grade wrote one too).
    (course / "grades.csv").unlink()
    run("nbgrader", "export", **teacher)
    check_grades(course)


def test_lms_downloads_are_graded_latest_attempt_and_late_work_too(people, tmp_path):
    """Two Blackboard downloads of unit 02 for a roster of three: alice's second attempt replaces her first,
    bob's only attempt is after the due date (penalty "zero"), carol hands in nothing. One score everywhere."""
    course, _, homes = people
    teacher = dict(cwd=course, home=homes["instructor"])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.DueDates.dates = {{{UNIT!r}: '2026-11-02 12:00:00 UTC'}}\n"
                                           "c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    for student, lms_id in (("alice", "1001"), ("bob", "1002"), ("carol", "1003")):
        run("nbgrader", "db", "student", "add", student, f"--lms-user-id={lms_id}", **teacher)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    first_try, alice, bob = notebooks / "first.ipynb", notebooks / "alice.ipynb", notebooks / "bob.ipynb"
    for path in (first_try, alice, bob):
        path.write_bytes(assignment_notebook(UNIT, "release").read_bytes())
    fill_in(alice)
    fill_in(first_try, BOB_MISTAKES, BOB_UNTOUCHED)
    fill_in(bob, BOB_MISTAKES, BOB_UNTOUCHED)

    def blackboard(name, attempts):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for user, time, notebook in attempts:
                archive.write(notebook, f"Unit 02_{user}_attempt_{time}_{UNIT}.ipynb")
                archive.writestr(f"Unit 02_{user}_attempt_{time}.txt", f"Name: {user}\n")
        return path

    monday = blackboard("monday.zip", [("alice", "2026-11-01-09-00-00", first_try),
                                       ("1002", "2026-11-02-18-30-00", bob)])  # bob's LMS user id, 6.5 h late
    tuesday = blackboard("tuesday.zip", [("alice", "2026-11-02-10-00-00", alice)])
    run("autograder", "grade", UNIT, "--course", course, "--zip", monday, cwd=tmp_path, home=homes["instructor"])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # a person grades alice's free text
        gradebook.find_grade("parameter_sharing_answer", UNIT, UNIT, "alice").manual_score = 1
        gradebook.db.commit()
    report = run("autograder", "grade", UNIT, "--course", course, "--zip", tuesday, cwd=tmp_path,
                 home=homes["instructor"])
    assert "no submission: carol" in report, report
    assert "replaced by a later file" in report and "2026-11-01-09-00-00" in report, report
    # alice's new attempt is graded again; the score a person entered stays (and waits for a second look).
    assert re.search(rf"alice +{MAX_AUTO + 1}/{MAX_AUTO + MANUAL} \+ by hand +graded", report), report
    assert re.search(rf"bob +0/{MAX_AUTO + MANUAL} \(6 h 30 min late, penalty {sum(BOB.values())}\) +graded",
                     report), report
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob"]

    scores = gradebook_scores(course)
    assert scores["alice"] == (POINTS, MAX_AUTO, MAX_AUTO, True)
    assert scores["bob"][0] == BOB
    rows = read_csv(course / "grades.csv")
    assert {student: (row["raw_score"], row["late_submission_penalty"], row["score"], row["status"])
            for student, row in rows.items()} == {
        "alice": (f"{MAX_AUTO + 1:.1f}", "0.0", f"{MAX_AUTO + 1:.1f}", "submitted"),
        "bob": (f"{sum(BOB.values()):.1f}", f"{sum(BOB.values()):.1f}", "0.0", "late"),
        "carol": ("0.0", "0.0", "0.0", "no submission")}

    # Without an exchange, the instructor hands the feedback files back through the LMS.
    run("nbgrader", "generate_feedback", UNIT, **teacher)
    for student in ("alice", "bob"):
        check_feedback(course / "feedback" / student / UNIT / f"{UNIT}.html", student)
