"""Command line of the course's grading tools: `autograder build` and `autograder check`."""
import argparse
import sys

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
    return parser


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
            def announce(unit):
                if not args.json:
                    print(f"Grading {args.notebook} as unit {unit}, hidden tests included "
                          "(under a minute)...", flush=True)
            result = check(args.notebook, on_start=announce)
            print(as_json(*result) if args.json else format_table(*result))
    except CourseError as error:
        print(f"autograder: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
