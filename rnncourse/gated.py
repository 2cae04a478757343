"""Gated cells of unit 07, LSTM and GRU from the inside (introduced in unit 07).

- Keras as the oracle for one step of a GRU or an LSTM cell, given its weights, in float32 or float64,
  and `tf.GradientTape`'s gradients of one LSTM step for given upstream gradients of h and c.
- Random inputs of the right shapes, and the parameter counts Keras reports for the three cells.
- The figures of the unit.

Nothing here computes a gate in NumPy or the backward pass of a step: those are the exercises.
"""
import matplotlib.pyplot as plt
import numpy as np

import rnncourse  # noqa: F401  (sets TensorFlow's logging environment before the imports below)

# isort: split
import keras
import tensorflow as tf


def _arrays(dtype, *arrays):
    return [np.asarray(a, dtype=dtype) for a in arrays]


def gru_cell(Wx, Wh, b, dtype="float32", **options):
    """A built `keras.layers.GRUCell` holding the weights Wx (D, 3H), Wh (H, 3H), b (2, 3H) (or (3H,) when
    `reset_after=False` is among the options)."""
    cell = keras.layers.GRUCell(np.shape(Wh)[0], dtype=dtype, **options)
    cell.build((None, np.shape(Wx)[0]))
    cell.set_weights(_arrays(dtype, Wx, Wh, b))
    return cell


def gru_step(x, h_prev, Wx, Wh, b, dtype="float32", **options):
    """One step of `keras.layers.GRUCell` (reset_after=True unless an option says otherwise): h_next (N, H)."""
    x, h_prev = _arrays(dtype, x, h_prev)
    h_next, _ = gru_cell(Wx, Wh, b, dtype, **options)(x, [h_prev])
    return np.asarray(h_next)


def lstm_cell(Wx, Wh, b, dtype="float32", **options):
    """A built `keras.layers.LSTMCell` holding the weights Wx (D, 4H), Wh (H, 4H), b (4H,), gate order i, f, c, o."""
    cell = keras.layers.LSTMCell(np.shape(Wh)[0], dtype=dtype, **options)
    cell.build((None, np.shape(Wx)[0]))
    cell.set_weights(_arrays(dtype, Wx, Wh, b))
    return cell


def lstm_step(x, h_prev, c_prev, Wx, Wh, b, dtype="float32", **options):
    """One step of `keras.layers.LSTMCell` with the given weights: (h_next, c_next), each (N, H)."""
    x, h_prev, c_prev = _arrays(dtype, x, h_prev, c_prev)
    h_next, (_, c_next) = lstm_cell(Wx, Wh, b, dtype, **options)(x, [h_prev, c_prev])
    return np.asarray(h_next), np.asarray(c_next)


def lstm_step_gradients(x, h_prev, c_prev, Wx, Wh, b, dh_next, dc_next, dtype="float32"):
    """tf.GradientTape's gradients of one `keras.layers.LSTMCell` step, for upstream gradients dh_next and dc_next.

    The loss is sum(h_next * dh_next) + sum(c_next * dc_next), whose gradients with respect to h_next and c_next
    are exactly dh_next and dc_next. Returns [dx, dh_prev, dc_prev, dWx, dWh, db] as NumPy arrays.
    """
    cell = lstm_cell(Wx, Wh, b, dtype)
    inputs = [tf.constant(a) for a in _arrays(dtype, x, h_prev, c_prev)]
    dh_next, dc_next = [tf.constant(a) for a in _arrays(dtype, dh_next, dc_next)]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        h_next, (_, c_next) = cell(inputs[0], inputs[1:])
        loss = tf.reduce_sum(h_next * dh_next) + tf.reduce_sum(c_next * dc_next)
    weights = [cell.kernel, cell.recurrent_kernel, cell.bias]
    grads = tape.gradient(loss, inputs + [w.value for w in weights],
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return [np.asarray(g) for g in grads]


def random_gru_inputs(rng, N, D, H, scale=0.5):
    """x (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H), b (2, 3H): normal values, the weights times `scale`."""
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), scale * rng.normal(size=(D, 3 * H)),
            scale * rng.normal(size=(H, 3 * H)), scale * rng.normal(size=(2, 3 * H)))


def random_lstm_inputs(rng, N, D, H, scale=0.5):
    """x (N, D), h_prev (N, H), c_prev (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,)."""
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            scale * rng.normal(size=(D, 4 * H)), scale * rng.normal(size=(H, 4 * H)), scale * rng.normal(size=4 * H))


def swap_blocks(W, first, second, blocks):
    """W with its column blocks `first` and `second` (of `blocks` equal blocks along the last axis) swapped."""
    parts = np.split(np.asarray(W), blocks, axis=-1)
    parts[first], parts[second] = parts[second], parts[first]
    return np.concatenate(parts, axis=-1)


def keras_parameter_counts(D, H):
    """{"SimpleRNN": ..., "GRU": ..., "LSTM": ...}: `count_params()` of each layer with H units on D input features."""
    counts = {}
    for name, layer in (("SimpleRNN", keras.layers.SimpleRNN), ("GRU", keras.layers.GRU), ("LSTM", keras.layers.LSTM)):
        built = layer(H)
        built.build((None, None, D))
        counts[name] = int(built.count_params())
    return counts


def norms_by_distance(curves, title, ylabel, ax=None):
    """Norms against the distance T-1-k on a log scale; `curves` maps a label to T norms, entry k for step k."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8))
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        distance = np.arange(len(norms))[::-1]
        shown = norms > 0  # a log scale cannot show 0
        ax.semilogy(distance[shown], norms[shown], marker=".", markersize=3, linewidth=1.2, label=label)
    ax.axhline(1, color="grey", linewidth=0.6)
    ax.set(xlabel="distance $T-1-k$ (steps back from the last state)", ylabel=ylabel, title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    return ax


def learning_curves(curves, baseline, title, ax=None):
    """Validation MSE against the number of updates for each model; `curves` maps a label to a list of
    (steps, val_mse) runs, one per seed, as `gradient_tasks.fit_adding` returns them."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8))
    for index, (label, runs) in enumerate(curves.items()):
        for run, (steps, errors) in enumerate(runs):
            ax.semilogy(steps, errors, color=f"C{index}", linewidth=1, alpha=0.8, label=label if run == 0 else None)
    ax.axhline(baseline, color="black", linestyle="--", linewidth=1, label="constant prediction, 1/6")
    ax.set(xlabel="updates", ylabel="validation MSE", title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    return ax
