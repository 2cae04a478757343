"""Every lecture notebook runs top to bottom without errors and writes nothing to stderr, and hands out
no graded function: lectures teach, assignments assess."""
import ast
import builtins
import io
import keyword
import textwrap
import tokenize

import nbformat
import pytest

from autograder.course import COURSE_ROOT, assignment_notebook, source_units
from conftest import LECTURES, execute, stderr_outputs


def test_there_is_a_lecture_for_every_assignment():
    from conftest import UNITS
    assert {p.stem for p in LECTURES} >= set(UNITS)


def code_cells(path):
    """(index, parsed source) of every code cell of a notebook."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            try:
                yield index, cell, ast.parse(cell.source)
            except SyntaxError as error:
                pytest.fail(f"{path.relative_to(COURSE_ROOT)}, cell {index}: not Python ({error})")


def graded_functions():
    """{name: unit} of every graded function: the top-level functions of the assignments' solution cells."""
    graded = {}
    for unit in source_units():
        path = assignment_notebook(unit)
        for _, cell, tree in code_cells(path):
            if cell.metadata.get("nbgrader", {}).get("solution"):
                graded.update({node.name: unit for node in tree.body
                               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))})
    return graded


def defined_functions(tree):
    """Names bound to a function anywhere in a cell: `def NAME`, and `NAME = lambda` (also in a tuple)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                pairs = ([(target, node.value)] if not isinstance(target, ast.Tuple) else
                         zip(target.elts, node.value.elts) if isinstance(node.value, ast.Tuple) else [])
                for name, value in pairs:
                    if isinstance(name, ast.Name) and isinstance(value, ast.Lambda):
                        yield name.id


def test_graded_functions_are_found():
    """The collector below sees every unit's graded functions (else the next test would pass vacuously)."""
    graded = graded_functions()
    assert set(graded.values()) == set(source_units()), "some unit has no solution cell with a function"
    assert {"rnn_step_forward", "rnn_backward", "numerical_gradient"} <= set(graded)


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_defines_no_graded_function(lecture):
    """A lecture never defines a function that an assignment grades (course spec, "What a lecture may show")."""
    graded = graded_functions()
    found = [f"cell {index} defines {name}, graded in {graded[name]}"
             for index, _, tree in code_cells(lecture) for name in defined_functions(tree) if name in graded]
    assert not found, (f"{lecture.relative_to(COURSE_ROOT)} hands out graded solutions: " + "; ".join(found)
                       + ". Show the mathematics and a framework's result instead (Keras layers, tf.GradientTape).")


@pytest.mark.slow
@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_runs_cleanly(lecture):
    nb = execute(lecture)
    assert stderr_outputs(nb) == []
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, "a lecture shows at least one figure"


# A lecture also must not hold most of a solution's lines under other names: a student would copy them and
# rename. Lines are compared as token sequences with every variable name replaced by "_" (attribute names,
# called functions and keyword arguments are kept, they say what a line does); short lines such as
# `return h, cache` or `for t in range(T):` say nothing about a solution and are left out.
MIN_TOKENS = 8


def solution_code(source):
    """The lines between nbgrader's BEGIN and END SOLUTION markers of a cell, dedented."""
    kept, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line or "### END SOLUTION" in line:
            inside = "BEGIN" in line
        elif inside:
            kept.append(line)
    return textwrap.dedent("\n".join(kept))


def line_shapes(source):
    """Each logical line of code as its tokens, variable names replaced by "_"; docstrings and comments dropped."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    lines, line, depth = [], [], 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.NEWLINE:
            if line:
                lines.append(tuple(line))
            line = []
            continue
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if token.type == tokenize.STRING and not line:
            continue  # a docstring
        depth += token.string in "([{" and token.type == tokenize.OP
        depth -= token.string in ")]}" and token.type == tokenize.OP
        line.append(_shape_of(token, tokens[index - 1] if index else None, _next_code(tokens, index), depth))
    return [shape for shape in lines if len(shape) >= MIN_TOKENS]


def _next_code(tokens, index):
    for token in tokens[index + 1:]:
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            return token
    return None


def _shape_of(token, before, after, depth):
    if token.type != tokenize.NAME or keyword.iskeyword(token.string) or hasattr(builtins, token.string):
        return token.string
    follows_dot = before is not None and before.string == "."
    called_or_used = after is not None and after.string in ("(", ".")
    keyword_argument = depth > 0 and after is not None and after.string == "="
    return token.string if follows_dot or called_or_used or keyword_argument else "_"


def lecture_line_shapes(path):
    return {shape for _, cell, _ in code_cells(path) for shape in line_shapes(cell.source)}


def solutions():
    """(unit, grade id, line shapes) of every solution cell with code worth comparing."""
    for unit in source_units():
        for _, cell, _ in code_cells(assignment_notebook(unit)):
            shapes = line_shapes(solution_code(cell.source))
            if cell.metadata.get("nbgrader", {}).get("solution") and shapes:
                yield unit, cell.metadata["nbgrader"]["grade_id"], shapes


def test_line_shapes_see_through_renaming():
    """The comparison below matches a renamed copy and not a different computation."""
    solution = line_shapes("h_next = np.tanh(x @ Wx + h_prev @ Wh + b)\ncache = (x, h_prev, Wx, Wh, h_next)")
    assert line_shapes("h_t = np.tanh(x_t @ W_xh + h @ W_hh + b_h)  # one step")[0] == solution[0]
    assert line_shapes("h_t = np.tanh(W @ h + U @ x_t + b)")[0] == solution[0]  # same shape: both are a step
    assert line_shapes("h_t = np.maximum(0, x_t @ W_xh + h @ W_hh + b_h)")[0] != solution[0]
    assert line_shapes("model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss='mse')")[0] \
        != line_shapes("model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss='mae')")[0]


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_holds_no_solution_lines(lecture):
    """No lecture holds most (more than half) of a solution cell's lines, even renamed (course spec, "What a lecture
    may show")."""
    in_lecture = lecture_line_shapes(lecture)
    found = []
    for unit, grade_id, shapes in solutions():
        shared = [shape for shape in shapes if shape in in_lecture]
        if 2 * len(shared) > len(shapes):
            found.append(f"{len(shared)} of the {len(shapes)} lines of {unit}'s {grade_id}: "
                         + " | ".join(" ".join(shape) for shape in shared))
    assert not found, (f"{lecture.relative_to(COURSE_ROOT)} holds most of a graded solution: " + "; ".join(found)
                       + ". Show the mathematics, worked numbers or a framework's result instead.")
