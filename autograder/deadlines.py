"""Due dates per assignment, kept in the course's nbgrader_config.py and written into nbgrader's gradebook.

nbgrader keeps an assignment's due date only in the gradebook (`nbgrader db assignment add --duedate`, or
the formgrader), where a course's deadlines are neither reviewed nor versioned with the rest of its
settings. `c.DueDates.dates` keeps them in the configuration; `autograder grade` writes them into the
gradebook before grading, and nbgrader does the rest: its AssignLatePenalties step compares each
submission's timestamp with the due date and asks the late-penalty plugin for the penalty.
"""
from pathlib import Path

from traitlets import Dict, Unicode
from traitlets.config import Configurable
from traitlets.config.loader import PyFileConfigLoader


class DueDates(Configurable):
    dates = Dict(value_trait=Unicode(), help="{assignment: due date with its time zone, e.g. "
                                             "'2026-12-15 23:59:00 Europe/Berlin'}").tag(config=True)


def configured_due_date(course, assignment):
    """The due date nbgrader_config.py gives `assignment` (a string), or None."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return DueDates(config=config).dates.get(assignment)


def apply_due_date(course, assignment):
    """Write the configured due date of `assignment` into the gradebook; return it (None: the gradebook keeps
    whatever a person set there, if anything)."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc
    due = configured_due_date(course, assignment)
    if due is not None:
        with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gradebook:
            gradebook.update_or_create_assignment(assignment, duedate=parse_utc(due))
    return due


def describe_lateness(seconds):
    """'2 d 3 h', '5 h 12 min', '40 min', '30 s' late."""
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days:
        return f"{days} d {hours - 24 * days} h"
    if hours:
        return f"{hours} h {minutes - 60 * hours} min"
    return f"{minutes} min" if minutes else f"{int(seconds)} s"
