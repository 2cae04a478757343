"""What `nbgrader generate_feedback` shows a student: nothing their code printed after the tests ran.

The hidden tests call the student's functions with their inputs; a submission can record those
inputs and print them in a cell that runs after the tests, and the feedback would show them (to
this student and to everyone they share it with). Outputs of the student's own cells after the
first test cell are therefore replaced with a note; the test cells keep theirs (the failure
messages come from the referee, which never prints a hidden test's code).
"""
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import cells

HIDDEN_NOTE = "outputs of cells after the first test are not shown in feedback\n"


class HideOutputsAfterFirstTest(NbGraderPreprocessor):
    """Replace the outputs of every code cell after the first test cell, except test cells', with a note.

    Which cells are tests comes from the instructor's notebook (source/), never from the
    submission's metadata: a student can mark any cell of theirs as a graded test.
    """

    def preprocess(self, nb, resources):
        tests = self._instructor_test_ids(resources)
        seen_test, kept = False, set()
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = cells.grade_id(cell)
            if grade_id in tests and grade_id not in kept:  # a test cell: its first copy only
                seen_test = True
                kept.add(grade_id)
            elif seen_test and cell.get("outputs"):
                cell.outputs = [new_output("stream", name="stdout", text=HIDDEN_NOTE)]
        return nb, resources

    def _instructor_test_ids(self, resources):
        from autograder.isolated import instructor_cells  # not at import: nbgrader_config.py imports this module
        coursedir, info = CourseDirectory(config=self.config), resources["nbgrader"]
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
        return {grade_id for grade_id, role, _ in instructor_cells(folder / f"{info['notebook']}.ipynb")
                if role == "test"}
