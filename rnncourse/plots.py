"""Figures shared by lectures and assignments (introduced in unit 02)."""
import matplotlib.pyplot as plt
import numpy as np

FIGSIZE = (9, 3.6)  # wide enough to read in a JupyterLab notebook column


def hidden_state_over_time(h, sequence=0, ax=None, title="Hidden state over time"):
    """Plot every unit of h[sequence] (h has shape (N, T, H)) against the time step t."""
    h = np.asarray(h)
    if h.ndim != 3:
        raise ValueError(f"h must have shape (N, T, H); got shape {h.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    steps = np.arange(h.shape[1])
    for unit in range(h.shape[2]):
        ax.plot(steps, h[sequence, :, unit], marker="o", markersize=3, label=f"unit {unit}")
    ax.set(xlabel="time step t", ylabel="$h_t$", title=title, ylim=(-1.05, 1.05))
    ax.axhline(0, color="grey", linewidth=0.5)
    if h.shape[2] <= 8:
        ax.legend(loc="upper right", fontsize="small", ncol=min(4, h.shape[2]))
    return ax


def hidden_state_trajectories(h, labels=None, ax=None, title="Hidden-state trajectories"):
    """Draw the path of the first two hidden units of each sequence in h (N, T, H) as a curve.

    Each curve starts at a circle (t = 0) and ends at an arrow head (t = T-1), so one can see
    how the state moves as the sequence is read.
    """
    h = np.asarray(h)
    if h.ndim != 3 or h.shape[2] < 2:
        raise ValueError(f"h must have shape (N, T, H) with H >= 2; got shape {h.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5))
    for n in range(h.shape[0]):
        path = h[n, :, :2]
        label = labels[n] if labels is not None else f"sequence {n}"
        line, = ax.plot(path[:, 0], path[:, 1], marker=".", label=label)
        ax.plot(*path[0], "o", color=line.get_color())
        if len(path) > 1:
            ax.annotate("", xy=path[-1], xytext=path[-2],
                        arrowprops=dict(arrowstyle="->", color=line.get_color(), lw=2))
    ax.set(xlabel="$h_t[0]$", ylabel="$h_t[1]$", title=title, xlim=(-1.05, 1.05), ylim=(-1.05, 1.05))
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")  # off the curves
    return ax
