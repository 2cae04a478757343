# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 07 assignment: LSTM and GRU from the inside
#
# In this assignment you write one step of a GRU exactly as Keras computes it, count the parameters of the three recurrent cells, and write the backward pass of one LSTM step, the one that carries the gradient along the cell state.
#
# **Learning goals.** After it you can
# - compute one step of a GRU with Keras's weights, gate order (update, reset, candidate) and conventions (`reset_after=True`, $h_t = u_t \odot h_{t-1} + (1 - u_t) \odot \tilde h_t$);
# - say how many parameters a SimpleRNN, a GRU and an LSTM layer have, and why;
# - backpropagate through one LSTM step: the gradient reaching $c_{t-1}$ is the sum of two paths, one through $h_t$ and one straight along the cell state, multiplied by the forget gate;
# - check a backward pass with centred differences and `tf.GradientTape`.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests that compare your functions with Keras and `tf.GradientTape` in float32, and with centred differences.
# When you submit, the same cells also run hidden tests on fresh sizes and values in float64; each exercise states how closely your results must agree there, so make your code work for any sizes, not only the ones shown.
# One question is answered in words and graded by a person.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import keras
import tensorflow as tf
from rnncourse import checks, gated

np.set_printoptions(precision=4, suppress=True)
TOLERANCE = dict(rtol=1e-4, atol=1e-6)  # Keras computes in float32: agreement to about 1e-6 is all we can ask

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: one step of a GRU, as Keras computes it (6 points)
#
# A GRU cell (Cho et al., 2014) has one state $h$ and two gates.
# Keras stores its weights in three blocks of $H$ columns, in this order: **update gate $u$** (Keras calls it $z$), **reset gate $r$**, **candidate $\tilde h$**:
# `Wx` of shape `(D, 3H)` (Keras: `kernel`), `Wh` of shape `(H, 3H)` (`recurrent_kernel`) and `b` of shape `(2, 3H)` (`bias`): row `b[0]` is the **input bias**, row `b[1]` the **recurrent bias**.
# Write $W_{xu}, W_{xr}, W_{x\tilde h}$ for the blocks of `Wx`, $W_{hu}, W_{hr}, W_{h\tilde h}$ for those of `Wh`, and $b_u, b_r, b_{\tilde h}$ and $b'_u, b'_r, b'_{\tilde h}$ for the blocks of `b[0]` and `b[1]`.
# With Keras's default `reset_after=True`, one step is
#
# $$u_t = \sigma(x_t W_{xu} + b_u + h_{t-1} W_{hu} + b'_u), \qquad r_t = \sigma(x_t W_{xr} + b_r + h_{t-1} W_{hr} + b'_r),$$
# $$\tilde h_t = \tanh\big(x_t W_{x\tilde h} + b_{\tilde h} + r_t \odot (h_{t-1} W_{h\tilde h} + b'_{\tilde h})\big),$$
# $$h_t = u_t \odot h_{t-1} + (1 - u_t) \odot \tilde h_t ,$$
#
# with $\sigma(a) = 1 / (1 + e^{-a})$ and $\odot$ the entrywise product.
# Two details are easy to get wrong.
# The reset gate multiplies the recurrent term **after** the matrix product, recurrent bias included (the original paper, and Keras's `reset_after=False`, compute $(r_t \odot h_{t-1}) W_{h\tilde h}$ instead).
# And an update gate near 1 **keeps** the old state: Keras's $h_t$ is $u_t \odot h_{t-1} + (1 - u_t) \odot \tilde h_t$, while some texts swap the roles of $u_t$ and $1 - u_t$.
#
# Write `gru_step_forward(x, h_prev, Wx, Wh, b)` for a batch: `x` is `(N, D)`, `h_prev` is `(N, H)`; return `(h_next, cache)` with `h_next` of shape `(N, H)` and a `cache` of whatever you like (it is not graded).
#
# *Checked by:* the shape of `h_next` (1 point); its values against `keras.layers.GRUCell` given the same weights (3 points); your step applied at every time step must reproduce a `keras.layers.GRU(return_sequences=True)` layer from its own weights (2 points).
# The visible tests compare with Keras in float32, to a relative error of $10^{-4}$ (and $10^{-6}$ absolute); the hidden tests use fresh sizes and values in float64 and ask for a relative error of $10^{-10}$ (and $10^{-12}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "gru_step_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gru_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a GRU for a batch, as keras.layers.GRUCell computes it (reset_after=True).

    x: (N, D), h_prev: (N, H), Wx: (D, 3H), Wh: (H, 3H), b: (2, 3H); blocks in the order update, reset, candidate.
    Returns (h_next, cache) with h_next of shape (N, H).
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    from_x = x @ Wx + b[0]                 # (N, 3H): the input's part of every block
    from_h = h_prev @ Wh + b[1]            # (N, 3H): the recurrent part, recurrent bias included
    sigmoid = lambda a: 1 / (1 + np.exp(-a))
    u = sigmoid(from_x[:, :H] + from_h[:, :H])
    r = sigmoid(from_x[:, H:2 * H] + from_h[:, H:2 * H])
    candidate = np.tanh(from_x[:, 2 * H:] + r * from_h[:, 2 * H:])   # reset after the product
    h_next = u * h_prev + (1 - u) * candidate
    cache = (x, h_prev, Wx, Wh, u, r, candidate, from_h[:, 2 * H:])
    return h_next, cache
    ### END SOLUTION


# %% [markdown]
# Try it on a small batch (change the numbers as you like), and compare with Keras:

# %%
rng = np.random.default_rng(42)
x_try, h_try, Wx_try, Wh_try, b_try = gated.random_gru_inputs(rng, 2, 3, 4)
h_next_try, _ = gru_step_forward(x_try, h_try, Wx_try, Wh_try, b_try)
print("yours:\n", h_next_try)
print("keras.layers.GRUCell:\n", gated.gru_step(x_try, h_try, Wx_try, Wh_try, b_try))


# %% nbgrader={"grade": false, "grade_id": "gru_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def gru_result(*inputs):
    """h_next from your gru_step_forward, called on copies of the inputs; fails unless it returned (h_next, cache)."""
    result = checks.call(gru_step_forward, *inputs)
    checks.check_returns("gru_step_forward", result, ("h_next", "cache"))
    return result[0]


def gru_mistakes(x, h_prev, Wx, Wh, b):
    """{what a known mistake does: the h_next it gives}, each computed by Keras from changed weights or options."""
    H = Wh.shape[0]
    keep_u = slice(0, H)
    flipped = [np.array(w, dtype=float) for w in (Wx, Wh, b)]
    for w in flipped:
        w[..., keep_u] *= -1  # sigmoid(-a) = 1 - sigmoid(a): Keras's u becomes 1 - u
    outside = np.array(b, dtype=float)
    outside[0, 2 * H:] += outside[1, 2 * H:]
    outside[1, 2 * H:] = 0
    return {
        "the update and reset gates are swapped: the blocks of H columns are, in this order, update (u), reset (r), "
        "candidate": gated.gru_step(x, h_prev, gated.swap_blocks(Wx, 0, 1, 3), gated.swap_blocks(Wh, 0, 1, 3),
                                    gated.swap_blocks(b, 0, 1, 3)),
        "the reset gate is applied before the matrix product, (r * h_prev) @ Wh (Keras's reset_after=False); with "
        "reset_after=True it multiplies h_prev @ Wh + b[1] of the candidate block":
            gated.gru_step(x, h_prev, Wx, Wh, b[0] + b[1], reset_after=False),
        "the roles of u and 1 - u are swapped: Keras keeps the old state where u is near 1, "
        "h_next = u * h_prev + (1 - u) * candidate": gated.gru_step(x, h_prev, *flipped),
        "the recurrent bias b[1] is missing": gated.gru_step(x, h_prev, Wx, Wh, np.stack([b[0], 0 * b[1]])),
        "the rows of b are swapped: b[0] is the input bias, b[1] the recurrent bias (inside the reset gate)":
            gated.gru_step(x, h_prev, Wx, Wh, b[::-1]),
        "the candidate's recurrent bias is added outside the reset gate: it belongs inside, "
        "r * (h_prev @ Wh + b[1]) for the candidate block": gated.gru_step(x, h_prev, Wx, Wh, outside),
        "tanh was used for the gates: u and r use the sigmoid 1 / (1 + exp(-a))":
            gated.gru_step(x, h_prev, Wx, Wh, b, recurrent_activation="tanh"),
        "the sigmoid was used for the candidate: it uses tanh": gated.gru_step(x, h_prev, Wx, Wh, b, activation="sigmoid"),
    }


def run_gru(x, h0, Wx, Wh, b):
    """Your gru_step_forward applied at every step of x (N, T, D) from h0: all the states h (N, T, H)."""
    h, states = h0, []
    for t in range(x.shape[1]):
        h = gru_result(x[:, t], h, Wx, Wh, b)
        states.append(h)
    return np.stack(states, axis=1)


def keras_gru_layer(x, H, seed, dtype="float32"):
    """A fresh keras.layers.GRU(H, return_sequences=True) run on x: its states (N, T, H) and its weights."""
    keras.utils.set_random_seed(seed)
    layer = keras.layers.GRU(H, return_sequences=True, dtype=dtype,
                             bias_initializer=keras.initializers.RandomNormal(stddev=0.5))  # nonzero biases show
    h = layer(np.asarray(x, dtype))
    return np.asarray(h), [w.astype(float) for w in layer.get_weights()]  # kernel, recurrent_kernel, bias


# %% nbgrader={"grade": true, "grade_id": "test_gru_step_forward_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""gru_step_forward returns (h_next, cache) with h_next of shape (N, H)."""
N, D, H = 3, 5, 2  # all different, so a transposed weight shows up as a shape error
checks.check_shape("h_next", gru_result(*gated.random_gru_inputs(np.random.default_rng(1), N, D, H)), (N, H))
### BEGIN HIDDEN TESTS
for N, D, H in [(1, 1, 1), (7, 8, 9), (11, 9, 6)]:
    checks.check_shape("h_next", gru_result(*gated.random_gru_inputs(np.random.default_rng(100 + N), N, D, H)), (N, H))
### END HIDDEN TESTS
print("h_next has the right shape")

# %% nbgrader={"grade": true, "grade_id": "test_gru_step_forward_values", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""gru_step_forward matches keras.layers.GRUCell (reset_after=True) given the same weights."""
inputs = gated.random_gru_inputs(np.random.default_rng(2), 3, 4, 5)
checks.check_close("h_next", gru_result(*inputs), gated.gru_step(*inputs), **TOLERANCE, likely_mistakes=gru_mistakes(*inputs))
### BEGIN HIDDEN TESTS
# Fresh sizes and values in float64: Keras's GRUCell in float64 is the reference.
for seed, (N, D, H) in enumerate([(1, 1, 1), (9, 7, 8), (6, 10, 11)]):
    inputs = gated.random_gru_inputs(np.random.default_rng(200 + seed), N, D, H, scale=1.0)
    checks.check_close("h_next", gru_result(*inputs), gated.gru_step(*inputs, dtype="float64"), rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("gru_step_forward matches keras.layers.GRUCell")

# %% nbgrader={"grade": true, "grade_id": "test_gru_reproduces_keras_layer", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Your step, applied at every time step from zero states, reproduces a keras.layers.GRU(return_sequences=True) layer from its own weights."""
x = np.random.default_rng(3).normal(size=(3, 6, 2))
h_keras, weights = keras_gru_layer(x, 4, seed=0)
checks.check_close("the states h of every step", run_gru(x, np.zeros((3, 4)), *weights), h_keras, **TOLERANCE)
### BEGIN HIDDEN TESTS
x = np.random.default_rng(300).normal(size=(7, 11, 8))
h_keras, weights = keras_gru_layer(x, 9, seed=1, dtype="float64")
checks.check_close("the states h of every step", run_gru(x, np.zeros((7, 9)), *weights), h_keras, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("your GRU reproduces keras.layers.GRU")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: counting parameters (2 points)
#
# How many numbers does each cell learn?
# A `SimpleRNN(H)` layer reading $D$ input features has $W_{xh}$, $W_{hh}$ and $b_h$.
# An LSTM has four such sets, one per block (i, f, c, o); Keras's GRU has three blocks, and with `reset_after=True` **two** bias rows, as in Exercise 1.
#
# Write `cell_parameter_counts(D, H)` returning a tuple of three integers: the numbers of trainable parameters of `keras.layers.SimpleRNN(H)`, `keras.layers.GRU(H)` and `keras.layers.LSTM(H)` (Keras's defaults), each on inputs of $D$ features.
# Work them out as formulas in $D$ and $H$; do not build Keras layers in your function.
#
# *Checked by:* (2 points) the three counts must equal what Keras's `count_params()` reports, for the sizes of the visible test and for fresh sizes in the hidden tests.

# %% nbgrader={"grade": false, "grade_id": "cell_parameter_counts", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cell_parameter_counts(D, H):
    """(SimpleRNN, GRU, LSTM): the numbers of trainable parameters of each Keras layer with H units on D features."""
    ### BEGIN SOLUTION
    one_block = D * H + H * H + H          # input weights, recurrent weights, one bias
    return one_block, 3 * one_block + 3 * H, 4 * one_block
    ### END SOLUTION


# %% [markdown]
# Try it: for two input features and 16 units (the adding problem's models), and compare with Keras.

# %%
print("yours:", cell_parameter_counts(2, 16))
print("Keras:", gated.keras_parameter_counts(2, 16))


# %% nbgrader={"grade": true, "grade_id": "test_cell_parameter_counts", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""cell_parameter_counts(D, H) equals count_params() of keras.layers.SimpleRNN(H), GRU(H) and LSTM(H) on D features."""
def check_counts(D, H):
    got = checks.call(cell_parameter_counts, D, H)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise AssertionError(f"cell_parameter_counts must return a tuple of three integers (SimpleRNN, GRU, LSTM); "
                             f"got {repr(got)[:200]}")
    keras_counts = gated.keras_parameter_counts(D, H)
    one_block = D * H + H * H + H
    for name, count in zip(("SimpleRNN", "GRU", "LSTM"), got):
        hint = ""
        if name == "GRU" and count == 3 * one_block:
            hint = "This counts one bias row: with reset_after=True Keras's GRU has two, an input and a recurrent bias."
        checks.check_equal(f"the number of parameters of {name}({H}) on {D} features", count, keras_counts[name], hint)

check_counts(D=3, H=5)
### BEGIN HIDDEN TESTS
for D, H in [(1, 1), (7, 2), (13, 32)]:
    check_counts(D, H)
### END HIDDEN TESTS
print("your counts agree with Keras")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: one LSTM step backward (8 points)
#
# **First, your forward step.** Paste your `lstm_step_forward` from unit 06 (Exercise 5) into the first cell below: the LSTM step with Keras's gate order i, f, c, o, `Wx` `(D, 4H)`, `Wh` `(H, 4H)`, `b` `(4H,)`, returning `(h_next, c_next, cache)`.
# Its `cache` is yours: put in it what your backward pass needs (for example the inputs, the weights, the four gates and `c_next`).
# The tests of this exercise get the cache from **your** `lstm_step_forward`; each of them first checks that step against `keras.layers.LSTMCell` (in float64, to a relative error of $10^{-6}$) and says so if it is the step that is wrong.
# It earns no points of its own.
#
# **The backward pass.** Recall the step: $[\,z_i \mid z_f \mid z_c \mid z_o\,] = x W_x + h_{t-1} W_h + b$, $i = \sigma(z_i)$, $f = \sigma(z_f)$, $g = \tanh(z_c)$, $o = \sigma(z_o)$, $c_t = f \odot c_{t-1} + i \odot g$, $h_t = o \odot \tanh(c_t)$.
# A loss $\mathcal{L}$ downstream sends back two upstream gradients: `dh_next` $= \partial \mathcal{L} / \partial h_t$ and `dc_next` $= \partial \mathcal{L} / \partial c_t$, both `(N, H)`.
# `dc_next` is the gradient that the next step sends back along its own cell state ($f_{t+1} \odot dc_{t+1}$ there); it is 0 only at the last step.
# $c_t$ reaches the loss along two paths, straight on to $c_{t+1}$ and through $h_t$, so its total gradient is the sum
#
# $$dc = dc_{next} + dh_{next} \odot o \odot (1 - \tanh^2(c_t)),$$
#
# and then, with $\sigma' = \sigma (1 - \sigma)$ and $\tanh' = 1 - \tanh^2$,
#
# $$do = dh_{next} \odot \tanh(c_t), \quad di = dc \odot g, \quad df = dc \odot c_{t-1}, \quad dg = dc \odot i, \quad dc_{prev} = dc \odot f,$$
# $$dz = [\, di \odot i (1 - i) \mid df \odot f (1 - f) \mid dg \odot (1 - g^2) \mid do \odot o (1 - o) \,] \quad (N, 4H),$$
# $$dx = dz\, W_x^\top, \quad dh_{prev} = dz\, W_h^\top, \quad dW_x = x^\top dz, \quad dW_h = h_{t-1}^\top dz, \quad db = \textstyle\sum_n dz_n .$$
#
# Write `lstm_step_backward(dh_next, dc_next, cache)` returning `(dx, dh_prev, dc_prev, dWx, dWh, db)`, each of the shape of what it is the gradient of: `(N, D)`, `(N, H)`, `(N, H)`, `(D, 4H)`, `(H, 4H)`, `(4H,)`.
#
# *Checked by:* the six shapes (1 point); the values against `tf.GradientTape` through `keras.layers.LSTMCell` (3 points); both paths into $c_{t-1}$, with only `dc_next` nonzero and with only `dh_next` nonzero (2 points); centred differences (2 points).
# The visible tests compare with TensorFlow in float32 to a relative error of $10^{-4}$ (and $10^{-6}$ absolute), and with centred differences of a float64 loss to a relative error (`relative_error` below) under $10^{-6}$; the hidden tests use fresh sizes and values in float64 and ask for a relative error of $10^{-9}$ (and $10^{-12}$ absolute) against `tf.GradientTape`, and under $10^{-6}$ against centred differences.

# %% nbgrader={"grade": false, "grade_id": "lstm_step_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """Your LSTM step from unit 06: gate order i, f, c, o; returns (h_next, c_next, cache)."""
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    z = x @ Wx + h_prev @ Wh + b
    sigmoid = lambda a: 1 / (1 + np.exp(-a))
    i = sigmoid(z[:, :H])
    f = sigmoid(z[:, H:2 * H])
    g = np.tanh(z[:, 2 * H:3 * H])
    o = sigmoid(z[:, 3 * H:])
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next)
    return h_next, c_next, cache
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "lstm_step_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    dh_next, dc_next: (N, H), the gradients of the loss with respect to h_next and c_next.
    cache: what your lstm_step_forward returned.
    Returns (dx, dh_prev, dc_prev, dWx, dWh, db) with the shapes of x, h_prev, c_prev, Wx, Wh, b.
    """
    ### BEGIN SOLUTION
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next = cache
    tanh_c = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1 - tanh_c ** 2)   # both paths into c_next
    do = dh_next * tanh_c
    dz = np.concatenate([dc * g * i * (1 - i),        # input gate
                         dc * c_prev * f * (1 - f),   # forget gate
                         dc * i * (1 - g ** 2),       # candidate
                         do * o * (1 - o)], axis=1)   # output gate
    dc_prev = dc * f
    return dz @ Wx.T, dz @ Wh.T, dc_prev, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "lstm_backward_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
LSTM_GRADIENTS = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||): 0 when equal, 1 when one of them is zero."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def forward_cache(x, h_prev, c_prev, Wx, Wh, b):
    """The cache of your lstm_step_forward, after checking that step against keras.layers.LSTMCell in float64."""
    result = checks.call(lstm_step_forward, x, h_prev, c_prev, Wx, Wh, b)
    try:
        checks.check_returns("it", result, ("h_next", "c_next", "cache"))
        h_expected, c_expected = gated.lstm_step(x, h_prev, c_prev, Wx, Wh, b, dtype="float64")
        checks.check_close("c_next", result[1], c_expected, rtol=1e-6, atol=1e-9)
        checks.check_close("h_next", result[0], h_expected, rtol=1e-6, atol=1e-9)
    except AssertionError as error:
        raise AssertionError(f"your lstm_step_forward (the first solution cell of Exercise 3, unit 06's step) is wrong, "
                             f"and these tests use its cache: fix it first. {error}") from None
    return result[2]


def backward_result(dh_next, dc_next, inputs):
    """Your lstm_step_backward for the cache of your lstm_step_forward on `inputs`: the six gradients by name."""
    cache = forward_cache(*inputs)
    result = checks.call(lstm_step_backward, dh_next, dc_next, cache)
    return checks.check_returns("lstm_step_backward", result, LSTM_GRADIENTS)


def lstm_gates(x, h_prev, c_prev, Wx, Wh, b):
    """The gates i, f, o and tanh(c_next) of one step, computed from Keras's LSTMCell in float64: for the messages."""
    H = Wh.shape[0]
    sigmoid = keras.activations.sigmoid
    z = x @ Wx + h_prev @ Wh + b
    i, f, o = [np.asarray(sigmoid(z[:, k * H:(k + 1) * H])) for k in (0, 1, 3)]
    return i, f, o, np.tanh(gated.lstm_step(x, h_prev, c_prev, Wx, Wh, b, dtype="float64")[1])


def check_lstm_gradients(got, inputs, dh_next, dc_next, dtype, **tolerance):
    """Compare the six gradients with tf.GradientTape's (in `dtype`), naming the known mistakes that give what you returned."""
    expected = dict(zip(LSTM_GRADIENTS, gated.lstm_step_gradients(*inputs, dh_next, dc_next, dtype=dtype)))
    i, f, o, tanh_c = lstm_gates(*inputs)
    N = inputs[0].shape[0]
    ignored = dict(zip(LSTM_GRADIENTS, gated.lstm_step_gradients(*inputs, dh_next, 0 * dc_next, dtype=dtype)))
    through_h = dh_next * o * (1 - tanh_c ** 2)  # what h_next sends into c_next
    no_h_path = {name: e - g for (name, e), g in zip(expected.items(), gated.lstm_step_gradients(
        *inputs, 0 * dh_next, through_h, dtype=dtype))}
    dc_ignored = "dc_next is ignored: the gradient of c_next is dc_next plus what comes through h_next"
    h_path = ("the path through h_next is missing: the gradient of c_next is dc_next + dh_next * o * (1 - tanh(c_next)**2), "
              "not dc_next alone")
    order = "the four blocks of dz are in the wrong order: they go i, f, c (the candidate), o, as in the forward pass"
    for name in ("dc_prev", "db", "dWx", "dWh", "dx", "dh_prev"):
        mistakes = {dc_ignored: ignored[name], h_path: no_h_path[name]}
        if name == "dc_prev":
            mistakes["the forget gate is missing: dc_prev = dc * f"] = expected[name] / f
        if name in ("db", "dWx", "dWh"):
            mistakes[f"{name} is the mean over the batch: it is the sum over the N examples"] = expected[name] / N
            for first, second, order_read in ((2, 3, "i, f, o, c"), (0, 1, "f, i, c, o"), (1, 2, "i, c, f, o")):
                mistakes[f"{order}; yours has {order_read}"] = gated.swap_blocks(expected[name], first, second, 4)
        checks.check_close(name, got[name], expected[name], likely_mistakes=mistakes, **tolerance)


def centred_differences(inputs, dh_next, dc_next, eps=1e-5):
    """Centred differences, in float64, of sum(h_next * dh_next) + sum(c_next * dc_next) through Keras's LSTMCell,
    with respect to each of x, h_prev, c_prev, Wx, Wh, b."""
    cell = gated.lstm_cell(*inputs[3:], dtype="float64")

    def loss(x, h_prev, c_prev, Wx, Wh, b):
        cell.set_weights([Wx, Wh, b])
        h_next, (_, c_next) = cell(x, [h_prev, c_prev])
        return float(np.sum(np.asarray(h_next) * dh_next) + np.sum(np.asarray(c_next) * dc_next))

    grads = []
    for position, array in enumerate(inputs):
        grad = np.zeros(array.shape)
        for index in np.ndindex(array.shape):
            changed = [np.array(a, dtype=float) for a in inputs]
            changed[position][index] += eps
            up = loss(*changed)
            changed[position][index] -= 2 * eps
            grad[index] = (up - loss(*changed)) / (2 * eps)
        grads.append(grad)
    return dict(zip(LSTM_GRADIENTS, grads))


# %% [markdown]
# Try it: compare your `dWh` with centred differences of the loss $\mathcal{L} = \sum h_t \odot dh_{next} + \sum c_t \odot dc_{next}$, whose gradients with respect to $h_t$ and $c_t$ are `dh_next` and `dc_next`.
# A relative error below $10^{-6}$ means they agree (`relative_error` is defined in the read-only cell above).

# %%
rng = np.random.default_rng(0)
x_s, h_s, c_s, Wx_s, Wh_s, b_s = gated.random_lstm_inputs(rng, 2, 3, 4)
dh_s, dc_s = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))


def loss_s(Wh):
    h_next, c_next, _ = lstm_step_forward(x_s, h_s, c_s, Wx_s, Wh, b_s)
    return np.sum(h_next * dh_s) + np.sum(c_next * dc_s)


dWh_numeric = np.zeros_like(Wh_s)
for index in np.ndindex(Wh_s.shape):
    step = np.zeros_like(Wh_s)
    step[index] = 1e-5
    dWh_numeric[index] = (loss_s(Wh_s + step) - loss_s(Wh_s - step)) / 2e-5
_, _, cache_s = lstm_step_forward(x_s, h_s, c_s, Wx_s, Wh_s, b_s)
print("relative error of your dWh:", relative_error(lstm_step_backward(dh_s, dc_s, cache_s)[4], dWh_numeric))


# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_backward_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""lstm_step_backward returns (dx, dh_prev, dc_prev, dWx, dWh, db) with the shapes of x, h_prev, c_prev, Wx, Wh, b."""
def check_backward_shapes(N, D, H, seed):
    rng = np.random.default_rng(seed)
    inputs = gated.random_lstm_inputs(rng, N, D, H)
    got = backward_result(rng.normal(size=(N, H)), rng.normal(size=(N, H)), inputs)
    for name, like in zip(LSTM_GRADIENTS, inputs):
        checks.check_shape(name, got[name], like.shape)

check_backward_shapes(N=3, D=5, H=2, seed=4)  # 3, 5, 2 and 4H = 8: all different, so a missing transpose shows
### BEGIN HIDDEN TESTS
for N, D, H in [(1, 1, 1), (6, 7, 9), (10, 3, 4)]:
    check_backward_shapes(N, D, H, seed=400 + N)
### END HIDDEN TESTS
print("the six gradients have the right shapes")

# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_backward_values", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""lstm_step_backward agrees with tf.GradientTape through keras.layers.LSTMCell, for nonzero dh_next and dc_next."""
rng = np.random.default_rng(5)
inputs = gated.random_lstm_inputs(rng, 3, 4, 5)
dh_next, dc_next = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
check_lstm_gradients(backward_result(dh_next, dc_next, inputs), inputs, dh_next, dc_next, "float32", **TOLERANCE)
### BEGIN HIDDEN TESTS
for seed, (N, D, H) in enumerate([(1, 1, 1), (8, 6, 7), (5, 9, 10)]):
    rng = np.random.default_rng(500 + seed)
    inputs = gated.random_lstm_inputs(rng, N, D, H, scale=1.0)
    dh_next, dc_next = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    check_lstm_gradients(backward_result(dh_next, dc_next, inputs), inputs, dh_next, dc_next, "float64",
                         rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS
print("lstm_step_backward matches tf.GradientTape")

# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_backward_both_paths", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Both paths into c_prev: the gradients are right with only dc_next nonzero (the cell state's own path) and with only dh_next nonzero (the path through h_next)."""
def check_one_path(inputs, dh_next, dc_next, which, dtype, **tolerance):
    got = backward_result(dh_next, dc_next, inputs)
    expected = dict(zip(LSTM_GRADIENTS, gated.lstm_step_gradients(*inputs, dh_next, dc_next, dtype=dtype)))
    for name in ("dc_prev", "db", "dWx", "dWh", "dx", "dh_prev"):
        zero = {f"{name} is 0 although dc_next is not: dc_next must be added to the gradient of c_next":
                0 * expected[name]} if which == "dc_next" else {
                f"{name} is 0 although dh_next is not: h_next = o * tanh(c_next) sends dh_next * o * "
                "(1 - tanh(c_next)**2) into the gradient of c_next": 0 * expected[name]}
        checks.check_close(f"{name} with only {which} nonzero", got[name], expected[name], likely_mistakes=zero, **tolerance)

rng = np.random.default_rng(6)
inputs = gated.random_lstm_inputs(rng, 2, 3, 4)
check_one_path(inputs, np.zeros((2, 4)), rng.normal(size=(2, 4)), "dc_next", "float32", **TOLERANCE)
check_one_path(inputs, rng.normal(size=(2, 4)), np.zeros((2, 4)), "dh_next", "float32", **TOLERANCE)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(600)
inputs = gated.random_lstm_inputs(rng, 7, 5, 6, scale=1.0)
check_one_path(inputs, np.zeros((7, 6)), rng.normal(size=(7, 6)), "dc_next", "float64", rtol=1e-9, atol=1e-12)
check_one_path(inputs, rng.normal(size=(7, 6)), np.zeros((7, 6)), "dh_next", "float64", rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS
print("both paths into the cell state are there")

# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_backward_numerical", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""lstm_step_backward agrees with centred differences (float64) of the loss sum(h_next * dh_next) + sum(c_next * dc_next)."""
def check_numerically(N, D, H, seed, scale=0.5):
    rng = np.random.default_rng(seed)
    inputs = gated.random_lstm_inputs(rng, N, D, H, scale)
    dh_next, dc_next = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    got = backward_result(dh_next, dc_next, inputs)
    numeric = centred_differences(inputs, dh_next, dc_next)
    for name in LSTM_GRADIENTS:
        checks.check_shape(name, got[name], numeric[name].shape)
        error = relative_error(got[name], numeric[name])
        assert error < 1e-6, (f"{name}: relative error {error:.1e} against centred differences, above 1e-6 "
                              f"(expected {numeric[name].ravel()[:4]}, got {np.ravel(got[name])[:4]})")

check_numerically(N=2, D=3, H=4, seed=7)
### BEGIN HIDDEN TESTS
check_numerically(N=3, D=2, H=5, seed=700, scale=1.0)
### END HIDDEN TESTS
print("lstm_step_backward agrees with centred differences")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: why Keras starts the forget gate at 1 (2 points, graded by hand)
#
# Keras's `LSTM` sets the forget gate's bias to 1 when it creates the layer (`unit_forget_bias=True`), and every other bias to 0.
# Use your backward pass: along the cell state alone, one step back multiplies the gradient entrywise by $f_t$ (your `dc_prev = dc * f` when `dh_next` is 0).
# In three to six sentences: what does a forget bias of 0 make of the gradient that reaches $c_{t-k}$ from $c_t$ when the inputs are small, compared with a bias of 1, as a number for $k = 20$?
# Why does that matter for learning a long dependency, and why is the bias only where training **starts** (what can training do to it)?
# Name one thing a forget gate near 1 costs.

# %% [markdown] nbgrader={"grade": true, "grade_id": "forget_bias_answer", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* Full marks need all three points:
# 1. **The numbers.** With small inputs the pre-activation of the forget gate is about its bias. A bias of 0 gives $f \approx \sigma(0) = 0.5$, so 20 steps back along the cell state the gradient is multiplied by about $0.5^{20} \approx 10^{-6}$; a bias of 1 gives $f \approx \sigma(1) \approx 0.73$ and $0.73^{20} \approx 2 \cdot 10^{-3}$, some 2,000 times more (still small: a bias of 3 or the chrono initialisation give longer memories).
# 2. **Why it matters.** At the start nothing tells the network what to remember; the gradient is the only signal that an early input mattered. If it has vanished before it reaches the early step, the weights that should store that input get no update and the dependency is never learned (the network stays at a baseline, like the SimpleRNN). Starting with forget gates nearer 1 lets some gradient reach tens of steps back from the first update on. The bias is only an initial value: training changes it like any weight, so gates that must forget (to reset the cell after use) can learn to close, and gates that must remember can move further towards 1.
# 3. **The cost.** A forget gate near 1 keeps everything, including what should be forgotten: the cell state can grow with the sum of the written candidates (then tanh(c) saturates), old information interferes with new, and the network has to learn when to forget. (Accept also: the gradient along c can then grow if dc keeps adding up across steps; or, slower adaptation when the input statistics change.)
#
# Two points for all three; one point for the numbers with a correct reason why they matter. Without a number for k = 20, at most one point.
# ### END SOLUTION
