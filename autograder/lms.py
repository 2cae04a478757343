"""Which student handed in a file of an LMS download: nbgrader's zip_collect, told by the LMS, not the student.

nbgrader's FileNameCollectorPlugin matches a regular expression against the whole path of each
extracted file, so whatever part the expression reads may be the name the student gave the file:
in a Moodle folder `Full Name_123_assignsubmission_file_/bob_02_hidden_state.ipynb` it read `bob`,
and `.._02_hidden_state.ipynb` made a student id that writes outside submitted/. The student id is
taken here only from the top-level entry under the extracted folder, the one the LMS named:

- Canvas: a file `<login>_<user id>_<submission id>_<the student's file name>`: the first field;
- Moodle: a folder `<full name>_<participant id>_assignsubmission_file_`: the participant id, the
  field before `assignsubmission`, read from the right (a student may choose a full name with
  underscores, so its first field is not the LMS's).

The file_id (which notebook of the unit) still comes from the end of the file's own name.
"""
import os
import re
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin

from autograder.printable import printable

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.@-]*")
FILE_ID = re.compile(r"(?:^|_)(?P<file_id>\d\d_[a-z_]+\.ipynb)$")
MOODLE_FOLDER = re.compile(r".*_(?P<participant>\d+)_assignsubmission_[a-z]+_?")


class LmsCollectorPlugin(FileNameCollectorPlugin):
    """A collector plugin (c.ZipCollectApp.collector_plugin) that reads the student id where the LMS wrote it."""

    def collect(self, submitted_file):
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None
        parts = self._parts_under_extracted(submitted_file)
        if not parts:
            return self._skip(submitted_file, "it is not under the extracted folder")
        file_id = FILE_ID.search(parts[-1])
        if not file_id:
            return self._skip(submitted_file, "its name does not end with a notebook of the course (NN_name.ipynb)")
        student_id = student_id_of(parts[0], is_folder=len(parts) > 1)
        if student_id is None:
            return self._skip(submitted_file, f"the LMS's entry {printable(parts[0])} names no valid student id")
        return {"student_id": student_id, "file_id": file_id["file_id"]}

    def _parts_under_extracted(self, submitted_file):
        """The path's parts below the folder its archive was extracted into (no link followed), or ().

        nbgrader extracts archive/<dirs>/<name>.zip into extracted/<dirs>/<name>/ and copies other
        files to extracted/<dirs>/; the entries the LMS named are the ones just below. nbgrader hands
        the plugin only the absolute path, so the folders are worked out the way its extractor makes
        them, from the app's own paths (_format_collect_path).
        """
        path = os.path.abspath(submitted_file)
        for base in sorted(self._extraction_folders(), key=len, reverse=True):
            if os.path.commonpath([base, path]) == base and path != base:
                return Path(os.path.relpath(path, base)).parts
        return ()

    def _extraction_folders(self):
        app = self.parent
        archive = os.path.abspath(app._format_collect_path(app.archive_directory))
        extracted = os.path.abspath(app._format_collect_path(app.extracted_directory))
        zip_ext = app.extractor_plugin_inst.zip_ext
        folders = {extracted}
        for root, _, files in os.walk(archive):
            target = os.path.normpath(os.path.join(extracted, os.path.relpath(root, archive)))
            folders.add(target)
            for name in files:
                stem, ext = os.path.splitext(name)
                if ext in zip_ext:
                    folders.add(os.path.join(target, stem[:-4] if stem.endswith(".tar") else stem))
        return folders

    def _skip(self, submitted_file, why):
        self.log.warning("Skipped %s: %s", printable(submitted_file), why)
        return None


def student_id_of(top_level_entry, is_folder):
    """The student id in the name of a top-level entry of an LMS download, or None if it has none."""
    if is_folder:
        moodle = MOODLE_FOLDER.fullmatch(top_level_entry)
        candidate = moodle["participant"] if moodle else None
    else:
        candidate = top_level_entry.split("_", 1)[0] if "_" in top_level_entry else None
    return candidate if candidate and STUDENT_ID.fullmatch(candidate) else None
