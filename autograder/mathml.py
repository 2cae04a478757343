"""Math in nbgrader's feedback and formgrader pages as MathML, which browsers draw with no script and no network.

nbgrader's feedback and formgrade templates load MathJax from a CDN (nbconvert's `mathjax()` macro,
called without a URL), so offline a student's feedback and the grader's view show raw `$...$`. A
feedback file may be opened from an LMS download, outside any Jupyter server, so serving MathJax from
the installed packages would not reach it either. Instead the markdown filter of nbconvert's
HTMLExporter is replaced (c.HTMLExporter.filters, nbconvert's own hook) by one that renders with
nbconvert's own math-aware markdown parser and turns each formula into MathML with latex2mathml.
A formula latex2mathml cannot read stays as its TeX source, for MathJax to draw when online.
"""
from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath


def tex_to_mathml(tex, display):
    """MathML of `tex` ("inline" or "block"), or None if latex2mathml cannot read it."""
    try:
        return convert(tex, display=display)
    except Exception:  # noqa: BLE001 (latex2mathml raises many kinds of errors on TeX it does not know)
        return None


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with formulas as MathML."""

    def inline_math(self, body):
        return tex_to_mathml(body, "inline") or super().inline_math(body)

    def block_math(self, body):
        return tex_to_mathml(body, "block") or super().block_math(body)

    def latex_environment(self, name, body):
        tex = f"\\begin{{{name}}}{body}\\end{{{name}}}"
        return tex_to_mathml(tex, "block") or super().latex_environment(name, body)


@pass_context
def markdown2html(context, source):
    """The `markdown2html` filter (c.HTMLExporter.filters): HTMLExporter's own, with MathMLRenderer."""
    cell = context.get("cell", {})
    renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}),
                              path=context.get("resources", {}).get("metadata", {}).get("path", ""))
    return MarkdownWithMath(renderer=renderer).render(source)

