"""nbgrader configuration of the course: the repository root is the course directory."""
from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)

# The assignments are the units, one folder each under source/ (rnncourse.UNITS lists them):
# 01_feedforward_vs_recurrent, 02_hidden_state, 03_bptt, 04_gym_workout, 05_architectures,
# 06_gradient_problems. `autograder build` and generate_assignment add them to the gradebook.

# Per-cell limit. The slowest graded cell of a reference solution (unit 06's adding problem, which
# trains an LSTM) takes about 10 s alone and up to about 25 s when two graders share 2 cores;
# 120 s leaves room for a slow grading machine and still stops an infinite loop within two minutes.
c.Execute.timeout = 120

# TensorFlow and Python warnings write to stderr, and nbgrader scores a test cell that wrote to
# stderr as failed. Drop such noise before grading; an error is still an error.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)Warning|WARNING|absl::InitializeLog|^[IWE]\d{4} "

# Every way of autograding computes the verdicts alike: `nbgrader autograde`, the formgrader's
# Autograde button, `autograder grade` and `autograder check` run the students' code in a sandbox
# and the test cells in the referee, outside it (autograder/isolated.py, docs/architecture.md).
from autograder.isolated import use_referee  # noqa: E402

use_referee(c)

# What the grader needs to know about this course (autograder/ itself knows only nbgrader): the helper
# package the notebooks import, which the sandbox gets as a private read-only copy; TensorFlow's
# environment, in the kernel and in the grading process; the seeding function a test calls, which
# seeds the student's kernel too; what clears Keras's state between two students; what to import early.
c.IsolatedExecute.packages = ["rnncourse"]
c.IsolatedExecute.kernel_env = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0",
                                "TF_NUM_INTRAOP_THREADS": "{threads}", "TF_NUM_INTEROP_THREADS": "{threads}"}
c.IsolatedExecute.seed_functions = ["keras.utils.set_random_seed"]
c.IsolatedExecute.reset_functions = ["keras.backend.clear_session"]
# Imported by each grading process as it starts (TensorFlow takes seconds), not in its first submission.
c.IsolatedExecute.preload = ["rnncourse", "tensorflow", "keras"]

# Due dates, one per unit, with a time zone. `autograder grade` writes a unit's due date into the gradebook
# before grading (a unit not listed keeps what the formgrader or `nbgrader db assignment add --duedate` set).
# A submission whose timestamp (nbgrader submit's, or a Blackboard attempt's) is after it is late; nbgrader's
# late-penalty plugin decides the penalty: "none" records the lateness and takes nothing off, "zero" makes a
# late submission's score 0 (c.AssignLatePenalties.plugin_class takes a plugin of your own). Every total
# (`autograder grade`'s table, grades.csv, the formgrader's) is the score after the penalty.
from autograder.deadlines import DueDates  # noqa: E402,F401  (the class these settings configure)

c.DueDates.dates = {
    # "02_hidden_state": "2026-12-15 23:59:00 Europe/London",
}
c.LateSubmissionPlugin.penalty_method = "none"

# grades.csv is nbgrader's export plus a `status` column: "submitted", "late" or "no submission" (a student on
# the roster who handed nothing in; nbgrader writes them as a 0 like any other).
from autograder.export import CsvExportWithStatus  # noqa: E402

c.ExportApp.plugin_class = CsvExportWithStatus

# Graded cells a student deleted are put back from the instructor's version and graded (the
# submission is flagged for a person to look at).
c.OverwriteCells.add_missing_cells = True

# `autograder grade UNIT --zip download.zip` imports an LMS download with nbgrader's zip_collect. Which student
# handed in which file comes from the part of each path the LMS wrote, never from a name the student chose, and
# is matched to the roster (the gradebook's students): Canvas, Moodle and Blackboard layouts, resubmissions and
# copies, the latest file of each student wins, and every file and student is in the report (autograder/lms.py).
from autograder.lms import LmsCollectorPlugin  # noqa: E402

c.ZipCollectApp.collector_plugin = LmsCollectorPlugin

# Feedback shows the autograded notebook, into which autograde put the hidden tests back. Clear
# them again, as generate_assignment does: the student sees each test cell's visible part, its
# score and its output (the failure message), never the hidden tests' code. The referee's
# tracebacks carry only the exception, so no hidden line reaches the output either. What the
# student's own cells printed after the first test (perhaps the hidden tests' inputs, recorded
# when the tests called the student's functions) is replaced with a note (autograder/feedback.py).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from autograder.feedback import HideOutputsAfterFirstTest  # noqa: E402

# Math in feedback and in the formgrader's view of a submission as MathML, which the browser draws offline and
# wherever the feedback file is opened (nbgrader's pages load MathJax from the internet; autograder/mathml.py).
c.HTMLExporter.filters = {"markdown2html": "autograder.mathml.markdown2html"}

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideOutputsAfterFirstTest, CSSHTMLHeaderPreprocessor]
