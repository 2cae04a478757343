"""Tasks and training loops of unit 06, gradient problems (introduced in unit 06).

- The adding problem, on which a SimpleRNN stays at the constant predictor's error and an
  LSTM or a GRU learns, and a loop that trains a Keras model on it.
- A ReLU RNN whose recurrent weights start as `gain` times the identity, trained with plain
  gradient descent on a running sum: with a gain above 1 its gradients explode.

Nothing here clips a gradient, computes a Jacobian or steps an LSTM: those are the exercises.
The ReLU RNN's training loop takes the clipping as a function argument.
"""
import numpy as np

import rnncourse  # noqa: F401  (sets TensorFlow's logging environment before the imports below)

# isort: split
import keras
import tensorflow as tf

BASELINE_MSE = 1 / 6
"""Mean squared error of always predicting 1 on the adding problem: the variance of a sum of two U(0, 1) values."""


def adding_problem(n, T, seed=0):
    """The adding problem (Hochreiter and Schmidhuber, 1997): n sequences of length T.

    Returns x of shape (n, T, 2), float32, and y of shape (n, 1). Channel 0 holds values drawn
    uniformly from [0, 1); channel 1 is a marker, 1 at exactly two steps and 0 elsewhere: one in
    the first half of the sequence, one in the second half. The target is the sum of the two
    marked values, so the first of them must be remembered for up to T - 1 steps.
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(n, T))
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, rng.integers(0, T // 2, size=n)] = 1
    markers[rows, rng.integers(T // 2, T, size=n)] = 1
    x = np.stack([values, markers], axis=-1).astype("float32")
    y = (values * markers).sum(axis=1, keepdims=True).astype("float32")
    return x, y


def long_memory_bias(units, max_delay, seed=0):
    """An LSTM bias, shape (4 * units,), in Keras's gate order i, f, c, o, for memories of up to max_delay steps.

    The "chrono" initialisation of Tallec and Ollivier (2018): forget-gate biases log(u) with u
    drawn uniformly from [1, max_delay - 1], input-gate biases their negatives, the other biases 0.
    A forget gate sigmoid(log u) = u / (1 + u) lets a fraction 1 / (1 + u) of the cell leak away per
    step, so the cell forgets on a time scale of about u steps, instead of the 1 / (1 - sigmoid(1)),
    about 3.7 steps, of Keras's default forget bias of 1.
    Pass it as `keras.layers.LSTM(units, unit_forget_bias=False, bias_initializer=keras.initializers.Constant(bias))`.
    """
    log_u = np.log(np.random.default_rng(seed).uniform(1, max_delay - 1, size=units))
    return np.concatenate([-log_u, log_u, np.zeros(2 * units)]).astype("float32")


def mse(model, x, y):
    """Mean squared error of a Keras model on (x, y), computed with model(x, training=False)."""
    return float(np.mean((np.asarray(model(x, training=False), dtype=float) - y) ** 2))


class _Monitor(keras.callbacks.Callback):
    """Scores the model on validation data every `every` updates; stops training below `stop_below`."""

    def __init__(self, x_val, y_val, every, stop_below):
        super().__init__()
        self.x_val, self.y_val, self.every, self.stop_below = x_val, y_val, every, stop_below
        self.steps, self.history = [], []

    def score(self, steps):
        if not hasattr(self, "_predict"):  # one traced function per model: fast, and no retracing
            model = self.model
            self._predict = tf.function(lambda x: model(x, training=False))
        error = float(np.mean((np.asarray(self._predict(self.x_val), dtype=float) - self.y_val) ** 2))
        self.steps.append(steps)
        self.history.append(error)
        return error

    def on_train_begin(self, logs=None):
        self.score(0)

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            error = self.score(batch + 1)
            if self.stop_below is not None and error < self.stop_below:
                self.model.stop_training = True


def fit_adding(model, T, max_steps, batch_size=64, eval_every=32, stop_below=None, seed=0):
    """Train a compiled Keras model on the adding problem; return its validation error as it trains.

    The model makes up to `max_steps` updates, each on a batch of `batch_size` fresh sequences of
    length T. Every `eval_every` updates it is scored on 500 validation sequences; training stops
    early once that mean squared error is below `stop_below`.
    Returns (steps, val_mse): the update counts (0 first) and the validation MSE after them.
    """
    x, y = adding_problem(max_steps * batch_size, T, seed=seed)
    x_val, y_val = adding_problem(500, T, seed=10_000 + seed)
    monitor = _Monitor(x_val, y_val, eval_every, stop_below)
    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=[monitor])
    return np.array(monitor.steps), np.array(monitor.history)


def running_sum(n, T, seed=0):
    """n sequences of T values drawn uniformly from [-1, 1], shape (n, T, 1), and the target y (n, 1).

    y is the sum of a sequence's values divided by sqrt(T / 3), so that its variance is 1: always
    predicting 0 scores a mean squared error of 1. Every value counts as much as the last one.
    """
    x = np.random.default_rng(seed).uniform(-1, 1, size=(n, T, 1))
    return x.astype("float32"), (x.sum(axis=1) / np.sqrt(T / 3)).astype("float32")


def relu_rnn(hidden_size=32, gain=1.1, seed=0):
    """Weights [Wx (1, H), Wh (H, H), b (H,), Wy (H, 1), by (1,)] of a ReLU RNN, as float32 NumPy arrays.

    Wh starts as gain times the identity (Le, Jaitly and Hinton, 2015, use a gain of exactly 1);
    Wx and Wy are small random numbers, the biases zeros.
    """
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.1, (1, hidden_size)), gain * np.eye(hidden_size), np.zeros(hidden_size),
               rng.normal(0, 1 / np.sqrt(hidden_size), (hidden_size, 1)), np.zeros(1)]
    return [w.astype("float32") for w in weights]


@tf.function  # traced once per shape of x: the loop over the steps is unrolled
def _relu_rnn_loss_and_gradients(x, y, weights):
    with tf.GradientTape() as tape:
        tape.watch(weights)
        Wx, Wh, b, Wy, by = weights
        h = tf.zeros((tf.shape(x)[0], tf.shape(Wh)[0]))
        for t in range(x.shape[1]):
            h = tf.nn.relu(x[:, t] @ Wx + h @ Wh + b)
        loss = tf.reduce_mean((h @ Wy + by - y) ** 2)
    grads = tape.gradient(loss, weights)
    return loss, grads, tf.linalg.global_norm(grads)


def relu_rnn_loss_and_gradients(weights, x, y):
    """Loss, gradients and their global norm for the ReLU RNN `weights` on a batch x (N, T, 1), y (N, 1).

    The RNN runs h_t = relu(x_t Wx + h_{t-1} Wh + b) from h_{-1} = 0 and predicts y = h_{T-1} Wy + by;
    the loss is the mean squared error. The gradients come from tf.GradientTape, as NumPy arrays in
    the order of `weights`; the global norm, sqrt(sum of all their squared entries), from tf.linalg.global_norm.
    """
    weights = [tf.constant(w, tf.float32) for w in weights]
    loss, grads, norm = _relu_rnn_loss_and_gradients(tf.constant(x, tf.float32), tf.constant(y, tf.float32), weights)
    return float(loss), [g.numpy() for g in grads], float(norm)


def train_relu_rnn(clip=None, gain=1.1, T=50, hidden_size=32, steps=300, batch_size=64, learning_rate=0.002, seed=0):
    """Train the ReLU RNN on the running sum with plain gradient descent; return (losses, norms).

    Each update draws a fresh batch, computes the gradients with TensorFlow as a list of NumPy
    arrays `grads` and, if `clip` is given, replaces them by `clip(grads)` (for example
    `lambda g: clip_by_global_norm(g, 10.0)[0]`), then subtracts learning_rate times them.
    `losses` holds the loss before every update and `norms` the global norm of the unclipped
    gradients. Training stops at the first loss that is not finite.
    """
    weights = relu_rnn(hidden_size, gain, seed)
    losses, norms = [], []
    for step in range(steps):
        x, y = running_sum(batch_size, T, seed=seed * 100_000 + step)
        loss, grads, norm = relu_rnn_loss_and_gradients(weights, x, y)
        losses.append(loss)
        norms.append(norm)
        if not np.isfinite(loss):
            break
        if clip is not None:
            grads = clip(grads)
        weights = [(w - learning_rate * np.asarray(g, dtype="float32")).astype("float32") for w, g in zip(weights, grads)]
    return np.array(losses), np.array(norms)
