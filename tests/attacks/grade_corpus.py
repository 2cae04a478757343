"""Grade a scratch course with `autograder grade`'s batch; write the results as JSON.

Run as a subprocess by tests/test_attack_corpus.py: under a time limit (a batch that hangs must fail
the test, not stall the suite) and, when the tests run as root, as an ordinary uid. Usage:
    grade_corpus.py COURSE OUT.json UNIT FEEDBACK_STUDENTS MEMORY_MB
(FEEDBACK_STUDENTS: comma-separated ids whose feedback is generated, as an instructor would.)
"""
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from autograder.batch import format_report, grade_assignment
from autograder.course import run_nbgrader


def main(course, out, unit, feedback_students, memory_mb):
    log, started = [], time.monotonic()
    results = grade_assignment(Path(course), unit, jobs=2, progress=log.append,
                               options={"memory_mb": int(memory_mb), "notebook_timeout": 150})
    seconds = time.monotonic() - started
    # Some attacks aim at the feedback an instructor hands back: generate it as the instructor would.
    feedback_errors = []
    for student in filter(None, feedback_students.split(",")):
        try:
            run_nbgrader(course, "generate_feedback", unit, "--student", student, "--force")
        except Exception as error:  # noqa: BLE001 (recorded: the test decides what it means)
            feedback_errors.append(str(error)[-2000:])
    feedback_error = "\n".join(feedback_errors) or None
    Path(out).write_text(json.dumps({"results": [asdict(r) for r in results], "log": log, "seconds": seconds,
                                     "report": format_report(results), "feedback_error": feedback_error}))


if __name__ == "__main__":
    main(*sys.argv[1:])
