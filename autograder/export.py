"""nbgrader's CSV export with one more column, `status`: whether and when each student handed in.

nbgrader writes a student without a submission as a score of 0 with an empty timestamp, which reads
the same as a submission graded 0 that carried no time (an LMS download has none). The `status`
column says which it is: "no submission", "late" (after the due date; `late_submission_penalty` is
already taken off `score`) or "submitted". Everything else is nbgrader's own export, unchanged.
"""
import csv
import os

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin


class CsvExportWithStatus(CsvExportPlugin):
    """c.ExportApp.plugin_class: nbgrader's CsvExportPlugin, then a `status` column added to its file, which
    only its owner may read (nbgrader creates it readable by every account of the machine)."""

    def export(self, gradebook):
        super().export(gradebook)
        path = self.to or "grades.csv"
        os.chmod(path, 0o600)
        with open(path, newline="") as file:
            rows = list(csv.DictReader(file))
        if not rows:  # no assignment or no student yet: nbgrader's header alone
            return
        with open(path, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=[*rows[0], "status"], lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "status": submission_status(gradebook, row["assignment"], row["student_id"])})


def submission_status(gradebook, assignment, student):
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return "no submission"
    return "late" if (submission.total_seconds_late or 0) > 0 else "submitted"
