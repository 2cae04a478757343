"""Keras as the oracle: what a framework computes, for the visible tests to compare with.

These run in float32, the way Keras layers do by default. Graded NumPy functions must keep
float64 precision, which the hidden tests check, so calling these instead of writing the
function earns nothing.
"""
import numpy as np

import rnncourse  # noqa: F401  (sets TensorFlow's logging environment before the import below)

# isort: split
import keras


def _float32(*arrays):
    return [np.asarray(a, dtype="float32") for a in arrays]


def simple_rnn_step(x, h_prev, Wx, Wh, b, activation="tanh"):
    """One step of `keras.layers.SimpleRNNCell` with the given weights: (N, D), (N, H) -> (N, H)."""
    x, h_prev, Wx, Wh, b = _float32(x, h_prev, Wx, Wh, b)
    cell = keras.layers.SimpleRNNCell(Wh.shape[0], activation=activation)
    cell.build((None, Wx.shape[0]))
    cell.set_weights([Wx, Wh, b])
    output, _ = cell(x, [h_prev])
    return np.asarray(output)


def simple_rnn(x, h0, Wx, Wh, b, activation="tanh"):
    """`keras.layers.SimpleRNN(return_sequences=True)` with the given weights: (N, T, D) -> (N, T, H)."""
    x, h0, Wx, Wh, b = _float32(x, h0, Wx, Wh, b)
    layer = keras.layers.SimpleRNN(Wh.shape[0], activation=activation, return_sequences=True)
    layer.build((None, None, Wx.shape[0]))
    layer.set_weights([Wx, Wh, b])
    return np.asarray(layer(x, initial_state=[h0]))


def softmax(z, axis=-1):
    """`keras.ops.softmax` along `axis`."""
    return np.asarray(keras.ops.softmax(np.asarray(z, dtype="float32"), axis=axis))
