"""Which student handed in which file of an LMS download, for nbgrader's zip_collect.

nbgrader's FileNameCollectorPlugin matches one regular expression against each extracted file's
whole path, on its own: a name the student chose can pick the student id, a resubmission suffix or
a copy's name is skipped in silence, and two files of one student stop the whole import ("Duplicate
submission file. No timestamps for comparison"). nbgrader has no collector that knows the LMSs'
layouts or decides between files, so this module does both, before nbgrader copies anything:

- the student comes only from the entry the LMS named, the first part of the path under the folder
  the download was extracted into (a name the student gave the file never picks the student):
  - Canvas: `<login>[_LATE]_<user id>_<submission id>_<the student's file name>`;
  - Moodle: a folder (or a file prefix) `<full name>_<participant id>_assignsubmission_<plugin>_`;
  - Blackboard: `<assignment>_<user name>_attempt_<YYYY-MM-DD-HH-MM-SS>[_<the student's file name>]`;
  - any other download: `<student id>_<the student's file name>`;
- with a roster (the gradebook's students), an entry is matched to a student by id, LMS user id or
  full name; without one, the LMS's login, participant id or user name becomes the student id;
- the notebook is the file whose name, without copy and resubmission marks (`Copy of `, ` (1)`,
  Canvas's `-1`, Jupyter's `-Copy1`), ends with a notebook of the unit, or the student's only
  notebook of the download;
- of several files of one student the latest wins: the later download, then the later Blackboard
  attempt, then the higher resubmission number, then the later time stored in the zip.

`plan_import` makes every decision and gives the reasons; the plugin follows it and `import_zip`
(autograder/batch.py) prints it, so no file is skipped without its name in the report.
"""
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Unicode

from autograder.printable import printable

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.@-]*")
CANVAS = re.compile(r"(?P<login>[^_/]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<name>.+)")
MOODLE = re.compile(r"(?P<full_name>.+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<name>.*)")
BLACKBOARD = re.compile(r"(?P<assignment>.+)_(?P<user>[^_]+)_attempt_"
                        r"(?P<time>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<name>.+))?")
PLAIN = re.compile(r"(?P<id>[^_]+)_(?P<name>.+)")
COPY_MARKS = re.compile(r"^(?:copy of )+|(?:[ _-]copy\d*| \(\d+\)|-\d+)+$", re.IGNORECASE)
RESUBMISSION = re.compile(r"-(?P<number>\d+)$")


@dataclass(frozen=True)
class LmsEntry:
    """What the LMS says about one file: who handed it in and when, in its own fields."""
    lms: str                      # "Canvas", "Moodle", "Blackboard" or "plain"
    ids: tuple                    # fields that may be a student's id or LMS user id, most specific last
    full_name: str = ""           # Moodle's full name
    time: str = ""                # Blackboard's attempt time, YYYY-MM-DD-HH-MM-SS
    late: bool = False            # Canvas's LATE mark
    file_name: str = ""           # the name the student gave the file (no path)

    def describe(self):
        named = ", ".join(x for x in (self.full_name, *self.ids) if x)
        return f"{self.lms} entry of {printable(named)}" if named else f"{self.lms} entry"


def parse_entry(parts):
    """The LmsEntry of a file at `parts` under its extraction folder, read from parts[0] only, or None.

    parts[0] is the entry the LMS named. A folder there is a Moodle folder per student, or a zip the
    LMS named that nbgrader unpacked; the names below it are the student's and only say which notebook.
    """
    top, is_folder = parts[0], len(parts) > 1
    for pattern, make in ((BLACKBOARD, _blackboard), (MOODLE, _moodle), (CANVAS, _canvas), (PLAIN, _plain)):
        found = pattern.fullmatch(top)
        if found and not (is_folder and pattern is PLAIN):  # a folder of any name is no student's id
            entry = make(found)
            return LmsEntry(**{**entry.__dict__, "file_name": parts[-1]}) if is_folder else entry
    return None


def _blackboard(found):
    return LmsEntry("Blackboard", (found["user"],), time=found["time"], file_name=found["name"] or "")


def _moodle(found):
    return LmsEntry("Moodle", (found["participant"],), full_name=found["full_name"], file_name=found["name"])


def _canvas(found):
    return LmsEntry("Canvas", (found["login"], found["user"]), late=bool(found["late"]), file_name=found["name"])


def _plain(found):
    return LmsEntry("plain", (found["id"],), file_name=found["name"])


def bare_name(file_name):
    """A file name without its extension and the marks that copies and resubmissions add."""
    return COPY_MARKS.sub("", Path(file_name).stem).strip()


def resubmission_number(file_name):
    """Canvas's resubmission suffix (`name-2.ipynb`: 2), or 0."""
    found = RESUBMISSION.search(Path(file_name).stem)
    return int(found["number"]) if found else 0


def notebook_of(file_name, notebooks):
    """The unit's notebook (a name of `notebooks`) that `file_name` is a copy of, or None."""
    bare = bare_name(file_name).casefold()
    for notebook in notebooks:
        stem = Path(notebook).stem.casefold()
        if bare == stem or bare.endswith(("_" + stem, " " + stem, "-" + stem)):
            return notebook
    return None


@dataclass
class Roster:
    """The course's students as the gradebook knows them (empty: any valid id from the LMS is taken)."""
    students: list = field(default_factory=list)   # dicts with id, first_name, last_name, lms_user_id

    def match(self, entry):
        """(student id, None) or (None, why not)."""
        if not self.students:
            candidate = entry.ids[0]
            if STUDENT_ID.fullmatch(candidate):
                return candidate, None
            return None, f"{printable(candidate)} is not a valid student id"
        for student in self.students:
            if _same_person(student, entry):
                return student["id"], None
        return None, "no student on the roster has this id, LMS user id or name"


def _same_person(student, entry):
    ids = {student["id"].casefold()} | ({str(student["lms_user_id"]).casefold()} if student.get("lms_user_id") else set())
    if any(x.casefold() in ids for x in entry.ids):
        return True
    full_name = " ".join(x for x in (student.get("first_name"), student.get("last_name")) if x)
    return bool(entry.full_name and full_name and entry.full_name.casefold() == full_name.casefold())


@dataclass(frozen=True)
class Candidate:
    path: str                     # the extracted file
    entry: LmsEntry
    notebook: str                 # which notebook of the unit it is
    order: tuple                  # larger is later


@dataclass
class ImportPlan:
    taken: dict = field(default_factory=dict)       # (student, notebook) -> Candidate
    replaced: list = field(default_factory=list)    # (left Candidate, the Candidate taken instead)
    unmatched: list = field(default_factory=list)   # (path, why)
    not_notebooks: list = field(default_factory=list)
    missing: list = field(default_factory=list)     # students on the roster without a notebook

    def info(self, path, timezone="UTC"):
        """What nbgrader's collector returns for `path`: its student and file id, or None."""
        for (student, notebook), candidate in self.taken.items():
            if candidate.path == path:
                info = {"student_id": student, "file_id": notebook}
                if candidate.entry.time:  # the LMS's own submission time: nbgrader writes timestamp.txt
                    info["timestamp"] = f"{_blackboard_time(candidate.entry.time)} {timezone}"
                return info
        return None


def _blackboard_time(time):
    return datetime.strptime(time, "%Y-%m-%d-%H-%M-%S").isoformat(" ")


def plan_import(extracted_folders, notebooks, roster):
    """Decide for every file under `extracted_folders` ({folder: (download order, zip times)}) who handed it in.

    `notebooks` are the unit's release notebooks' names. Returns an ImportPlan.
    """
    plan, candidates = ImportPlan(), []
    for folder, (download_order, zip_times) in sorted(extracted_folders.items(), key=lambda item: len(item[0])):
        nested = [f for f in extracted_folders if f != folder and os.path.commonpath([folder, f]) == folder]
        for path in sorted(_files_under(folder, skip=nested)):
            candidate = _candidate(path, folder, download_order, zip_times, notebooks, roster, plan)
            if candidate:
                candidates.append(candidate)
    _only_notebook_fallback(plan, candidates, notebooks)
    for student, candidate in candidates:
        key = (student, candidate.notebook)
        kept = plan.taken.get(key)
        if kept is None or candidate.order > kept.order:
            if kept:
                plan.replaced.append((kept, candidate))
            plan.taken[key] = candidate
        else:
            plan.replaced.append((candidate, kept))
    handed_in = {student for student, _ in plan.taken}
    plan.missing = sorted(s["id"] for s in roster.students if s["id"] not in handed_in)
    return plan


def _files_under(folder, skip):
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
        yield from (os.path.join(root, name) for name in files)


def _candidate(path, folder, download_order, zip_times, notebooks, roster, plan):
    """(student, Candidate) for one extracted file, or None after noting in `plan` why not."""
    parts = Path(os.path.relpath(path, folder)).parts
    if Path(path).suffix != ".ipynb":
        plan.not_notebooks.append(path)
        return None
    entry = parse_entry(parts)
    if entry is None:
        plan.unmatched.append((path, "its name is not one an LMS gives (<student>_<file name>)"))
        return None
    student, why_not = roster.match(entry)
    if student is None:
        plan.unmatched.append((path, f"{entry.describe()}: {why_not}"))
        return None
    notebook = notebook_of(entry.file_name, notebooks)
    order = (download_order, entry.time, resubmission_number(entry.file_name),
             zip_times.get(os.path.relpath(path, folder), ()), path)
    return student, Candidate(path, entry, notebook or "", order)


def _only_notebook_fallback(plan, candidates, notebooks):
    """A student's notebook named unlike any of the unit's is taken when it is that student's only notebook
    and the unit has one notebook; otherwise it is reported. Updates `candidates` in place."""
    per_student = {}
    for student, candidate in candidates:
        per_student.setdefault(student, []).append(candidate)
    kept = []
    for student, candidate in candidates:
        if candidate.notebook:
            kept.append((student, candidate))
        elif len(notebooks) == 1 and all(not c.notebook for c in per_student[student]):
            kept.append((student, Candidate(candidate.path, candidate.entry, notebooks[0], candidate.order)))
        else:
            plan.unmatched.append((candidate.path, f"{candidate.entry.describe()}: "
                                   f"{printable(candidate.entry.file_name)} is not a notebook of this unit "
                                   f"({', '.join(notebooks)})"))
    candidates[:] = kept


def zip_member_times(archive):
    """{member path: zip time} of a zip archive, or {} if it cannot be read as one."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            return {info.filename.rstrip("/"): info.date_time for info in zipped.infolist() if not info.is_dir()}
    except (OSError, zipfile.BadZipFile):
        return {}


def extraction_folders(archive_folder, extracted_folder, zip_ext=(".zip", ".gz")):
    """{folder under extracted/: (download order, zip member times)}: where nbgrader's extractor put each
    download of `archive_folder` (archive/<dirs>/<name>.zip -> extracted/<dirs>/<name>/, other files to
    extracted/<dirs>/). The download order is the time the download was copied into archive/."""
    archive, extracted = os.path.abspath(archive_folder), os.path.abspath(extracted_folder)
    folders = {extracted: (0.0, {})}
    for root, _, files in os.walk(archive):
        target = os.path.normpath(os.path.join(extracted, os.path.relpath(root, archive)))
        folders.setdefault(target, (0.0, {}))
        for name in files:
            stem, ext = os.path.splitext(name)
            if ext in zip_ext:
                source = os.path.join(root, name)
                folder = os.path.join(target, stem[:-4] if stem.endswith(".tar") else stem)
                folders[folder] = (os.stat(source).st_mtime, zip_member_times(source))
    return folders


def gradebook_roster(db_url):
    """The gradebook's students, as a Roster."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gradebook:
        return Roster([s.to_dict() for s in gradebook.students])


class LmsCollectorPlugin(FileNameCollectorPlugin):
    """A collector plugin (c.ZipCollectApp.collector_plugin) that follows plan_import's decisions."""

    lms_timezone = Unicode("UTC", help="the time zone of the times in Blackboard's file names (the LMS server's), "
                                       "e.g. 'Europe/Berlin'").tag(config=True)
    _plan = None

    def collect(self, submitted_file):
        plan = self._plan or self._make_plan()
        info = plan.info(os.path.abspath(submitted_file), self.lms_timezone)
        if info is None:
            self.log.warning("Skipped %s: %s", printable(submitted_file), self._why(plan, submitted_file))
        return info

    def _make_plan(self):
        app = self.parent
        folders = extraction_folders(app._format_collect_path(app.archive_directory),
                                     app._format_collect_path(app.extracted_directory),
                                     self.parent.extractor_plugin_inst.zip_ext)
        notebooks = release_notebooks(app.coursedir)
        self._plan = plan_import(folders, notebooks, gradebook_roster(app.coursedir.db_url))
        return self._plan

    @staticmethod
    def _why(plan, submitted_file):
        path = os.path.abspath(submitted_file)
        reasons = dict(plan.unmatched)
        if path in reasons:
            return reasons[path]
        if path in plan.not_notebooks:
            return "not a notebook"
        later = [kept for left, kept in plan.replaced if left.path == path]
        return f"a later file of the same student was taken: {printable(later[0].path)}" if later else "not taken"


def release_notebooks(coursedir):
    """The names of the assignment's notebooks: those of release/, or of source/ before it was generated."""
    names = set()
    for folder in (coursedir.release_directory, coursedir.source_directory):
        path = Path(coursedir.format_path(folder, ".", coursedir.assignment_id))
        names.update(p.name for p in path.glob("*.ipynb"))
    return sorted(names)


def describe(plan, relative_to):
    """The import's report, one line per decision: nothing is left out of it in silence."""
    def name(path):
        return printable(os.path.relpath(path, relative_to))
    lines = []
    for (student, notebook), candidate in sorted(plan.taken.items()):
        notes = [f"taken as {notebook}" if Path(candidate.entry.file_name).name != notebook else "",
                 "marked LATE by Canvas" if candidate.entry.late else "",
                 f"attempt of {candidate.entry.time}" if candidate.entry.time else ""]
        notes = "; ".join(n for n in notes if n)
        lines.append(f"  {printable(student)}: {name(candidate.path)}" + (f" ({notes})" if notes else ""))
    lines += [f"  replaced by a later file: {name(left.path)} -> {name(kept.path)}" for left, kept in plan.replaced]
    lines += [f"  NOT IMPORTED, no student: {name(path)}: {why}" for path, why in plan.unmatched]
    lines += [f"  not a notebook, ignored: {name(path)}" for path in plan.not_notebooks]
    lines += [f"  no submission: {printable(student)}" for student in plan.missing]
    return lines


def plan_for_course(course, assignment):
    """The ImportPlan of the download(s) of `assignment` that zip_collect extracted in `course`, with nbgrader's
    configuration of the course (its folders and its gradebook)."""
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    app = ZipCollectApp(config=config, coursedir=coursedir)
    folders = extraction_folders(app._format_collect_path(app.archive_directory),
                                 app._format_collect_path(app.extracted_directory))
    return plan_import(folders, release_notebooks(coursedir), gradebook_roster(coursedir.db_url))
