# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 02 assignment: the hidden-state equation
#
# In this assignment you write the forward pass of a recurrent neural network in NumPy and check it against Keras.
#
# **Learning goals.** After it you can
# - compute one RNN step $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$ for a whole batch at once;
# - unroll that step over a sequence, reusing the same weights at every step;
# - turn output scores into probabilities with a numerically stable softmax;
# - count an RNN's parameters and explain why the count does not depend on the sequence length.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests; when you submit, the same cells also run hidden tests on fresh inputs, so make your code work for any sizes, not only the ones shown.
# Shapes are batch-major, as in Keras: a batch of sequences is `(N, T, D)`, hidden states are `(N, T, H)`.
# Precision: the visible tests compare with Keras, which computes in float32, to about 1e-5; the hidden tests give float64 inputs and compare with exact float64 results to a **relative error of 1e-10**, so compute in the precision of the inputs (NumPy does, unless you convert them).
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
from rnncourse import checks, oracles, plots

np.set_printoptions(precision=4, suppress=True)


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: one step of the RNN (3 points)
#
# For a batch of $N$ examples, the inputs at time $t$ are the rows of `x` with shape `(N, D)` and the previous hidden states are the rows of `h_prev` with shape `(N, H)`.
# One step computes
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$$
#
# with `Wx` $= W_{xh}$ of shape `(D, H)`, `Wh` $= W_{hh}$ of shape `(H, H)` and `b` $= b_h$ of shape `(H,)`.
# The bias is broadcast over the batch.
#
# Write `rnn_step_forward` so that it returns `h_next` of shape `(N, H)` and a `cache`: a tuple of whatever the backward pass will need (in unit 03 you will use `(x, h_prev, Wx, Wh, h_next)`; this unit does not grade the cache).
#
# *Checked by:* the shape of `h_next` (1 point), and its values (2 points): against a Keras `SimpleRNNCell` given the same weights (to 1e-5), and, in the hidden tests, against the exact float64 result for fresh sizes (to a relative error of 1e-10).

# %% nbgrader={"grade": false, "grade_id": "rnn_step_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One time step of a vanilla (Elman) RNN with tanh, for a batch.

    x: (N, D), h_prev: (N, H), Wx: (D, H), Wh: (H, H), b: (H,).
    Returns (h_next, cache) with h_next of shape (N, H).
    """
    ### BEGIN SOLUTION
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    cache = (x, h_prev, Wx, Wh, h_next)
    ### END SOLUTION
    return h_next, cache


# %% [markdown]
# Try it on a small batch (change the numbers as you like):

# %%
rng = np.random.default_rng(42)
x_try, h_try = rng.normal(size=(2, 3)), np.zeros((2, 4))
Wx_try, Wh_try, b_try = rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), np.zeros(4)
h_next_try, _ = rnn_step_forward(x_try, h_try, Wx_try, Wh_try, b_try)
h_next_try

# %% nbgrader={"grade": true, "grade_id": "test_rnn_step_forward_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""rnn_step_forward returns (h_next, cache) with h_next of shape (N, H)."""
def random_step_inputs(rng, N, D, H, scale=0.5):
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)),
            scale * rng.normal(size=(D, H)), scale * rng.normal(size=(H, H)), scale * rng.normal(size=H))

N, D, H = 3, 4, 5  # D != H, so a swapped weight shows up as a shape error
result = checks.call(rnn_step_forward, *random_step_inputs(np.random.default_rng(0), N, D, H))
checks.check_returns("rnn_step_forward", result, ("h_next", "cache"))
checks.check_shape("h_next", result[0], (N, H))
### BEGIN HIDDEN TESTS
for N, D, H in [(1, 2, 6), (7, 9, 2), (8, 1, 3)]:  # no two sizes alike, none as in the visible test
    h_next, _ = checks.call(rnn_step_forward, *random_step_inputs(np.random.default_rng(N * D * H), N, D, H))
    checks.check_shape("h_next", h_next, (N, H))
### END HIDDEN TESTS
print("h_next has the right shape")

# %% nbgrader={"grade": true, "grade_id": "test_rnn_step_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""rnn_step_forward matches keras.layers.SimpleRNNCell given the same weights."""
x, h_prev, Wx, Wh, b = random_step_inputs(np.random.default_rng(1), 3, 4, 5)
result = checks.call(rnn_step_forward, x, h_prev, Wx, Wh, b)
checks.check_returns("rnn_step_forward", result, ("h_next", "cache"))
checks.check_close("h_next", result[0], oracles.simple_rnn_step(x, h_prev, Wx, Wh, b), likely_mistakes={
    "the bias b is missing": oracles.simple_rnn_step(x, h_prev, Wx, Wh, 0 * b),
    "tanh is missing: apply it to x Wx + h_prev Wh + b": oracles.simple_rnn_step(x, h_prev, Wx, Wh, b, activation=None),
    "Wh is transposed: the recurrent term is h_prev @ Wh": oracles.simple_rnn_step(x, h_prev, Wx, Wh.T, b),
    "h_prev is not used: add h_prev @ Wh": oracles.simple_rnn_step(x, 0 * h_prev, Wx, Wh, b),
    "the activation is not tanh": oracles.simple_rnn_step(x, h_prev, Wx, Wh, b, activation="sigmoid"),
})
### BEGIN HIDDEN TESTS
# Fresh sizes and values in float64: the answer must be exact (the prompt: a relative error of 1e-10).
for seed, (N, D, H) in enumerate([(1, 7, 2), (6, 3, 8), (4, 5, 7)]):
    x, h_prev, Wx, Wh, b = random_step_inputs(np.random.default_rng(100 + seed), N, D, H, scale=1.0)
    expected = np.tanh(x @ Wx + h_prev @ Wh + b)
    result = checks.call(rnn_step_forward, x, h_prev, Wx, Wh, b)
    checks.check_returns("rnn_step_forward", result, ("h_next", "cache"))
    checks.check_close("h_next in float64", result[0], expected, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("h_next matches Keras")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: unroll the RNN over a sequence (4 points)
#
# Now process a whole sequence `x` of shape `(N, T, D)`, starting from the initial state `h0` of shape `(N, H)`.
# At each step $t = 0, \dots, T-1$ compute one step from `x[:, t, :]` and the previous state, with **the same** `Wx`, `Wh`, `b` every time; calling your `rnn_step_forward` is the simplest way.
# `h[:, t, :]` is the state *after* reading `x[:, t, :]` (the lecture calls it $h_t$; `h0` is the state before the first step, $h_{-1}$ in the lecture), so `h` has shape `(N, T, H)` and does not contain `h0`.
# Return `(h, cache)`, where `cache` is a list of the step caches in time order (unit 03 uses it; this unit does not grade it).
#
# *Checked by:* the shape of `h` (1 point); its values (2 points), against Keras (to 1e-5) and, in the hidden tests, against the exact float64 result for fresh sizes (to a relative error of 1e-10); and reproducing a `keras.layers.SimpleRNN(return_sequences=True)` layer from the layer's own float32 weights `kernel`, `recurrent_kernel`, `bias` (1 point, to 1e-5).
# These tests judge `h`; when it is wrong because your `rnn_step_forward` is, they say so.

# %% nbgrader={"grade": false, "grade_id": "rnn_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole sequence.

    x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,).
    Returns (h, cache): h of shape (N, T, H), cache a list of T step caches.
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx, Wh, b))
    cache = []
    h_prev = h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
        cache.append(step_cache)
    ### END SOLUTION
    return h, cache


# %% [markdown]
# Try it, and look at the path the hidden state takes. Three input sequences of length 12 move a two-unit state around; in the figure that the next cell draws, each curve starts at the circle and ends at the arrow.

# %%
rng = np.random.default_rng(3)
t = np.linspace(0, 2 * np.pi, 12)
x_seq = np.stack([np.sin(t), np.cos(t), np.sign(np.sin(2 * t))], axis=0)[:, :, None]  # (3, 12, 1)
Wx_seq, Wh_seq, b_seq = np.array([[1.5, -0.8]]), np.array([[0.6, -0.7], [0.7, 0.6]]), np.zeros(2)
h_seq = None
h_seq, _ = rnn_forward(x_seq, np.zeros((3, 2)), Wx_seq, Wh_seq, b_seq)
np.asarray(h_seq).shape

# %%
if h_seq is None:
    print("No states yet: run the cell above once rnn_forward works.")
else:
    plots.hidden_state_trajectories(h_seq, labels=["sin", "cos", "square wave"])

# %% nbgrader={"grade": true, "grade_id": "test_rnn_forward_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""rnn_forward returns (h, cache) with h of shape (N, T, H)."""
def random_sequence_inputs(rng, N, T, D, H, scale=0.5):
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)),
            scale * rng.normal(size=(D, H)), scale * rng.normal(size=(H, H)), scale * rng.normal(size=H))

N, T, D, H = 2, 6, 3, 4
result = checks.call(rnn_forward, *random_sequence_inputs(np.random.default_rng(0), N, T, D, H))
checks.check_returns("rnn_forward", result, ("h", "cache"))
checks.check_shape("h", result[0], (N, T, H))
### BEGIN HIDDEN TESTS
for N, T, D, H in [(1, 4, 2, 3), (3, 9, 7, 5), (5, 2, 1, 8)]:  # no two sizes alike, none as in the visible test
    result = checks.call(rnn_forward, *random_sequence_inputs(np.random.default_rng(N + T + D + H), N, T, D, H))
    checks.check_returns("rnn_forward", result, ("h", "cache"))
    checks.check_shape("h", result[0], (N, T, H))
### END HIDDEN TESTS
print("h has the right shape")

# %% nbgrader={"grade": true, "grade_id": "test_rnn_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""rnn_forward matches Keras over a whole sequence, starting from h0."""
def check_states(h, expected, inputs, likely_mistakes=None, rtol=1e-5, atol=1e-5):
    """check_close for the states h of rnn_forward(*inputs); when h is wrong, say whether Exercise 1 is the cause."""
    try:
        checks.check_close("h", h, expected, likely_mistakes=likely_mistakes, rtol=rtol, atol=atol)
    except AssertionError:
        blame_the_step(h, expected, inputs, rtol, atol)
        raise


def blame_the_step(h, expected, inputs, rtol, atol):
    """Fail naming Exercise 1 if h is what unrolling the student's rnn_step_forward gives and that is wrong."""
    x, h0, Wx, Wh, b = inputs
    try:
        h_prev, unrolled = h0, []
        for t in range(x.shape[1]):
            h_prev = np.asarray(checks.call(rnn_step_forward, x[:, t], h_prev, Wx, Wh, b)[0], dtype=float)
            unrolled.append(h_prev)
        unrolled, got = np.stack(unrolled, axis=1), np.asarray(h, dtype=float)
        follows_the_step = got.shape == unrolled.shape and np.allclose(got, unrolled, rtol=rtol, atol=atol)
        step_is_wrong = not np.allclose(unrolled, expected, rtol=rtol, atol=atol)
    except Exception:  # the step cannot be unrolled here: the first message stands
        return
    if follows_the_step and step_is_wrong:
        step_error = np.abs(unrolled - expected).max()
        raise AssertionError(f"h is exactly what unrolling your rnn_step_forward gives, and Exercise 1's "
                             f"rnn_step_forward is wrong: the states it computes are off by up to {step_error:.2g}. "
                             f"This test cannot judge rnn_forward until rnn_step_forward is right: fix Exercise 1 "
                             f"first (its tests say what is wrong)") from None


inputs = random_sequence_inputs(np.random.default_rng(1), 2, 6, 3, 4)
x, h0, Wx, Wh, b = inputs
result = checks.call(rnn_forward, *inputs)
checks.check_returns("rnn_forward", result, ("h", "cache"))
h = result[0]
expected = oracles.simple_rnn(x, h0, Wx, Wh, b)
shifted = np.concatenate([h0[:, None, :], expected[:, :-1, :]], axis=1)
no_carry = np.stack([oracles.simple_rnn_step(x[:, t], h0, Wx, Wh, b) for t in range(x.shape[1])], axis=1)
check_states(h, expected, inputs, likely_mistakes={
    "h0 is ignored: the first step must start from h0, not from zeros": oracles.simple_rnn(x, 0 * h0, Wx, Wh, b),
    "h is shifted by one step: h[:, t] must be the state after reading x[:, t]": shifted,
    "the state is not carried forward: step t must use the state of step t-1, not h0": no_carry,
})
### BEGIN HIDDEN TESTS
# Fresh sizes and values in float64: the answer must be exact (the prompt: a relative error of 1e-10).
for seed, (N, T, D, H) in enumerate([(1, 3, 2, 4), (3, 9, 1, 5), (4, 20, 6, 7)]):
    inputs = random_sequence_inputs(np.random.default_rng(200 + seed), N, T, D, H, scale=1.0)
    x, h0, Wx, Wh, b = inputs
    expected = [h0]
    for t in range(T):
        expected.append(np.tanh(x[:, t] @ Wx + expected[-1] @ Wh + b))
    result = checks.call(rnn_forward, *inputs)
    checks.check_returns("rnn_forward", result, ("h", "cache"))
    check_states(result[0], np.stack(expected[1:], axis=1), inputs, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("h matches Keras at every step")

# %% nbgrader={"grade": true, "grade_id": "test_rnn_forward_reproduces_keras_layer", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""rnn_forward reproduces keras.layers.SimpleRNN(return_sequences=True) from the layer's own weights."""
import keras

def check_against_layer(N, T, D, H, seed):
    keras.utils.set_random_seed(seed)
    layer = keras.layers.SimpleRNN(H, return_sequences=True)
    x = np.random.default_rng(seed).normal(size=(N, T, D)).astype("float32")
    expected = np.asarray(layer(x))  # Keras starts from a zero state
    kernel, recurrent_kernel, bias = layer.get_weights()  # shapes (D, H), (H, H), (H,)
    inputs = (x, np.zeros((N, H), dtype="float32"), kernel, recurrent_kernel, bias)
    result = checks.call(rnn_forward, *inputs)
    checks.check_returns("rnn_forward", result, ("h", "cache"))
    check_states(result[0], expected, inputs, likely_mistakes={
        "Wh is transposed: the recurrent term is h_prev @ Wh":
            oracles.simple_rnn(x, np.zeros((N, H)), kernel, recurrent_kernel.T, bias)})

check_against_layer(N=2, T=7, D=3, H=5, seed=0)
### BEGIN HIDDEN TESTS
check_against_layer(N=4, T=15, D=6, H=8, seed=11)
check_against_layer(N=1, T=3, D=2, H=9, seed=12)
### END HIDDEN TESTS
print("rnn_forward reproduces keras.layers.SimpleRNN")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: a stable softmax (3 points)
#
# The output layer turns each hidden state into scores $y_t = h_t W_{hy} + b_y$, one per class, and the softmax turns each row $y$ of scores into probabilities:
#
# $$\mathrm{softmax}(y)_i = \frac{e^{y_i}}{\sum_j e^{y_j}}.$$
#
# Write `softmax(z)` for an array `z` of scores of any shape (for example `(N, V)` or `(N, T, V)`), normalising over the **last** axis; the result has the shape of `z`.
# Computed as written, $e^{1000}$ overflows to `inf`. Since $\mathrm{softmax}(y) = \mathrm{softmax}(y - m)$ for any constant $m$ in each row, subtract each row's maximum first.
#
# *Checked by:* values against `keras.ops.softmax` for 2-D and 3-D inputs (to 1e-5) and, in the hidden tests, against the exact float64 result for inputs of 1 to 4 dimensions (to a relative error of 1e-10) (2 points); finite, correct results for scores in the thousands, also with rows on very different scales in the hidden test (1 point).

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax(z):
    """Softmax over the last axis of z, stable for large scores. Returns an array shaped like z."""
    ### BEGIN SOLUTION
    shifted = z - np.max(z, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=-1, keepdims=True)
    ### END SOLUTION


# %%
softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))

# %% nbgrader={"grade": true, "grade_id": "test_softmax_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""softmax normalises over the last axis and matches keras.ops.softmax for 2-D and 3-D scores."""
rng = np.random.default_rng(5)
for shape in [(4, 6), (2, 3, 5)]:
    z = rng.normal(size=shape)
    got = checks.call(softmax, z)
    checks.check_close(f"softmax(z) for z of shape {shape}", got, oracles.softmax(z), likely_mistakes={
        f"normalised over axis {axis} instead of the last axis": oracles.softmax(z, axis=axis)
        for axis in range(len(shape) - 1)})
### BEGIN HIDDEN TESTS
# Fresh shapes in float64: the answer must be exact (the prompt: a relative error of 1e-10).
for seed, shape in enumerate([(5,), (3, 7), (7, 2, 4), (2, 5, 4, 3)]):
    z = 3 * np.random.default_rng(300 + seed).normal(size=shape)
    expected = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    checks.check_close(f"softmax(z) for z of shape {shape}", checks.call(softmax, z), expected, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("softmax is right")

# %% nbgrader={"grade": true, "grade_id": "test_softmax_stable", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""softmax gives finite, correct probabilities for scores in the thousands."""
z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
got = checks.call(softmax, z)
checks.check_finite("softmax(z)", got, hint="exp(1000) overflows: subtract each row's maximum before np.exp.")
checks.check_close("softmax(z)", got, oracles.softmax(z))
### BEGIN HIDDEN TESTS
# Rows on very different scales: subtracting one global maximum instead of each row's fails here.
z = np.array([[5000.0, 5001.0, 4999.0], [0.0, 1.0, -1.0], [-3000.0, -3000.0, -2999.0]])
row = np.exp([0.0, 1.0, -1.0]) / np.exp([0.0, 1.0, -1.0]).sum()
expected = np.stack([row, row, np.exp([0.0, 0.0, 1.0]) / np.exp([0.0, 0.0, 1.0]).sum()])
got = checks.call(softmax, z)
checks.check_finite("softmax(z)", got, hint="subtract each row's own maximum, not one maximum of the whole array.")
checks.check_close("softmax(z)", got, expected, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("softmax is stable")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: counting parameters (2 points)
#
# A language model reads sequences of one-hot characters: an RNN layer with `hidden_dim` units reads inputs of size `input_dim`, and a dense output layer maps each hidden state to `output_dim` scores:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h), \qquad y_t = h_t W_{hy} + b_y.$$
#
# Write `count_rnn_parameters(input_dim, hidden_dim, output_dim)` that returns the number of trainable numbers in this model as an `int`.
# Notice that the sequence length $T$ is not an argument.
#
# *Checked by:* comparison with `count_params()` of the same model built in Keras, for several sizes (2 points).

# %% nbgrader={"grade": false, "grade_id": "count_rnn_parameters", "locked": false, "schema_version": 3, "solution": true, "task": false}
def count_rnn_parameters(input_dim, hidden_dim, output_dim):
    """Number of parameters of SimpleRNN(hidden_dim) followed by Dense(output_dim)."""
    ### BEGIN SOLUTION
    recurrent_layer = input_dim * hidden_dim + hidden_dim * hidden_dim + hidden_dim
    output_layer = hidden_dim * output_dim + output_dim
    return int(recurrent_layer + output_layer)
    ### END SOLUTION


# %%
count_rnn_parameters(input_dim=27, hidden_dim=64, output_dim=27)

# %% nbgrader={"grade": true, "grade_id": "test_count_rnn_parameters", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""count_rnn_parameters agrees with count_params() of the same model built in Keras."""
import keras

def keras_parameter_count(T, D, H, V):
    model = keras.Sequential([keras.Input((T, D)), keras.layers.SimpleRNN(H, return_sequences=True),
                              keras.layers.Dense(V)])
    return model.count_params()

def check_count(D, H, V):
    expected = keras_parameter_count(5, D, H, V)
    got = checks.call(count_rnn_parameters, D, H, V)
    checks.check_type("count_rnn_parameters(...)", got, (int, np.integer))
    checks.check_equal(f"count_rnn_parameters({D}, {H}, {V})", got, expected,
                       hint="Count every weight matrix and bias vector of both layers.")

check_count(3, 4, 2)
### BEGIN HIDDEN TESTS
check_count(26, 64, 27)  # no two sizes alike, none as in the visible test
check_count(1, 2, 5)
check_count(10, 6, 7)
### END HIDDEN TESTS
print("the parameter count is right")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: why the count does not grow with $T$ (2 points, graded by hand)
#
# Your count has no $T$ in it, yet the unrolled network has a layer for every time step.
# In two to four sentences: why does the number of parameters not depend on the sequence length, and what does that let the RNN do that a dense network reading all $T$ inputs concatenated into one vector cannot?

# %% [markdown] nbgrader={"grade": true, "grade_id": "parameter_sharing_answer", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* Full marks need both points:
# 1. The same weights $W_{xh}, W_{hh}, b_h$ (and $W_{hy}, b_y$) are applied at every time step (parameter sharing); unrolling copies the computation, not the parameters, so the count is fixed by $D$, $H$ and $V$ only.
# 2. Consequence: one model handles sequences of any length, including lengths not seen in training, and what it learns at one position applies at every position. A dense network on the concatenation has $T \cdot D \cdot H$ input weights, needs a fixed $T$, and must learn the same pattern separately for each position.
# One point for each; no marks for "it has fewer parameters" without the reason.
# ### END SOLUTION
