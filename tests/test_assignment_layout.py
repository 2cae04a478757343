"""Every assignment follows the layout of the course spec: each exercise is a prompt with its points, a solution
cell, a cell where students try their code, and locked test cells whose first line says what they check; the
prompt states every precision its tests demand (course spec, "Conventions"; issue 14)."""
import ast
import math
import re

import nbformat
import pytest

from autograder.cells import is_free_text, points, role
from autograder.course import assignment_notebook
from conftest import UNITS

POINTS_IN_TITLE = re.compile(r"^##+ .*\((\d+) points?\b[^)]*\)", re.MULTILINE)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def exercises(unit):
    """[(prompt cell, [the cells up to the next prompt])] of a unit's source notebook."""
    cells = nbformat.read(assignment_notebook(unit), as_version=4).cells
    found = []
    for cell in cells:
        if cell.cell_type == "markdown" and POINTS_IN_TITLE.search(cell.source) and nbgrader(cell).get("locked"):
            found.append((cell, []))
        elif found:
            found[-1][1].append(cell)
    return found


def is_test(cell):
    return role(cell) == "test"


def is_free_cell(cell):
    """An unlocked code cell that nbgrader neither grades nor overwrites: students may type anything there."""
    return role(cell) == "student" and not nbgrader(cell)


@pytest.mark.parametrize("unit", UNITS)
def test_every_exercise_has_its_parts_in_order(unit):
    problems = []
    for prompt, cells in exercises(unit):
        title = prompt.source.splitlines()[0]
        tests = [c for c in cells if is_test(c)]
        by_hand = [c for c in cells if is_free_text(c)]
        stated = int(POINTS_IN_TITLE.search(prompt.source).group(1))
        given = sum(points(c) for c in tests + by_hand)
        if stated != given:
            problems.append(f"{title}: the title says {stated} points, its graded cells give {given}")
        solutions = [i for i, c in enumerate(cells) if role(c) == "student" and nbgrader(c).get("solution")]
        for index in solutions:
            following = cells[index + 1:]
            before_tests = following[:next((i for i, c in enumerate(following) if is_test(c)), len(following))]
            if tests and not any(is_free_cell(c) for c in before_tests):
                problems.append(f"{title}: no cell to try the code between {nbgrader(cells[index])['grade_id']} "
                                f"and its tests")
        if not (solutions or by_hand):
            problems.append(f"{title}: no place for the answer (a solution cell or a hand-graded answer)")
    assert exercises(unit), f"{unit}: no exercise prompt with its points found"
    assert problems == [], problems


@pytest.mark.parametrize("unit", UNITS)
def test_every_test_cell_says_first_what_it_checks(unit):
    silent = []
    for _, cells in exercises(unit):
        for cell in filter(is_test, cells):
            body = ast.parse(cell.source).body
            if not (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                silent.append(nbgrader(cell)["grade_id"])
    assert silent == [], f"{unit}: test cells without a first-line docstring: {silent}"


def tolerances(source):
    """The precisions a cell's code writes out as numbers: each rtol, and an atol that stands alone (no rtol, or
    rtol=0). An atol next to an rtol only loosens np.allclose (|a - b| <= atol + rtol |b|), so the rtol is the
    precision demanded."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            given = {k.arg: _number(k.value) for k in node.keywords if k.arg in ("rtol", "atol")}
            if given.get("rtol"):
                found.add(given["rtol"])
            elif given.get("atol"):
                found.add(given["atol"])
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            names = [a.arg for a in node.args.args[len(node.args.args) - len(node.args.defaults):]]
            for name, default in zip(names, node.args.defaults):
                if name == "rtol" and _number(default):
                    found.add(_number(default))
    return found


def _number(node):
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def written_forms(value):
    """The ways a prompt may write a tolerance: 1e-10, 10^{-10}, 10^-10, 0.001, 1e-3."""
    exponent = round(math.log10(value))
    if 10.0 ** exponent != value:
        return {repr(value), f"{value:g}"}
    return {f"1e{exponent}", f"1e{exponent:03d}", f"10^{{{exponent}}}", f"10^{exponent}", f"{value:g}",
            f"{value:f}".rstrip("0")}


@pytest.mark.parametrize("unit", UNITS)
def test_every_precision_a_test_demands_is_in_its_prompt(unit):
    """A tolerance a test cell writes out (rtol=1e-10, atol=1e-6) appears in the exercise's prompt, so that the
    student knows the precision the hidden tests demand. Tolerances of the course's checks left at their default
    are the prompt's business too, but invisible here: this test sees only numbers written in the cell."""
    missing = []
    for prompt, cells in exercises(unit):
        text = prompt.source.replace(" ", "").replace("\\,", "")
        for cell in filter(is_test, cells):
            for value in tolerances(cell.source):
                if value > 0 and not any(form in text for form in written_forms(value)):
                    missing.append(f"{nbgrader(cell)['grade_id']}: {value:g}")
    assert missing == [], f"{unit}: tolerances that the prompt does not state: {sorted(set(missing))}"
