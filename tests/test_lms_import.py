"""LMS downloads as Canvas, Moodle and Blackboard make them: every file goes to a student on the roster or is
named in the report, the latest file of each student wins, and roster students without a file are reported."""
import io
import os
import time
import zipfile

import nbformat
import pytest

from autograder.batch import import_zip
from autograder.course import make_scratch_course, run_nbgrader

UNIT = "02_hidden_state"
ROSTER = [  # id, first name, last name, LMS user id
    ("alice", "Alice", "Smith", "1001"),
    ("bob", "Bob", "Jones", "1002"),
    ("carol", "Carol", "King", "1003"),
    ("dave", "Dave", "Brown", "1004"),
    ("erin", "Erin", "Wood", "1005"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A scratch course with unit 02 released and the roster in its gradebook, copied by each test."""
    from nbgrader.api import Gradebook
    course = tmp_path_factory.mktemp("template")
    make_scratch_course(course, [UNIT])
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student_id, first, last, lms_id in ROSTER:
            gradebook.update_or_create_student(student_id, first_name=first, last_name=last, lms_user_id=lms_id)
    return course


@pytest.fixture
def course(template, tmp_path):
    import shutil
    return shutil.copytree(template, tmp_path / "course")


def notebook(marker):
    """The release notebook with a marker saying which file it was."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["marker"] = marker
    return nbformat.writes(nb)


def download(path, entries):
    """A zip at `path` of {member name: marker or (marker, zip time)}."""
    with zipfile.ZipFile(path, "w") as zipped:
        for name, content in entries.items():
            marker, date_time = content if isinstance(content, tuple) else (content, (2026, 11, 1, 12, 0, 0))
            body = notebook(marker) if name.endswith(".ipynb") else f"{marker}\n"
            zipped.writestr(zipfile.ZipInfo(name, date_time), body)
    return path


def imported(course, tmp_path, entries, name="download.zip"):
    """Import a download of `entries`; return ({student: marker} under submitted/, the report's lines)."""
    lines = []
    import_zip(course, UNIT, download(tmp_path / name, entries), progress=lines.append)
    return submitted(course), lines


def submitted(course):
    folder = course / "submitted"
    return {student.name: nbformat.read(student / UNIT / f"{UNIT}.ipynb", as_version=4).metadata["marker"]
            for student in sorted(folder.iterdir())} if folder.exists() else {}


def report_line(lines, *words):
    found = [line for line in lines if all(word in line for word in words)]
    assert found, f"no report line with {words}:\n" + "\n".join(lines)
    return found[0]


def test_canvas_download_with_resubmissions_late_work_copies_and_an_odd_name(course, tmp_path):
    students, lines = imported(course, tmp_path, {
        f"smithalice_1001_5001_{UNIT}.ipynb": "alice",
        f"jonesbob_LATE_1002_5002_{UNIT}-2.ipynb": "bob",
        f"kingcarol_1003_5003_Copy of {UNIT} (1).ipynb": "carol",
        "browndave_1004_5004_homework.ipynb": "dave",
        f"stranger_9999_5999_{UNIT}.ipynb": "stranger",
    })
    assert students == {"alice": "alice", "bob": "bob", "carol": "carol", "dave": "dave"}
    assert "marked LATE by Canvas" in report_line(lines, "bob:")
    assert f"taken as {UNIT}.ipynb" in report_line(lines, "dave:", "homework.ipynb")
    assert "1 file(s) matched to nobody" in lines[0]
    report_line(lines, "NOT IMPORTED", "stranger_9999_5999", "stranger, 9999", "no student on the roster")
    report_line(lines, "no submission: erin")


def test_moodle_download_in_folders_and_flat(course, tmp_path):
    students, lines = imported(course, tmp_path, {
        f"Alice Smith_301_assignsubmission_file_/{UNIT}.ipynb": "alice",            # matched by full name
        f"Bob Jones_302_assignsubmission_file_/{UNIT}.ipynb": ("bob old", (2026, 11, 1, 9, 0, 0)),
        f"Bob Jones_302_assignsubmission_file_/{UNIT} (1).ipynb": ("bob new", (2026, 11, 2, 9, 0, 0)),
        f"Carol King_303_assignsubmission_file_{UNIT}.ipynb": "carol",               # without folders
        "Carol King_303_assignsubmission_onlinetext_onlinetext.html": "carol's text",
        f"1004_folder/{UNIT}.ipynb": "a folder named by nobody",
    })
    assert students == {"alice": "alice", "bob": "bob new", "carol": "carol"}
    report_line(lines, "replaced by a later file", f"{UNIT}.ipynb ->", f"{UNIT} (1).ipynb")
    report_line(lines, "not a notebook", "onlinetext.html")
    report_line(lines, "NOT IMPORTED", "1004_folder")
    report_line(lines, "no submission: dave")
    report_line(lines, "no submission: erin")


def test_blackboard_download_takes_the_last_attempt_and_its_time(course, tmp_path):
    students, lines = imported(course, tmp_path, {
        f"Unit 02_alice_attempt_2026-11-02-09-30-00_{UNIT}.ipynb": "alice second",
        f"Unit 02_alice_attempt_2026-11-01-18-00-00_{UNIT}.ipynb": "alice first",
        "Unit 02_alice_attempt_2026-11-02-09-30-00.txt": "Name: Alice Smith",
        "Unit 02_1002_attempt_2026-11-01-10-00-00_my work.ipynb": "bob",  # the LMS user id
    })
    assert students == {"alice": "alice second", "bob": "bob"}
    timestamp = (course / "submitted" / "alice" / UNIT / "timestamp.txt").read_text()
    assert timestamp.startswith("2026-11-02 09:30:00"), timestamp
    report_line(lines, "not a notebook", "attempt_2026-11-02-09-30-00.txt")


def test_a_second_download_replaces_the_first_student_by_student(course, tmp_path):
    first, _ = imported(course, tmp_path, {f"smithalice_1001_5001_{UNIT}.ipynb": "alice 1",
                                           f"jonesbob_1002_5002_{UNIT}.ipynb": "bob 1"}, name="monday.zip")
    assert first == {"alice": "alice 1", "bob": "bob 1"}
    old = tmp_path / "course" / "downloaded" / UNIT / "archive" / "monday.zip"
    os.utime(old, (time.time() - 3600,) * 2)  # downloaded an hour before the next one
    second, lines = imported(course, tmp_path, {f"smithalice_1001_5101_{UNIT}-1.ipynb": "alice 2"},
                             name="tuesday.zip")
    assert second == {"alice": "alice 2", "bob": "bob 1"}
    report_line(lines, "replaced by a later file", "monday", "tuesday")
    # The same download again (same file name) changes nothing and fails nothing.
    again, _ = imported(course, tmp_path, {f"smithalice_1001_5101_{UNIT}-1.ipynb": "alice 2"}, name="tuesday.zip")
    assert again == second


def test_a_name_the_student_chose_never_picks_the_student(course, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zipped:
        zipped.writestr(f"jonesbob_1002_5002_{UNIT}.ipynb", notebook("from carol's zip"))
    students, _ = imported(course, tmp_path, {
        f"Carol King_303_assignsubmission_file_/Unit 02_bob_attempt_2030-01-01-00-00-00_{UNIT}.ipynb": "carol",
    })
    assert students == {"carol": "carol"}
    download_path = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download_path, "w") as zipped:
        zipped.writestr("kingcarol_1003_5003_work.zip", inner.getvalue())  # a zip the student uploaded
    import_zip(course, UNIT, download_path, progress=lambda line: None)
    assert submitted(course) == {"carol": "from carol's zip"}
