"""Text from submissions (student ids, file names, error messages) made safe to print on one line."""
import unicodedata


def printable(text):
    """`text` with control, format and line-separator characters (and backslashes) shown as escapes.

    A file name or a student id is chosen by a student: a line break in it must not start a forged
    line of the report, nor may a terminal escape or a right-to-left override rewrite what is shown.
    The backslash is escaped too, so that an escape in the output is never the student's own text.
    """
    text = str(text)
    return "".join(_escaped(character) for character in text)


def _escaped(character):
    if character == "\\":
        return "\\\\"
    category = unicodedata.category(character)
    if category[0] != "C" and category not in ("Zl", "Zp"):
        return character
    escaped = repr(character)[1:-1]  # \n, \t, \x1b, \u202e ...
    if escaped == character:  # repr keeps some characters (unassigned, private use) as they are
        code = ord(character)
        escaped = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return escaped
