"""Figures of unit 06, gradient problems (introduced in unit 06)."""
import matplotlib.pyplot as plt
import numpy as np

FIGSIZE = (9, 3.8)


def norms_by_distance(curves, references=None, paired=False, ax=None, title="How much gradient reaches step k",
                      ylabel=r"$\| \partial h_{T-1} / \partial h_k \|_2$"):
    """Plot Jacobian norms against the distance T-1-k, on a log scale.

    `curves` maps a label to an array of T norms whose entry k belongs to step k (so entry T-1,
    distance 0, is usually 1); `references` does the same for curves drawn as dashed lines
    (bounds, exact values), black, or with `paired=True` in the colour of the curve at the same
    position. Non-positive values are left out: a log scale cannot show them.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    colors = []
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        distance = np.arange(len(norms))[::-1]
        shown = norms > 0
        line, = ax.semilogy(distance[shown], norms[shown], marker=".", markersize=4, linewidth=1.2, label=label)
        colors.append(line.get_color())
    for index, (label, norms) in enumerate((references or {}).items()):
        norms = np.asarray(norms, dtype=float)
        distance = np.arange(len(norms))[::-1]
        color = colors[index] if paired and index < len(colors) else "black"
        ax.semilogy(distance, norms, "--", color=color, linewidth=1, alpha=0.8, label=label)
    ax.axhline(1, color="grey", linewidth=0.6)
    ax.set(xlabel="distance $T-1-k$ (steps back from the last state)", ylabel=ylabel, title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    return ax


def clipping_runs(runs, threshold=None, title="Training a ReLU RNN whose recurrent weights start at 1.1 I"):
    """Two panels: the loss and the global gradient norm of each run, against the update, on log scales.

    `runs` maps a label to (losses, norms) as returned by gradient_tasks.train_relu_rnn. A run that
    ended with a loss that is not finite gets a cross at its last update. `threshold`, if given,
    is drawn as a horizontal line on the norm panel.
    """
    fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(11, 3.8))
    for label, (losses, norms) in runs.items():
        losses, norms = np.asarray(losses, dtype=float), np.asarray(norms, dtype=float)
        steps = np.arange(len(losses))
        finite = np.isfinite(losses)
        line, = ax_loss.semilogy(steps[finite], losses[finite], linewidth=1, label=label)
        ax_norm.semilogy(steps[np.isfinite(norms)], norms[np.isfinite(norms)], linewidth=1,
                         color=line.get_color(), label=label)
        if not finite.all():
            bad = int(np.flatnonzero(~finite)[0])  # losses[bad] is the loss after `bad` updates
            ax_loss.plot(bad, losses[finite][-1] if finite.any() else 1.0, "x", color=line.get_color(), markersize=10,
                         mew=2, label=f"{label}: loss {losses[bad]:g} after {bad} update{'s' * (bad != 1)}")
    if threshold is not None:
        ax_norm.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
    ax_loss.axhline(1, color="grey", linestyle=":", linewidth=1, label="predicting 0 (MSE 1)")
    ax_loss.set(xlabel="update", ylabel="training loss (MSE)", title="Loss")
    ax_norm.set(xlabel="update", ylabel="global norm of the gradients", title="Gradient norm before clipping")
    ax_loss.legend(fontsize="small")
    ax_norm.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def learning_curves(histories, levels=None, ax=None, title="The adding problem"):
    """Validation MSE against the number of updates for each model, with horizontal reference levels.

    `histories` maps a label to (steps, mse) as returned by gradient_tasks.fit_adding;
    `levels` maps a label to a value drawn as a dotted line (the constant predictor's 1/6, say).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    for label, (steps, errors) in histories.items():
        ax.semilogy(steps, errors, marker="o", markersize=3, label=label)
    for (label, value), style in zip((levels or {}).items(), (":", "-.", "--")):
        ax.axhline(value, color="black", linestyle=style, linewidth=1, label=label)
    ax.set(xlabel="updates (batches of 64 sequences)", ylabel="validation MSE", title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    return ax
