"""Cell-level differences between two notebooks, as short text for error messages (nbdime)."""
import io
import re

CELL_PATH = re.compile(r"/cells/(\d+)")


def _cell_name(cell):
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if grade_id:
        return f"grade id {grade_id}"
    return f"cell id {cell['id']}" if cell.get("id") else None


def cell_diff(before, after, max_lines=40):
    """nbdime's diff of notebook `before` to `after`: the changed cells, each named, '-' before, '+' after.

    Each '## ... /cells/N...' heading names cell N of `before` by its grade id (or cell id). At most
    `max_lines` lines; a last line says how many more there are. Empty if the notebooks are equal.
    """
    from nbdime import diff_notebooks
    from nbdime.prettyprint import PrettyPrintConfig, pretty_print_diff

    out = io.StringIO()
    # Built-in difflib rendering: no `git diff` subprocess per changed cell, no colours in a message.
    config = PrettyPrintConfig(out=out, use_git=False, use_diff=False, use_color=False)
    pretty_print_diff(before, diff_notebooks(before, after), "", config)

    def named(heading):
        """'## modified /cells/3/source:' -> '## modified /cells/3/source [grade id step]:'."""
        match = CELL_PATH.search(heading)
        index = int(match.group(1)) if match else len(before["cells"])
        label = _cell_name(before["cells"][index]) if index < len(before["cells"]) else None
        return f"{heading.rstrip(':')} [{label}]:" if label else heading

    lines = [named(line) if line.startswith("##") else line for line in out.getvalue().splitlines() if line.strip()]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... and {len(lines) - max_lines} more lines of differences"]
    return "\n".join(lines)
