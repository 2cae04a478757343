"""Due dates from nbgrader_config.py reach the gradebook, and grades.csv says who handed in, late or not at all."""
import csv
from datetime import datetime

import pytest
from nbgrader.api import Gradebook

from autograder.course import make_scratch_course, run_nbgrader
from autograder.deadlines import apply_due_date, describe_lateness

UNIT = "02_hidden_state"
# nbgrader's own API warns while it adds a submission (SQLAlchemy's autoflush): its noise, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Object of type.*not in session")


def test_due_date_and_status_column(tmp_path):
    course = make_scratch_course(tmp_path, [UNIT])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.DueDates.dates = {{{UNIT!r}: '2026-12-15 23:59:00 Europe/Berlin'}}\n")
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    assert apply_due_date(course, UNIT) == "2026-12-15 23:59:00 Europe/Berlin"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment(UNIT).duedate == datetime(2026, 12, 15, 22, 59)  # stored in UTC
        for student in ("alice", "bob", "carol"):
            gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(UNIT, "alice", timestamp=datetime(2026, 12, 15, 20, 0))
        gradebook.update_or_create_submission(UNIT, "bob", timestamp=datetime(2026, 12, 16, 1, 0))
    run_nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert {student: row["status"] for student, row in rows.items()} == {
        "alice": "submitted", "bob": "late", "carol": "no submission"}
    assert rows["carol"]["score"] == "0.0" and rows["carol"]["timestamp"] == ""


def test_a_unit_without_a_configured_due_date_keeps_the_gradebooks(tmp_path):
    course = make_scratch_course(tmp_path, [UNIT])
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    run_nbgrader(course, "db", "assignment", "add", UNIT, "--duedate=2026-12-01 12:00:00 UTC")
    assert apply_due_date(course, UNIT) is None
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment(UNIT).duedate == datetime(2026, 12, 1, 12, 0)


def test_lateness_reads_as_people_say_it():
    assert [describe_lateness(s) for s in (30, 40 * 60, 6.5 * 3600, 2 * 86400 + 3 * 3600 + 59)] == [
        "30 s", "40 min", "6 h 30 min", "2 d 3 h"]
