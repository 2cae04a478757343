"""Grade several known mistakes in one notebook when they cannot affect each other's tests.

Every graded submission reruns the whole notebook, so grading each mistake alone costs one
notebook run per mistake. Two mistakes can share a run when neither one's solution cell can
reach the tests the other must fail. Reachability is worked out from the names each cell
defines and reads (see `solution_cells_reaching`), erring towards more dependencies, so packing
never lets one mistake's failures stand in for another's.
"""
import ast
import copy

import nbformat


def _stored(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _loaded(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _function_globals(function):
    """Names a function reads that are not parameters or locals of it or of functions inside it."""
    own = _stored(function) | {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
    own |= {n.name for n in ast.walk(function)
            if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.ExceptHandler)) and n.name}
    return _loaded(function) - own


class _TopLevel(ast.NodeVisitor):
    """Visits a cell's top-level code in evaluation order: which names it reads before defining."""

    def __init__(self):
        self.defined, self.reads, self.function_reads = set(), set(), set()

    def _read(self, name):
        if name not in self.defined:
            self.reads.add(name)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self._read(node.id)
        else:
            self.defined.add(node.id)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self._read(node.target.id)
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node):
        self.visit(node.iter)
        self.visit(node.target)
        for statement in node.body + node.orelse:
            self.visit(statement)

    def _comprehension(self, node, *results):
        saved = set(self.defined)  # comprehension variables do not leak in Python 3
        for generator in node.generators:
            self.visit(generator.iter)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for result in results:
            self.visit(result)
        self.defined = saved

    def visit_ListComp(self, node):
        self._comprehension(node, node.elt)

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, node.key, node.value)

    def visit_Lambda(self, node):
        self.reads |= _function_globals(node) - self.defined

    def visit_FunctionDef(self, node):
        for expression in node.decorator_list + node.args.defaults + node.args.kw_defaults:
            if expression is not None:
                self.visit(expression)
        self.function_reads |= _function_globals(node)
        self.defined.add(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.function_reads |= _loaded(node)
        self.defined.add(node.name)

    def visit_ExceptHandler(self, node):
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.defined.add(node.name)
        for statement in node.body:
            self.visit(statement)

    def visit_Import(self, node):
        self.defined |= {alias.asname or alias.name.split(".")[0] for alias in node.names}

    visit_ImportFrom = visit_Import


def _analyse(source):
    """(names the cell defines at top level, names its top-level code reads before defining them,
    global names read inside the functions it defines); None if it cannot be parsed."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    visitor = _TopLevel()
    for statement in tree.body:
        visitor.visit(statement)
    return visitor.defined, visitor.reads, visitor.function_reads


def _dependencies(nb):
    """(code cells, reachable(index) -> indices of the code cells whose effects that cell can see).

    A top-level read of a name depends on the last earlier cell that defined it; a read inside a
    function body depends on every cell that defines the name (the call may come later).
    """
    cells = [c for c in nb.cells if c.cell_type == "code"]
    facts = [_analyse(c.source) for c in cells]
    everything = set(range(len(cells)))

    def definers(name, before=None):
        found = [i for i, f in enumerate(facts) if f and name in f[0] and (before is None or i < before)]
        return set(found if before is None else found[-1:])

    def depends_on(index):
        if facts[index] is None:
            return everything
        _, top_reads, function_reads = facts[index]
        return (set().union(*(definers(n, before=index) for n in top_reads))
                | set().union(*(definers(n) for n in function_reads)))

    def reachable(start):
        seen, todo = {start}, [start]
        while todo:
            for other in depends_on(todo.pop()) - seen:
                seen.add(other)
                todo.append(other)
        return seen
    return cells, reachable


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solution_cells_reaching(nb):
    """{grade id of a test cell: grade ids of the solution cells whose code it can reach}."""
    cells, reachable = _dependencies(nb)
    solutions = {i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("solution")}
    return {_grade_id(c): {_grade_id(cells[s]) for s in reachable(i) & solutions}
            for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade")}


def _independent(group, nb):
    """True if, with every mistake of `group` in the notebook, no mistake's tests reach another's cell."""
    variant = copy.deepcopy(nb)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in variant.cells}
    for mistake in group:
        cells[mistake.solution_cell].source = mistake.source
    reaches = solution_cells_reaching(variant)
    return all(other.solution_cell not in reaches[test]
               for mistake in group for test in mistake.loses
               for other in group if other is not mistake)


def pack(mistakes, source_path):
    """Split mistakes into groups, each graded as one notebook, whose members cannot interfere."""
    nb = nbformat.read(source_path, as_version=4)
    groups = []
    for mistake in mistakes:
        for group in groups:
            if all(m.solution_cell != mistake.solution_cell for m in group) and _independent(group + [mistake], nb):
                group.append(mistake)
                break
        else:
            groups.append([mistake])
    return groups
