"""Command line of the course's grading tools: `autograder build`, `check` and `grade`."""
import argparse
import sys

from autograder.batch import REFEREE_MEMORY_MB
from autograder.course import CourseError


def _parser():
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="generate release/ from source/ with nbgrader and verify it")
    build.add_argument("units", nargs="*", help="units to build (default: every unit in source/)")
    build.add_argument("--check", action="store_true",
                       help="do not write; fail if the committed release/ is out of date")
    check = commands.add_parser("check", help="grade a filled-in notebook with all tests, hidden ones too")
    check.add_argument("notebook", help="path to your notebook, e.g. release/02_hidden_state/02_hidden_state.ipynb")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    sandbox = check.add_mutually_exclusive_group()
    sandbox.add_argument("--sandbox", dest="sandbox", action="store_const", const=True,
                         help="run your code under bubblewrap, or stop if it cannot (default: where it can)")
    sandbox.add_argument("--no-sandbox", dest="sandbox", action="store_const", const=False,
                         help="run your code as yourself (the tests still run outside it: same verdicts)")
    grade = commands.add_parser("grade", help="autograde every submission of an assignment into the gradebook, "
                                              "sandboxed and in parallel; write grades.csv")
    grade.add_argument("assignment", help="the unit, e.g. 02_hidden_state")
    grade.add_argument("--course", default=".", help="the nbgrader course folder (default: the current folder)")
    grade.add_argument("--zip", help="an LMS download (a zip of notebooks named <student>_..._<unit>.ipynb) to "
                                     "import with nbgrader zip_collect first")
    grade.add_argument("--jobs", type=int, help="submissions graded at once (default: one per CPU core)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that did not change")
    grade.add_argument("--memory-mb", type=int, help="memory limit of each submission (default 2048)")
    grade.add_argument("--notebook-timeout", type=int, help="wall-time limit of a whole notebook in s (default 900)")
    grade.add_argument("--submission-timeout", type=float,
                       help="wall-time limit of grading one submission in s, after which its grading process is "
                            "killed (default: twice the notebook timeout plus 120)")
    grade.add_argument("--referee-memory-mb", type=int, default=REFEREE_MEMORY_MB,
                       help="resident memory a grading process may hold for the tests (not counting the "
                            f"sandbox) before it is killed (default {REFEREE_MEMORY_MB})")
    grade.add_argument("--grades-csv", default="grades.csv", help="where to export the grades (default grades.csv "
                                                                  "in the course folder)")
    return parser


def _grade(args):
    from pathlib import Path

    from autograder.batch import export_grades, format_report, grade_assignment, import_zip
    course = Path(args.course).resolve()
    if not (course / "nbgrader_config.py").exists():
        raise CourseError(f"{course} is not an nbgrader course folder (no nbgrader_config.py); pass --course")
    if args.zip:
        import_zip(course, args.assignment, args.zip, progress=print)
    options = {key: value for key, value in (("memory_mb", args.memory_mb), ("notebook_timeout", args.notebook_timeout))
               if value is not None}
    results = grade_assignment(course, args.assignment, jobs=args.jobs, force=args.force, options=options,
                               progress=lambda line: print(line, flush=True),
                               submission_timeout=args.submission_timeout, referee_memory_mb=args.referee_memory_mb)
    print()
    print(format_report(results))
    csv_path = export_grades(course, (course / args.grades_csv).resolve())
    print(f"\ngrades of every student and assignment: {csv_path}")
    print("free-text answers wait in formgrader (`make start`, then Nbgrader > Formgrader); "
          "`nbgrader generate_feedback` writes the students' feedback")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            from autograder.build import build
            units = build(args.units or None, check_only=args.check)
            print(("release/ is up to date for: " if args.check else "built and verified release/ for: ")
                  + ", ".join(units))
        elif args.command == "check":
            from autograder.check import as_json, check, format_table
            def announce(unit, sandboxed):
                if not args.json:
                    where = "in a sandbox" if sandboxed else "without a sandbox"
                    print(f"Grading {args.notebook} as unit {unit}, hidden tests included, {where}, as your "
                          "instructor's grader does (under a minute)...", flush=True)
            if args.sandbox:
                from autograder.sandbox import sandbox_problem
                if problem := sandbox_problem():
                    raise CourseError(problem)
            result = check(args.notebook, on_start=announce, sandbox=args.sandbox)
            print(as_json(*result) if args.json else format_table(*result))
        elif args.command == "grade":
            _grade(args)
    except CourseError as error:
        print(f"autograder: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
