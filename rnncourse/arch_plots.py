"""Figures of unit 05, architecture types (introduced in unit 05).

The diagrams put the inputs at the bottom (yellow), the recurrent steps in the middle (blue) and the
outputs on top (red); time runs from left to right. A grey arrow from one step to the next carries
the hidden state; a dashed arrow feeds an output back in as the next input.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

INPUT_COLOR, CELL_COLOR, DECODER_COLOR, OUTPUT_COLOR = "lightyellow", "lightblue", "lightsteelblue", "mistyrose"
KINDS = ("one_to_one", "one_to_many", "many_to_one", "many_to_many", "encoder_decoder")
TITLES = {
    "one_to_one": "one-to-one",
    "one_to_many": "one-to-many",
    "many_to_one": "many-to-one",
    "many_to_many": "many-to-many, equal lengths",
    "encoder_decoder": "many-to-many, unequal lengths:\nencoder-decoder",
}
EXAMPLES = {
    "one_to_one": "month name -> number",
    "one_to_many": "a melody from one note",
    "many_to_one": "the sentiment of a review",
    "many_to_many": "a tag for every word",
    "encoder_decoder": "a spelled-out date -> an ISO date",
}
SHAPES = {
    "one_to_one": ("(N, D)", "(N, V)"),
    "one_to_many": ("(N, D)", "(N, T, V)"),
    "many_to_one": ("(N, T, D)", "(N, V)"),
    "many_to_many": ("(N, T, D)", "(N, T, V)"),
    "encoder_decoder": ("(N, T_in, D)", "(N, T_out, V)"),
}
_W, _H = 0.62, 0.38  # box width and height, in steps


def _box(ax, x, y, text, color, dashed=False, fontsize=11):
    ax.add_patch(FancyBboxPatch((x - _W / 2, y - _H / 2), _W, _H, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor="black", linewidth=1,
                                linestyle="--" if dashed else "-"))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="black", dashed=False, bend=0.0, lw=1.4):
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0,
                                linestyle="--" if dashed else "-", connectionstyle=f"arc3,rad={bend}"))


def _column(ax, x, y0, cell_text, cell_color, input_text=None, output_text=None, input_dashed=False):
    """One time step at horizontal position x: an optional input, the cell, an optional output."""
    _box(ax, x, y0 + 1, cell_text, cell_color)
    if input_text is not None:
        _box(ax, x, y0, input_text, INPUT_COLOR, dashed=input_dashed)
        _arrow(ax, (x, y0 + _H / 2 + 0.02), (x, y0 + 1 - _H / 2 - 0.02))
    if output_text is not None:
        _box(ax, x, y0 + 2, output_text, OUTPUT_COLOR)
        _arrow(ax, (x, y0 + 1 + _H / 2 + 0.02), (x, y0 + 2 - _H / 2 - 0.02))


def _state_arrow(ax, x_from, x_to, y, color="dimgrey", label=None):
    _arrow(ax, (x_from + _W / 2 + 0.02, y), (x_to - _W / 2 - 0.02, y), color=color, lw=1.8)
    if label:
        ax.text((x_from + x_to) / 2, y + 0.08, label, ha="center", va="bottom", fontsize=10, color=color)


def _feedback_arrow(ax, x_from, x_to, y0):
    """Dashed: the output of one step, fed back in as the input of the next."""
    _arrow(ax, (x_from + _W / 2, y0 + 2 - 0.05), (x_to - _W / 2, y0 + 0.05), color="tab:red", dashed=True,
           bend=0.25, lw=1.1)


def draw_architecture(ax, kind, origin=(0.0, 0.0), steps=4, in_steps=3, out_steps=3, title=True, shapes=True):
    """Draw one architecture into `ax` with its lower-left time step at `origin`; return its width in steps.

    kind is one of KINDS. `steps` is T for the three kinds with one sequence; `in_steps` and
    `out_steps` are T_in and T_out of the encoder-decoder.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    x0, y0 = origin
    if kind == "one_to_one":
        _column(ax, x0, y0, "$h$", CELL_COLOR, "$x$", "$y$")
        width = 1
    elif kind == "encoder_decoder":
        for t in range(in_steps):
            _column(ax, x0 + t, y0, f"$h_{{{t}}}$", CELL_COLOR, f"$x_{{{t}}}$")
            if t:
                _state_arrow(ax, x0 + t - 1, x0 + t, y0 + 1)
        start = x0 + in_steps + 0.6
        _state_arrow(ax, x0 + in_steps - 1, start, y0 + 1, color="tab:blue", label="$c$")
        for t in range(out_steps):
            previous = "<s>" if t == 0 else f"$y_{{{t - 1}}}$"
            _column(ax, start + t, y0, f"$s_{{{t}}}$", DECODER_COLOR, previous, f"$y_{{{t}}}$", input_dashed=t > 0)
            if t:
                _state_arrow(ax, start + t - 1, start + t, y0 + 1)
                _feedback_arrow(ax, start + t - 1, start + t, y0)
        ax.text(x0 + (in_steps - 1) / 2, y0 + 1.5, "encoder", ha="center", va="bottom", fontsize=10,
                color="dimgrey")
        ax.text(start + (out_steps - 1) / 2, y0 - 0.32, "decoder", ha="center", va="top", fontsize=10,
                color="dimgrey")
        width = in_steps + 0.6 + out_steps
    else:
        for t in range(steps):
            has_input = kind != "one_to_many" or t == 0
            has_output = kind != "many_to_one" or t == steps - 1
            _column(ax, x0 + t, y0, f"$h_{{{t}}}$", CELL_COLOR,
                    (f"$x_{{{t}}}$" if kind != "one_to_many" else "$x$") if has_input
                    else (f"$y_{{{t - 1}}}$" if kind == "one_to_many" else None),
                    f"$y_{{{t}}}$" if has_output else None, input_dashed=not has_input)
            if t:
                _state_arrow(ax, x0 + t - 1, x0 + t, y0 + 1)
                if kind == "one_to_many":
                    _feedback_arrow(ax, x0 + t - 1, x0 + t, y0)
        width = steps
    right = x0 + width - 1
    if shapes:
        source, target = SHAPES[kind]
        if kind == "one_to_one":  # narrow: centre the labels on the column
            ax.text(x0, y0 - 0.32, f"input {source}", ha="center", va="top", fontsize=10)
            ax.text(x0, y0 + 2.32, f"output {target}", ha="center", va="bottom", fontsize=10)
        else:
            ax.text(x0 - _W / 2, y0 - 0.32, f"input {source}", ha="left", va="top", fontsize=10)
            ax.text(right + _W / 2, y0 + 2.32, f"output {target}", ha="right", va="bottom", fontsize=10)
    if title:
        ax.text(x0 - _W / 2, y0 + 2.95, TITLES[kind], ha="left", va="bottom", fontsize=12, fontweight="bold")
        ax.text(x0 - _W / 2, y0 + 2.75, EXAMPLES[kind], ha="left", va="top", fontsize=10, color="dimgrey")
    return width


def architecture_diagram(kind, steps=4, in_steps=3, out_steps=3, ax=None):
    """One architecture in a figure of its own (see draw_architecture)."""
    width = {"one_to_one": 1, "encoder_decoder": in_steps + 0.6 + out_steps}.get(kind, steps)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.2, 1.15 * width + 1.2), 4.3))
    draw_architecture(ax, kind, steps=steps, in_steps=in_steps, out_steps=out_steps)
    lines = 1.2 if kind == "encoder_decoder" else 1.0
    ax.set(xlim=(-0.6, max(width - 0.4, 2.2)), ylim=(-0.75, 3.1 + 0.45 * lines))
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def architecture_overview():
    """All five architectures in one figure: the one-sequence kinds with T = 4, the encoder-decoder with T_in = T_out = 3."""
    fig, ax = plt.subplots(figsize=(12.5, 8.2))
    top = 4.6
    draw_architecture(ax, "one_to_one", origin=(0, top))
    draw_architecture(ax, "one_to_many", origin=(3.0, top))
    draw_architecture(ax, "many_to_one", origin=(8.3, top))
    draw_architecture(ax, "many_to_many", origin=(0, 0))
    draw_architecture(ax, "encoder_decoder", origin=(5.3, 0))
    ax.set(xlim=(-0.6, 12.1), ylim=(-1.1, top + 3.55))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.text(12.1, -1.05, "grey arrows: the hidden state; dashed red: an output fed back in as the next input",
            ha="right", va="bottom", fontsize=9, color="dimgrey")
    return ax


def plot_melodies(melodies, notes, labels=None, ax=None, title="Melodies"):
    """Draw melodies (an (N, T) array of note ids, 1 to len(notes) - 1) as lines, one per melody, with note names."""
    melodies = np.asarray(melodies)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    for n, melody in enumerate(melodies):
        offset = 0.12 * (n - (len(melodies) - 1) / 2)  # so that lines on the same notes stay visible
        ax.plot(np.arange(melody.shape[0]), melody + offset, marker="o", markersize=4,
                label=None if labels is None else labels[n])
    ax.set_yticks(range(1, len(notes)), notes[1:])
    ax.set(xlabel="time step t", ylabel="note", title=title, ylim=(0.5, len(notes) - 0.5))
    ax.grid(axis="y", color="lightgrey", linewidth=0.5)
    if labels is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


def plot_distributions(distributions, names, ax=None, title="Next-token probabilities"):
    """Grouped bars: {label: probabilities over `names`}, e.g. one distribution per temperature."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / len(distributions)
    for i, (label, probs) in enumerate(distributions.items()):
        xs = np.arange(len(names)) + (i - (len(distributions) - 1) / 2) * width
        ax.bar(xs, np.asarray(probs), width, label=label)
    ax.set_xticks(range(len(names)), names)
    ax.set(ylabel="probability", ylim=(0, 1.05), title=title)
    ax.legend(loc="upper right", fontsize="small")
    return ax
