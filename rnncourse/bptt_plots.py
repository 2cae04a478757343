"""Figures of unit 03, backpropagation through time (introduced in unit 03)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

FORWARD_COLOR = "black"
GRADIENT_COLOR = "tab:red"


def _node(ax, xy, text, color):
    box = FancyBboxPatch((xy[0] - 0.28, xy[1] - 0.17), 0.56, 0.34, boxstyle="round,pad=0.02",
                         facecolor=color, edgecolor="black", linewidth=1)
    ax.add_patch(box)
    ax.text(*xy, text, ha="center", va="center", fontsize=12)


def _arrow(ax, start, end, color, dashed=False, bend=0.0):
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.6, shrinkA=0, shrinkB=0,
                                linestyle="--" if dashed else "-",
                                connectionstyle=f"arc3,rad={bend}"))


def unrolled_graph(T=4, chunk=None, ax=None, title=None):
    """Draw an RNN unrolled over T steps: the forward pass in black, the gradients in red.

    Each column is a time step t: the input x_t, the state h_t and the loss L_t. Black arrows
    carry values forward; dashed red arrows carry gradients back. With `chunk`, the
    gradient arrow between chunks is cut (truncated BPTT) while the state is still carried.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * (T + 1) + 0.6, 4.2))
    boundaries = set(range(chunk, T, chunk)) if chunk else set()
    _node(ax, (-1, 1), "$h_{-1}$", "whitesmoke")
    for t in range(T):
        _node(ax, (t, 0), f"$x_{{{t}}}$", "lightyellow")
        _node(ax, (t, 1), f"$h_{{{t}}}$", "lightblue")
        _node(ax, (t, 2), f"$L_{{{t}}}$", "mistyrose")
        _arrow(ax, (t, 0.17), (t, 0.83), FORWARD_COLOR)                    # x_t -> h_t
        _arrow(ax, (t - 0.12, 1.17), (t - 0.12, 1.83), FORWARD_COLOR)      # h_t -> L_t
        _arrow(ax, (t + 0.12, 1.83), (t + 0.12, 1.17), GRADIENT_COLOR, dashed=True)  # dL_t/dh_t
        _arrow(ax, (t - 0.72, 1.06), (t - 0.28, 1.06), FORWARD_COLOR)      # h_{t-1} -> h_t
        if t in boundaries:
            ax.plot([t - 0.5, t - 0.5], [-0.2, 2.2], color="grey", linestyle=":", linewidth=1.5)
            ax.text(t - 0.5, -0.25, "gradient cut,\nstate carried", ha="center", va="top",
                    fontsize=9, color="dimgrey")
        else:
            _arrow(ax, (t - 0.28, 0.92), (t - 0.72, 0.92), GRADIENT_COLOR, dashed=True)
    ax.text((T - 1) / 2, 2.62, "$L = L_0 + L_1 + \\dots + L_{T-1}$: each $h_t$ reaches $L$ through $L_t$ "
            "and through $h_{t+1}$", ha="center", va="bottom", fontsize=10)
    ax.text((T - 1) / 2, 2.3, "the same $W_{xh}$, $W_{hh}$, $b_h$ act at every step", ha="center",
            va="bottom", fontsize=10, color="dimgrey")
    handles = [Line2D([], [], color=FORWARD_COLOR, lw=1.6, label="forward: values"),
               Line2D([], [], color=GRADIENT_COLOR, lw=1.6, linestyle="--", label="backward: gradients")]
    ax.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False,
              bbox_to_anchor=(0.5, 0.0))
    ax.set(xlim=(-1.5, T - 0.5), ylim=(-1.25 if boundaries else -0.75, 3.0))
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def loss_curve(losses, levels=None, ax=None, title="Training loss", smooth=20):
    """Plot a training loss per update, its running mean over `smooth` updates, and reference levels.

    `levels` maps a label to a loss value drawn as a horizontal line (for example the loss of
    a model that guesses uniformly).
    """
    losses = np.asarray(losses, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    steps = np.arange(1, len(losses) + 1)
    ax.plot(steps, losses, color="tab:blue", alpha=0.35, linewidth=1, label="loss of each update")
    if len(losses) >= smooth > 1:
        running = np.convolve(losses, np.ones(smooth) / smooth, mode="valid")
        ax.plot(steps[smooth - 1:], running, color="tab:blue", linewidth=2,
                label=f"mean of the last {smooth} updates")
    styles = ["--", ":", "-."]
    for i, (label, value) in enumerate((levels or {}).items()):
        ax.axhline(value, color="grey", linestyle=styles[i % len(styles)], linewidth=1.2,
                   label=f"{label} ({value:.2f})")
    ax.set(xlabel="update", ylabel="loss (nats per character)", title=title, ylim=(0, None))
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.62), fontsize="small")
    return ax
