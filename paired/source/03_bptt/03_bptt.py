# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 03 assignment: backpropagation through time
#
# In this assignment you write the backward pass of a recurrent neural network in NumPy, check it against TensorFlow's automatic differentiation, and train a small character model from scratch with it.
#
# **Learning goals.** After it you can
# - check any gradient with centred differences and a relative error;
# - backpropagate through one RNN step, $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$, for a whole batch;
# - backpropagate through time: add the gradient from step $t+1$ to the gradient of $h_t$'s own loss, and sum the gradients of the shared weights over the steps;
# - compute the softmax cross-entropy loss of a sequence and its gradient, stably;
# - run truncated BPTT: carry the state across chunks, cut the gradient at their boundaries;
# - train a character-level RNN with your own forward and backward passes.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests that compare your gradients with `tf.GradientTape` in float32.
# When you submit, the same cells also run hidden tests on fresh sizes and values in float64: your gradients must then agree with TensorFlow to about $10^{-9}$ and with centred differences to a relative error below $10^{-6}$, so make your code work for any sizes, not only the ones shown.
# Shapes are batch-major, as in Keras: a batch of sequences is `(N, T, D)`, hidden states are `(N, T, H)`.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import matplotlib.pyplot as plt
from rnncourse import checks, bptt_data, bptt_plots

np.set_printoptions(precision=4, suppress=True)


# %% [markdown] nbgrader={"grade": false, "grade_id": "forward_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The forward pass from unit 02
#
# The next cell is unit 02's solution, given so that you can build on it; it is read-only.
# `rnn_step_forward` returns `h_next` and the step's cache `(x, h_prev, Wx, Wh, h_next)`: exactly what the backward pass of that step needs.
# `rnn_forward` returns `h` of shape `(N, T, H)` and the list of the $T$ step caches, in time order.

# %% nbgrader={"grade": false, "grade_id": "unit02_forward", "locked": true, "schema_version": 3, "solution": false, "task": false}
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step h_next = tanh(x @ Wx + h_prev @ Wh + b); returns (h_next, (x, h_prev, Wx, Wh, h_next))."""
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over x (N, T, D) from h0 (N, H); returns h (N, T, H) and the list of step caches."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx, Wh, b))
    cache, h_prev = [], h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
        cache.append(step_cache)
    return h, cache


# %% [markdown] nbgrader={"grade": false, "grade_id": "oracle_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The oracle: TensorFlow's automatic differentiation
#
# The tests compare your gradients with what `tf.GradientTape` computes for the same weights.
# A backward pass receives the upstream gradient $\partial L / \partial h$ of some loss $L$; for any array `dh` of the shape of `h`, the loss $L = \sum h \odot \mathrm{dh}$ has exactly that upstream gradient, so the tape's gradients of this $L$ are what your backward pass must return.
# Read the next cell if you like; it is read-only.

# %% nbgrader={"grade": false, "grade_id": "tf_oracle", "locked": true, "schema_version": 3, "solution": false, "task": false}
import tensorflow as tf

TOLERANCE = dict(rtol=1e-4, atol=1e-5)  # TensorFlow computes in float32: agreement to about 1e-6 is all we can ask


def tf_rnn(x, h0, Wx, Wh, b, activation=tf.tanh, cut_every=None, restart=None, weights_at=None, carry_gradient=True):
    """The RNN forward pass in TensorFlow; h of shape (N, T, H).

    cut_every=k: the state is carried into steps k, 2k, ... but its gradient is stopped there (truncated BPTT).
    The other arguments reproduce known mistakes, so that a test can name yours: `restart`, a state that
    replaces the carried one at every cut; `weights_at`, the only steps whose weights get a gradient;
    carry_gradient=False, no gradient from h_t back to h_{t-1}.
    """
    h, states = h0, []
    for t in range(x.shape[1]):
        if cut_every and t > 0 and t % cut_every == 0:
            h = tf.stop_gradient(h) if restart is None else restart
        elif t > 0 and not carry_gradient:
            h = tf.stop_gradient(h)
        weights = (Wx, Wh, b) if weights_at is None or t in weights_at else [tf.stop_gradient(w) for w in (Wx, Wh, b)]
        h = activation(x[:, t] @ weights[0] + h @ weights[1] + weights[2])
        states.append(h)
    return tf.stack(states, axis=1)


def _tape_gradients(forward, inputs, upstream, dtype):
    inputs = [tf.constant(np.asarray(a), dtype) for a in inputs]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss = tf.reduce_sum(forward(*inputs) * tf.constant(np.asarray(upstream), dtype))
    return [g.numpy() for g in tape.gradient(loss, inputs, unconnected_gradients=tf.UnconnectedGradients.ZERO)]


def tape_gradients(forward, inputs, upstream):
    """tf.GradientTape's gradients (float32) of sum(forward(*inputs) * upstream) with respect to each input."""
    return _tape_gradients(forward, inputs, upstream, tf.float32)


def random_rnn_problem(rng, N, T, D, H, scale=0.5):
    """Random x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,) and an upstream gradient dh (N, T, H)."""
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), scale * rng.normal(size=(D, H)),
            scale * rng.normal(size=(H, H)), scale * rng.normal(size=H), rng.normal(size=(N, T, H)))


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||): 0 when equal, 1 when one of them is zero."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def call_with_cache(function, upstream, cache):
    """Call a backward function on copies of its arguments (checks.call); an error says only what is known."""
    steps = cache if isinstance(cache, list) else [cache]
    try:
        return checks.call(function, upstream, cache)
    except ValueError as error:  # checks.call passes on the ValueErrors that are not about shapes
        if "values to unpack" not in str(error):
            raise
        # Say what holds how many items; which unpacking failed is for the student's traceback to tell.
        raise AssertionError(
            f"{function.__name__} raised ValueError: {error}\n"
            f"An unpacking `a, b, ... = value` met another number of items than it has names. A step's cache "
            f"holds {len(steps[0])} arrays, (x, h_prev, Wx, Wh, h_next), and rnn_step_backward returns 5 "
            f"gradients, (dx, dh_prev, dWx, dWh, db)."
        ) from None


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: a numerical gradient (3 points)
#
# Before writing backward passes, write the tool that checks them.
# For a function $f$ that maps an array $x$ to a number, the centred difference
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}$$
#
# changes one entry $x_i$ at a time ($e_i$ is 1 at entry $i$ and 0 elsewhere).
# Its error shrinks like $\varepsilon^2$, while the one-sided difference $(f(x + \varepsilon e_i) - f(x)) / \varepsilon$ is off by about $\varepsilon f''/2$.
#
# Write `numerical_gradient(f, x, eps=1e-5)` that returns an array of the shape of `x` holding these differences for every entry.
# `f` is called as `f(x)` and returns a number; `x` can have any shape (`np.ndindex(x.shape)` visits every index).
# Use the `eps` you are given.
# If you change entries of `x` in place, put each one back to its old value: the caller's `x` must be unchanged afterwards, up to rounding (an entry that comes back one last bit off, as after `+= eps` then `-= eps`, counts as unchanged).
#
# *Checked by:* agreement with exact gradients to a relative error of $10^{-6}$ per entry, on a function curved enough that one-sided differences miss it, for 2-D and 3-D `x`; and, with the `eps` the test passes, the exact centred difference of $f(x) = \sum x^3$, which is $3x_i^2 + \varepsilon^2$, to an absolute error of $10^{-9}$ (2 points); `x` unchanged after the call, up to rounding, and a result of `x`'s shape (1 point).

# %% nbgrader={"grade": false, "grade_id": "numerical_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_gradient(f, x, eps=1e-5):
    """Centred differences of the scalar function f at x: an array shaped like x."""
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        f_plus = f(x)
        x[index] = old - eps
        f_minus = f(x)
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
    ### END SOLUTION


# %% [markdown]
# Try it on $f(x) = \sum x^3$, whose gradient is $3x^2$:

# %%
x_try = np.array([[1.0, -2.0], [0.5, 3.0]])
numerical_gradient(lambda v: np.sum(v ** 3), x_try), 3 * x_try ** 2

# %% nbgrader={"grade": true, "grade_id": "test_numerical_gradient_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""numerical_gradient agrees with exact gradients to a relative error of 1e-6 per entry, for 2-D and 3-D x."""
rng = np.random.default_rng(3)
x = rng.uniform(-1, 1, size=(3, 4))
exact = 3 * np.exp(3 * x)  # the gradient of sum(exp(3x)); its curvature makes one-sided differences err by 1.5e-5
got = checks.call(numerical_gradient, lambda v: np.sum(np.exp(3 * v)), x)
checks.check_close("numerical_gradient of sum(exp(3x))", got, exact, rtol=1e-6, atol=0, likely_mistakes={
    "it is twice the gradient: divide f(x + eps) - f(x - eps) by 2 * eps, not by eps": 2 * exact,
    "this is the one-sided difference (f(x + eps) - f(x)) / eps, off by about eps * f''/2; "
    "use the centred difference (f(x + eps) - f(x - eps)) / (2 * eps)": np.expm1(3e-5) / 1e-5 * np.exp(3 * x),
    "this is the one-sided difference (f(x) - f(x - eps)) / eps, off by about eps * f''/2; "
    "use the centred difference (f(x + eps) - f(x - eps)) / (2 * eps)": -np.expm1(-3e-5) / 1e-5 * np.exp(3 * x),
    "each row got the sum of its entries' gradients: change one entry at a time, "
    "for every index in np.ndindex(x.shape), not a whole row x[i]": np.broadcast_to(exact.sum(axis=1, keepdims=True), exact.shape),
})
x3 = rng.normal(size=(2, 3, 2))
f3 = lambda v: np.sum(np.tanh(v * v[::-1]))  # couples the two halves of v
exact3, = _tape_gradients(lambda v: tf.reduce_sum(tf.tanh(v * v[::-1])), [x3], 1.0, tf.float64)
checks.check_close("numerical_gradient for a 3-D x", checks.call(numerical_gradient, f3, x3), exact3, rtol=1e-6, atol=1e-9)

def check_eps_used(x, eps):
    """For sum(x**3) the centred difference is exactly 3x**2 + eps**2: it shows which eps was used."""
    got = checks.call(numerical_gradient, lambda v: np.sum(v ** 3), x, eps)
    checks.check_close(f"numerical_gradient(f, x, eps={eps}) of sum(x**3), exactly 3x**2 + eps**2", got,
                       3 * x ** 2 + eps ** 2, rtol=0, atol=1e-9, likely_mistakes={
        f"this is the centred difference for eps = 1e-5, not for the eps = {eps} passed to numerical_gradient: "
        f"use the argument eps": 3 * x ** 2 + 1e-10})

check_eps_used(rng.uniform(-2, 2, size=(2, 3)), eps=1e-2)
### BEGIN HIDDEN TESTS
for seed, shape in enumerate([(5,), (1,), (4, 1, 2), (2, 2, 2, 2)]):
    rng = np.random.default_rng(400 + seed)
    x = rng.uniform(-1, 1, size=shape)
    expected_exp, expected_cube = 3 * np.exp(3 * x), 3 * x ** 2 + 1e-6
    got = checks.call(numerical_gradient, lambda v: np.sum(np.exp(3 * v)), x)
    checks.check_close(f"numerical_gradient of sum(exp(3x)), x of shape {shape}", got, expected_exp, rtol=1e-6, atol=0)
    check_eps_used(x, eps=1e-3)
### END HIDDEN TESTS
print("numerical_gradient is accurate")

# %% nbgrader={"grade": true, "grade_id": "test_numerical_gradient_restores_x", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""numerical_gradient leaves x unchanged, up to rounding, and returns an array of x's shape."""
def check_x_unchanged(f, x, *eps):
    try:  # the only test that asks for unchanged inputs; checks.call allows one-ulp differences
        got = checks.call(numerical_gradient, f, x, *eps, inputs_unchanged=True)
    except AssertionError as error:
        if "changed its argument" not in str(error):
            raise
        raise AssertionError(f"{error}. Put every entry of x back to its old value after perturbing it "
                             f"(or perturb a copy of x).") from None
    checks.check_shape("numerical_gradient(f, x)", got, x.shape)

check_x_unchanged(lambda v: float(np.sum(v ** 2)), np.random.default_rng(4).normal(size=(2, 3, 2)))
### BEGIN HIDDEN TESTS
check_x_unchanged(lambda v: float(np.prod(v)), np.random.default_rng(401).uniform(-2, 2, size=(7,)), 1e-3)
### END HIDDEN TESTS
print("x is left as it was")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: one step backward (4 points)
#
# One step computes $z = x W_{xh} + h_{prev} W_{hh} + b_h$ (`b` in the code) and $h_{next} = \tanh(z)$.
# Given `dh_next` $= \partial L / \partial h_{next}$ of shape `(N, H)` and the step's cache `(x, h_prev, Wx, Wh, h_next)`, the chain rule gives
#
# $$dz = dh_{next} \odot (1 - h_{next}^2), \quad dx = dz\, W_{xh}^\top, \quad dh_{prev} = dz\, W_{hh}^\top, \quad dW_{xh} = x^\top dz, \quad dW_{hh} = h_{prev}^\top dz, \quad db = \textstyle\sum_n dz_n,$$
#
# since $\tanh'(z) = 1 - \tanh(z)^2$, and the bias is added to every row of the batch.
# Write `rnn_step_backward(dh_next, cache)` that returns `(dx, dh_prev, dWx, dWh, db)`; each gradient has the shape of what it is the gradient of.
#
# *Checked by:* the five shapes (1 point); the values against `tf.GradientTape`, in float32 to a relative error of $10^{-4}$ (visible tests), and in float64 to $10^{-9}$ and against centred differences to a relative error of $10^{-6}$ (hidden tests) (3 points).

# %% nbgrader={"grade": false, "grade_id": "rnn_step_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    dh_next: (N, H), the gradient of the loss with respect to h_next.
    cache: (x, h_prev, Wx, Wh, h_next) from rnn_step_forward.
    Returns (dx, dh_prev, dWx, dWh, db) with the shapes of x, h_prev, Wx, Wh, b.
    """
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, h_next = cache
    dz = dh_next * (1 - h_next ** 2)
    dx = dz @ Wx.T
    dh_prev = dz @ Wh.T
    dWx = x.T @ dz
    dWh = h_prev.T @ dz
    db = dz.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION


# %% [markdown]
# Try it: compare your `dWh` with your `numerical_gradient` of the loss $L = \sum h_{next} \odot dh_{next}$, whose gradient with respect to $h_{next}$ is `dh_next`.
# A relative error below $10^{-6}$ means they agree.

# %%
rng = np.random.default_rng(0)
x_s, h_s, Wx_s, Wh_s, b_s = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
dh_s = rng.normal(size=(2, 4))
_, cache_s = rnn_step_forward(x_s, h_s, Wx_s, Wh_s, b_s)
dWh_numeric = numerical_gradient(lambda W: np.sum(rnn_step_forward(x_s, h_s, Wx_s, W, b_s)[0] * dh_s), Wh_s)
dWh_s = rnn_step_backward(dh_s, cache_s)[3]
relative_error(dWh_s, dWh_numeric)

# %% nbgrader={"grade": true, "grade_id": "test_rnn_step_backward_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""rnn_step_backward returns (dx, dh_prev, dWx, dWh, db) with the shapes of x, h_prev, Wx, Wh, b."""
STEP_GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "db")

def check_step_shapes(N, D, H, seed):
    x, h_prev, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(seed), N, 1, D, H)
    _, cache = rnn_step_forward(x[:, 0], h_prev, Wx, Wh, b)
    got = checks.check_returns("rnn_step_backward", call_with_cache(rnn_step_backward, dh[:, 0], cache), STEP_GRADIENTS)
    for name, like in zip(STEP_GRADIENTS, (x[:, 0], h_prev, Wx, Wh, b)):
        checks.check_shape(name, got[name], like.shape)

check_step_shapes(N=3, D=4, H=5, seed=0)  # all sizes differ, so a missing transpose shows
### BEGIN HIDDEN TESTS
for N, D, H in [(1, 1, 1), (6, 2, 3), (2, 7, 4)]:
    check_step_shapes(N, D, H, seed=N + D + H)
### END HIDDEN TESTS
print("the five gradients have the right shapes")

# %% nbgrader={"grade": true, "grade_id": "test_rnn_step_backward_values", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""rnn_step_backward agrees with tf.GradientTape on one step."""
def tf_step(x, h_prev, Wx, Wh, b, activation=tf.tanh):
    return activation(x @ Wx + h_prev @ Wh + b)

def tf_step_wh_transposed(x, h_prev, Wx, Wh, b):
    """Same values, but gradients that go back through Wh as if it were transposed."""
    recurrent = h_prev @ tf.transpose(Wh)
    return tf.tanh(x @ Wx + recurrent + tf.stop_gradient(h_prev @ Wh - recurrent) + b)

x, h_prev, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(1), N=3, T=1, D=4, H=5)
x, dh_next = x[:, 0], dh[:, 0]
_, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
inputs = (x, h_prev, Wx, Wh, b)
expected = tape_gradients(tf_step, inputs, dh_next)  # before the call; it gets copies anyway (checks.call)
no_tanh = tape_gradients(lambda *a: tf_step(*a, activation=tf.identity), inputs, dh_next)
transposed = tape_gradients(tf_step_wh_transposed, inputs, dh_next)
got = checks.check_returns("rnn_step_backward", call_with_cache(rnn_step_backward, dh_next, cache), STEP_GRADIENTS)
missing_tanh = "the tanh derivative is missing: multiply dh_next by (1 - h_next**2) first (h_next is in the cache)"
for i, name in enumerate(STEP_GRADIENTS):
    mistakes = {missing_tanh: no_tanh[i]}
    if name == "dh_prev":
        mistakes["the gradient goes back through Wh the wrong way round: the forward pass computes h_prev @ Wh, "
                 "so dh_prev is dz times the transpose of Wh"] = transposed[i]
    if name == "dWh":
        mistakes["dWh is transposed: dWh[i, j] belongs to Wh[i, j], which links unit i of h_prev "
                 "to unit j of h_next"] = transposed[i]
    if name == "db":
        mistakes["db is the mean of dz over the batch: it is the sum, because b is added to every row"] = expected[i] / len(x)
    checks.check_close(name, got[name], expected[i], likely_mistakes=mistakes, **TOLERANCE)
### BEGIN HIDDEN TESTS

def _numeric_gradient(loss, array, eps=1e-5):  # the course's own centred differences, float64
    grad = np.zeros(array.shape)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        up = loss()
        array[i] = old - eps
        down = loss()
        array[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad

# Fresh sizes and values in float64: exact agreement with TensorFlow, and with centred differences
# to a relative error below 1e-6.
for seed, (N, D, H) in enumerate([(1, 1, 1), (4, 6, 3), (2, 3, 7)]):
    x, h_prev, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(500 + seed), N, 1, D, H, scale=1.0)
    x, dh_next = x[:, 0], dh[:, 0]
    inputs = (x, h_prev, Wx, Wh, b)
    expected = _tape_gradients(tf_step, inputs, dh_next, tf.float64)
    numerics = [_numeric_gradient(lambda: np.sum(np.tanh(x @ Wx + h_prev @ Wh + b) * dh_next), array) for array in inputs]
    _, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
    got = call_with_cache(rnn_step_backward, dh_next, cache)
    for name, g, e, numeric in zip(STEP_GRADIENTS, got, expected, numerics):
        checks.check_close(name, g, e, rtol=1e-9, atol=1e-12)
        error = relative_error(g, numeric)
        assert error < 1e-6, f"{name}: relative error {error:.1e} against centred differences, above 1e-6"
### END HIDDEN TESTS
print("rnn_step_backward matches tf.GradientTape")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: backpropagation through time (4 points)
#
# Now the whole sequence.
# `dh` of shape `(N, T, H)` holds the upstream gradient of every state: `dh[:, t]` $= \partial L / \partial h_t$ through the loss at step $t$ only.
# But $h_t$ also reaches the loss through $h_{t+1}$, so the total gradient of $h_t$ is
#
# $$\frac{dL}{dh_t} = \mathrm{dh}[:, t] + \underbrace{\frac{dL}{dh_{t+1}} \frac{\partial h_{t+1}}{\partial h_t}}_{dh_{prev} \text{ of step } t+1},$$
#
# which is what you pass to `rnn_step_backward` at step $t$.
# Go through the steps in reverse, $t = T-1, \dots, 0$, starting with nothing coming from step $T$.
# The weights are the same at every step, so their gradients are **sums** of the steps' contributions.
# Write `rnn_backward(dh, cache)`, with `cache` the list of step caches from `rnn_forward`, returning `(dx, dh0, dWx, dWh, db)`: `dx` of shape `(N, T, D)`, `dh0` the gradient of the initial state `h0`, and the weight gradients.
#
# *Checked by:* the shapes (1 point); the values against `tf.GradientTape` through the unrolled sequence, in float32 to a relative error of $10^{-4}$ (visible tests), and in float64 to $10^{-9}$ and against centred differences to a relative error of $10^{-6}$ (hidden tests) (3 points).

# %% nbgrader={"grade": false, "grade_id": "rnn_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_backward(dh, cache):
    """Backpropagation through time.

    dh: (N, T, H), the upstream gradient of every h_t. cache: the list of step caches from rnn_forward.
    Returns (dx, dh0, dWx, dWh, db): dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(H)
    dh_prev = np.zeros((N, H))  # nothing flows back from step T
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION


# %% [markdown]
# Try it, and check `dWx` with your numerical gradient:

# %%
x_r, h0_r, Wx_r, Wh_r, b_r, dh_r = random_rnn_problem(np.random.default_rng(0), N=2, T=5, D=3, H=4)
_, cache_r = rnn_forward(x_r, h0_r, Wx_r, Wh_r, b_r)
dWx_numeric = numerical_gradient(lambda W: np.sum(rnn_forward(x_r, h0_r, W, Wh_r, b_r)[0] * dh_r), Wx_r)
dWx_r = rnn_backward(dh_r, cache_r)[2]
relative_error(dWx_r, dWx_numeric)

# %% nbgrader={"grade": true, "grade_id": "test_rnn_backward_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""rnn_backward returns (dx, dh0, dWx, dWh, db) with the shapes of x, h0, Wx, Wh, b."""
GRADIENTS = ("dx", "dh0", "dWx", "dWh", "db")

def check_backward_shapes(N, T, D, H, seed):
    x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(seed), N, T, D, H)
    _, cache = rnn_forward(x, h0, Wx, Wh, b)
    got = checks.check_returns("rnn_backward", call_with_cache(rnn_backward, dh, cache), GRADIENTS)
    for name, like in zip(GRADIENTS, (x, h0, Wx, Wh, b)):
        checks.check_shape(name, got[name], like.shape)

check_backward_shapes(N=2, T=6, D=3, H=4, seed=0)
### BEGIN HIDDEN TESTS
for N, T, D, H in [(1, 1, 1, 1), (3, 9, 2, 5), (5, 2, 4, 3)]:
    check_backward_shapes(N, T, D, H, seed=N + T + D + H)
### END HIDDEN TESTS
print("the five gradients have the right shapes")

# %% nbgrader={"grade": true, "grade_id": "test_rnn_backward_values", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""rnn_backward agrees with tf.GradientTape through the unrolled sequence."""
x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(2), N=2, T=5, D=3, H=4)
_, cache = rnn_forward(x, h0, Wx, Wh, b)
inputs, T = (x, h0, Wx, Wh, b), x.shape[1]
expected = tape_gradients(tf_rnn, inputs, dh)  # before the call; it gets copies anyway (checks.call)
last_only = np.zeros_like(dh)
last_only[:, -1] = dh[:, -1]
mistakes = {
    "the weight gradients are not summed over time: only step 0's contribution is kept; "
    "add every step's contribution to dWx, dWh and db": tape_gradients(lambda *a: tf_rnn(*a, weights_at={0}), inputs, dh),
    "the weight gradients are not summed over time: only the last step's contribution is kept; "
    "add every step's contribution to dWx, dWh and db": tape_gradients(lambda *a: tf_rnn(*a, weights_at={T - 1}), inputs, dh),
    "the upstream gradient dh[:, t] of each step is not added: only dh[:, T-1] flows back; "
    "pass dh[:, t] + (dh_prev from step t+1) to step t": tape_gradients(tf_rnn, inputs, last_only),
    "the gradient from step t+1 is dropped: pass dh[:, t] + (dh_prev from step t+1) to step t, not dh[:, t] alone":
        tape_gradients(lambda *a: tf_rnn(*a, carry_gradient=False), inputs, dh),
    "the tanh derivative is missing (see rnn_step_backward)":
        tape_gradients(lambda *a: tf_rnn(*a, activation=tf.identity), inputs, dh),
}
got = checks.check_returns("rnn_backward", call_with_cache(rnn_backward, dh, cache), GRADIENTS)
for i, name in enumerate(GRADIENTS):
    likely = {sentence: wrong[i] for sentence, wrong in mistakes.items()}
    if name == "dh0":
        likely["dh0 is zero: return the dh_prev that step 0 passes back, the gradient of h0"] = 0 * expected[i]
    checks.check_close(name, got[name], expected[i], **TOLERANCE, likely_mistakes=likely)
### BEGIN HIDDEN TESTS

def _numeric_gradient(loss, array, eps=1e-5):  # the course's own centred differences, float64
    grad = np.zeros(array.shape)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        up = loss()
        array[i] = old - eps
        down = loss()
        array[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad

for seed, (N, T, D, H) in enumerate([(1, 1, 1, 1), (3, 4, 2, 3), (2, 12, 3, 2)]):
    x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(600 + seed), N, T, D, H, scale=0.8)
    inputs = (x, h0, Wx, Wh, b)
    expected = _tape_gradients(tf_rnn, inputs, dh, tf.float64)
    numerics = [_numeric_gradient(lambda: np.sum(rnn_forward(x, h0, Wx, Wh, b)[0] * dh), array) for array in inputs]
    _, cache = rnn_forward(x, h0, Wx, Wh, b)
    got = call_with_cache(rnn_backward, dh, cache)
    for name, g, e in zip(GRADIENTS, got, expected):
        checks.check_close(name, g, e, rtol=1e-9, atol=1e-12)
    for name, g, numeric in zip(GRADIENTS, got, numerics):
        error = relative_error(g, numeric)
        assert error < 1e-6, f"{name}: relative error {error:.1e} against centred differences, above 1e-6"
### END HIDDEN TESTS
print("rnn_backward matches tf.GradientTape")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: the loss, softmax cross-entropy (3 points)
#
# A model that predicts one of $V$ classes at every step gives scores `scores` of shape `(N, T, V)`; `y` of shape `(N, T)` holds the true class of each position.
# The loss is the mean over all $N T$ positions of minus the log-probability of the true class:
#
# $$L = -\frac{1}{NT} \sum_{n, t} \log p_{n,t,y_{n,t}}, \qquad p_{n,t} = \mathrm{softmax}(\mathrm{scores}_{n,t}),$$
#
# and its gradient is
#
# $$\frac{\partial L}{\partial\, \mathrm{scores}_{n,t,v}} = \frac{p_{n,t,v} - [v = y_{n,t}]}{NT}.$$
#
# Write `softmax_cross_entropy(scores, y)` returning `(loss, dscores)`: the loss as a float and `dscores` of the shape of `scores`.
# Make it stable: scores in the thousands must give finite, correct results, and so must a true class whose probability is too small for a float64 (below about $10^{-308}$, it underflows to 0).
# Compute the log-probabilities directly, $\log p_v = z_v - m - \log \sum_j e^{z_j - m}$ with $m$ the row's maximum, rather than the log of the softmax, which is $\log 0 = -\infty$ when a probability underflows to 0.
#
# *Checked by:* the loss (1 point) and `dscores` (1 point) against TensorFlow, in float32 to a relative error of $10^{-4}$, and in float64 to $10^{-10}$ (the loss) and $10^{-9}$ (`dscores`, also against centred differences to $10^{-6}$); finite, correct results for scores in the thousands (the loss to a relative error of $10^{-5}$ against TensorFlow's float32) and for a true class of probability about $e^{-800}$ (the loss to $10^{-10}$) (1 point).

# %% nbgrader={"grade": false, "grade_id": "softmax_cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_cross_entropy(scores, y):
    """Mean softmax cross-entropy over all N*T positions and its gradient.

    scores: (N, T, V), y: (N, T) integer classes. Returns (loss, dscores), dscores shaped like scores.
    """
    ### BEGIN SOLUTION
    N, T, V = scores.shape
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    n, t = np.indices((N, T))
    loss = -log_probs[n, t, y].mean()
    dscores = np.exp(log_probs)
    dscores[n, t, y] -= 1
    dscores /= N * T
    return float(loss), dscores
    ### END SOLUTION


# %% [markdown]
# Try it: with all scores equal, every class has probability $1/V$ and the loss is $\log V$.

# %%
loss_try, dscores_try = softmax_cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=int))
loss_try, np.log(4)

# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""The loss of softmax_cross_entropy is the mean over all N*T positions, as in TensorFlow."""
def cross_entropy_problem(rng, N, T, V, scale=2.0):
    return scale * rng.normal(size=(N, T, V)), rng.integers(0, V, size=(N, T))

def tf_losses(scores, y):
    """Each variant's loss as a function of float32 scores, and its gradient with respect to them."""
    N, T, V = scores.shape
    per_position = lambda s: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=s)
    variants = {
        "right": lambda s: tf.reduce_mean(per_position(s)),
        "averaged over N only": lambda s: tf.reduce_sum(per_position(s)) / N,
        "averaged over T only": lambda s: tf.reduce_sum(per_position(s)) / T,
        "summed": lambda s: tf.reduce_sum(per_position(s)),
        "no minus one": lambda s: tf.reduce_mean(tf.reduce_logsumexp(s, axis=-1)),
        "wrong axis": lambda s: -tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, V, dtype=s.dtype)
                                                              * tf.nn.log_softmax(s, axis=1), axis=-1)),
    }
    return {name: (float(f(tf.constant(scores, tf.float32))), tape_gradients(f, [scores], 1.0)[0])
            for name, f in variants.items()}

scores, y = cross_entropy_problem(np.random.default_rng(7), N=2, T=3, V=5)
result = checks.call(softmax_cross_entropy, scores, y)
loss = checks.check_returns("softmax_cross_entropy", result, ("loss", "dscores"))["loss"]
tf_results = tf_losses(scores, y)
checks.check_close("loss", loss, tf_results["right"][0], **TOLERANCE, likely_mistakes={
    "the loss is averaged over the N sequences only: divide the sum by N * T, the number of positions":
        tf_results["averaged over N only"][0],
    "the loss is averaged over the T steps only: divide the sum by N * T, the number of positions":
        tf_results["averaged over T only"][0],
    "the loss is summed, not averaged: divide by N * T": tf_results["summed"][0],
    "the softmax is taken over the wrong axis: normalise over the last axis, the V classes":
        tf_results["wrong axis"][0],
})
### BEGIN HIDDEN TESTS
for seed, (N, T, V) in enumerate([(1, 1, 2), (4, 7, 3), (3, 2, 11)]):
    scores, y = cross_entropy_problem(np.random.default_rng(700 + seed), N, T, V, scale=3.0)
    expected = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tf.constant(scores, tf.float64)))
    checks.check_close(f"loss for scores of shape {(N, T, V)}", checks.call(softmax_cross_entropy, scores, y)[0], float(expected),
                       rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("the loss is right")

# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy_gradient", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""dscores is the gradient of the mean loss, as tf.GradientTape computes it."""
scores, y = cross_entropy_problem(np.random.default_rng(8), N=3, T=2, V=4)
dscores = checks.check_returns("softmax_cross_entropy", checks.call(softmax_cross_entropy, scores, y), ("loss", "dscores"))["dscores"]
tf_results = tf_losses(scores, y)
checks.check_close("dscores", dscores, tf_results["right"][1], **TOLERANCE, likely_mistakes={
    "1 is not subtracted at the true class: dscores is (p - 1 at the true class, p elsewhere) / (N * T)":
        tf_results["no minus one"][1],
    "dscores is not divided by N * T, the number of positions the loss averages over": tf_results["summed"][1],
    "dscores is divided by N only: the loss averages over all N * T positions": tf_results["averaged over N only"][1],
    "dscores is divided by T only: the loss averages over all N * T positions": tf_results["averaged over T only"][1],
    "the softmax is taken over the wrong axis: normalise over the last axis, the V classes": tf_results["wrong axis"][1],
})
### BEGIN HIDDEN TESTS

def _numeric_gradient(loss, array, eps=1e-5):  # the course's own centred differences, float64
    grad = np.zeros(array.shape)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        up = loss()
        array[i] = old - eps
        down = loss()
        array[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad

for seed, (N, T, V) in enumerate([(1, 1, 2), (2, 5, 3), (3, 2, 6)]):
    scores, y = cross_entropy_problem(np.random.default_rng(800 + seed), N, T, V, scale=3.0)
    reference = lambda s: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=s))
    expected, = _tape_gradients(reference, [scores], 1.0, tf.float64)
    numeric = _numeric_gradient(lambda: float(reference(tf.constant(scores, tf.float64))), scores)
    dscores = checks.call(softmax_cross_entropy, scores, y)[1]
    checks.check_close(f"dscores for scores of shape {(N, T, V)}", dscores, expected, rtol=1e-9, atol=1e-12)
    error = relative_error(dscores, numeric)
    assert error < 1e-6, f"dscores: relative error {error:.1e} against centred differences, above 1e-6"
### END HIDDEN TESTS
print("dscores is right")

# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy_stable", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""softmax_cross_entropy gives finite, correct results for scores in the thousands and for a true class of probability e^-800."""
# No score is large here, so nothing overflows; but the true class of the first position has probability
# about e^-800, which is 0 in float64: its log must not be taken.
scores = np.array([[[0.0, -800.0, -1.0], [2.0, 0.5, -0.5]]])
y = np.array([[1, 0]])
expected_loss = (800 + np.log1p(np.exp(-800) + np.exp(-1)) - np.log(1 / (1 + np.exp(-1.5) + np.exp(-2.5)))) / 2
with np.errstate(all="ignore"):
    loss, dscores = checks.call(softmax_cross_entropy, scores, y)
checks.check_finite("loss when the true class has probability about e^-800", loss,
                    "That probability underflows to 0 in float64, and log(0) is -inf: compute log-probabilities "
                    "as z - max - log(sum(exp(z - max))), never as the log of a probability.")
checks.check_close("loss when the true class has probability about e^-800", loss, expected_loss, rtol=1e-10, atol=0)

scores, y = cross_entropy_problem(np.random.default_rng(9), N=2, T=3, V=4, scale=1000.0)
with np.errstate(all="ignore"):  # an unstable version should fail with a message, not a warning
    loss, dscores = checks.call(softmax_cross_entropy, scores, y)
hint = ("With scores in the thousands, exp(z) overflows to inf unless each row's maximum is subtracted first, and a "
        "probability that underflows to 0 has log -inf: compute log-probabilities as z - max - log(sum(exp(z - max))).")
checks.check_finite("loss", loss, hint)
checks.check_finite("dscores", dscores, hint)
tf_results = tf_losses(scores, y)
checks.check_close("loss", loss, tf_results["right"][0], rtol=1e-5, atol=1e-3)
checks.check_close("dscores", dscores, tf_results["right"][1], **TOLERANCE)
### BEGIN HIDDEN TESTS
scores = np.array([[[5000.0, 5001.0, 4999.0], [0.0, 1.0, -1.0], [-3000.0, -3000.0, -2999.0]]])
y = np.array([[2, 0, 0]])
def log_p(row, k):  # rows shifted by a constant have the same probabilities
    shifted = np.asarray(row) - max(row)
    return shifted[k] - np.log(np.exp(shifted).sum())
expected_loss = -(log_p([1.0, 2.0, 0.0], 2) + log_p([0.0, 1.0, -1.0], 0) + log_p([0.0, 0.0, 1.0], 0)) / 3
with np.errstate(all="ignore"):
    loss, dscores = checks.call(softmax_cross_entropy, scores, y)
checks.check_finite("loss", loss, hint)
checks.check_finite("dscores", dscores, hint)
checks.check_close("loss", loss, expected_loss, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("softmax_cross_entropy is stable")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: truncated BPTT (4 points)
#
# Full BPTT stores the cache of every step, so its memory grows with $T$, and one update needs the whole sequence.
# Truncated BPTT cuts the sequence into chunks of `chunk` steps: steps `0 .. chunk-1`, then `chunk .. 2*chunk-1`, and so on (the last chunk may be shorter).
#
# - **Forward, the state is carried:** each chunk starts from the last state of the previous chunk (the first chunk from `h0`), so every $h_t$ is exactly what the full forward pass computes.
# - **Backward, the gradient is cut:** inside a chunk it is ordinary BPTT, but the gradient that reaches the state a chunk started from is dropped instead of flowing into the previous chunk. Only the first chunk's is kept: it is `dh0`.
#
# Write `truncated_bptt_gradients(x, h0, Wx, Wh, b, dh, chunk)` with the arguments of `rnn_forward` and the upstream gradient `dh` of shape `(N, T, H)` of `rnn_backward`.
# Return `(dx, dh0, dWx, dWh, db)` like `rnn_backward`: `dx` for every step, assembled from the chunks, and the weight gradients summed over all chunks.
# Use `rnn_forward` and `rnn_backward` on slices such as `x[:, start:start + chunk]`.
#
# *Checked by:* with `chunk` at least $T$ it equals full BPTT (1 point); no gradient crosses a boundary, while the state does (1 point); the values against `tf.GradientTape` with `tf.stop_gradient` on the state at every boundary (2 points). Values are compared in float32 to a relative error of $10^{-4}$ (visible tests) and in float64 to $10^{-9}$ (hidden tests).

# %% nbgrader={"grade": false, "grade_id": "truncated_bptt_gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def truncated_bptt_gradients(x, h0, Wx, Wh, b, dh, chunk):
    """Gradients of truncated BPTT with chunks of `chunk` steps: state carried forward, gradient cut between chunks.

    x: (N, T, D), h0: (N, H), dh: (N, T, H) the upstream gradient of every h_t.
    Returns (dx, dh0, dWx, dWh, db) like rnn_backward.
    """
    ### BEGIN SOLUTION
    T = x.shape[1]
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    h_start, dh0 = h0, None
    for start in range(0, T, chunk):
        stop = min(start + chunk, T)
        h, cache = rnn_forward(x[:, start:stop], h_start, Wx, Wh, b)
        dx[:, start:stop], dh_start, dWx_c, dWh_c, db_c = rnn_backward(dh[:, start:stop], cache)
        dWx += dWx_c
        dWh += dWh_c
        db += db_c
        if start == 0:
            dh0 = dh_start  # a later chunk's dh_start is dropped: that is the cut
        h_start = h[:, -1]  # the state is carried into the next chunk
    return dx, dh0, dWx, dWh, db
    ### END SOLUTION


# %% [markdown]
# Try it: with a loss on the last chunk only, the gradient of the inputs of the earlier chunks is zero, although those inputs did change the state the last chunk started from.

# %%
x_c, h0_c, Wx_c, Wh_c, b_c, dh_c = random_rnn_problem(np.random.default_rng(1), N=1, T=8, D=2, H=3)
dh_c[:, :6] = 0  # chunks of 3: steps 0-2, 3-5, 6-7; the loss sits on the last chunk
dx_c = truncated_bptt_gradients(x_c, h0_c, Wx_c, Wh_c, b_c, dh_c, chunk=3)[0]
np.abs(dx_c[0]).sum(axis=-1)  # one number per step

# %% nbgrader={"grade": true, "grade_id": "test_truncated_bptt_equals_full_bptt", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""With chunk >= T, truncated_bptt_gradients is full BPTT and agrees with tf.GradientTape."""
x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(5), N=2, T=6, D=3, H=4)
expected = tape_gradients(tf_rnn, (x, h0, Wx, Wh, b), dh)
for chunk in (6, 10):
    got = checks.check_returns("truncated_bptt_gradients", checks.call(truncated_bptt_gradients, x, h0, Wx, Wh, b, dh, chunk), GRADIENTS)
    for name, e in zip(GRADIENTS, expected):
        checks.check_close(f"{name} with chunk={chunk} and T=6", got[name], e, **TOLERANCE)
### BEGIN HIDDEN TESTS
for seed, (N, T, D, H, chunk) in enumerate([(1, 1, 1, 1, 1), (3, 5, 2, 3, 5), (2, 9, 3, 2, 40)]):
    x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(900 + seed), N, T, D, H, scale=0.8)
    expected = _tape_gradients(tf_rnn, (x, h0, Wx, Wh, b), dh, tf.float64)
    got = checks.call(truncated_bptt_gradients, x, h0, Wx, Wh, b, dh, chunk)
    for name, g, e in zip(GRADIENTS, got, expected):
        checks.check_close(f"{name} with chunk={chunk} and T={T}", g, e, rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS
print("with one chunk, truncated BPTT is full BPTT")

# %% nbgrader={"grade": true, "grade_id": "test_truncated_bptt_cuts_the_gradient", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""No gradient crosses a chunk boundary, while the state is carried across it."""
def check_cut(N, T, D, H, chunk, seed):
    x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(seed), N, T, D, H)
    last = (T - 1) // chunk * chunk  # the first step of the last chunk
    dh[:, :last] = 0                 # a loss on the last chunk only
    got = checks.check_returns("truncated_bptt_gradients", checks.call(truncated_bptt_gradients, x, h0, Wx, Wh, b, dh, chunk), GRADIENTS)
    leaked = max(np.abs(got["dx"][:, :last]).max(), np.abs(got["dh0"]).max())
    if leaked > 1e-12:
        raise AssertionError(
            f"the gradient crossed a chunk boundary: with T={T}, chunk={chunk} and a loss on the last chunk only "
            f"(steps {last}..{T - 1}), dx at steps 0..{last - 1} and dh0 must be zero, but reach {leaked:.2e}. "
            f"Drop the gradient that reaches the state a chunk started from.")
    inputs = (x, h0, Wx, Wh, b)
    expected = tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk), inputs, dh)
    for name, e, from_h0, from_zero in zip(GRADIENTS, expected,
                                           tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk, restart=a[1]), inputs, dh),
                                           tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk, restart=0 * a[1]), inputs, dh)):
        checks.check_close(name, got[name], e, **TOLERANCE, likely_mistakes={
            "the state is not carried: each chunk must start from the last state of the previous chunk, not from h0": from_h0,
            "the state is not carried: each chunk must start from the last state of the previous chunk, not from zeros": from_zero,
        })

check_cut(N=2, T=7, D=3, H=4, chunk=3, seed=10)  # chunks: steps 0-2, 3-5, 6
### BEGIN HIDDEN TESTS
check_cut(N=3, T=12, D=2, H=3, chunk=4, seed=910)
check_cut(N=1, T=5, D=4, H=2, chunk=1, seed=911)
### END HIDDEN TESTS
print("the gradient stops at chunk boundaries and the state carries on")

# %% nbgrader={"grade": true, "grade_id": "test_truncated_bptt_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""truncated_bptt_gradients agrees with tf.GradientTape when the state's gradient is stopped at every boundary."""
x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(11), N=2, T=8, D=3, H=4)
chunk, inputs = 3, (x, h0, Wx, Wh, b)  # chunks: steps 0-2, 3-5, 6-7
got = checks.check_returns("truncated_bptt_gradients", checks.call(truncated_bptt_gradients, x, h0, Wx, Wh, b, dh, chunk), GRADIENTS)
expected = tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk), inputs, dh)
mistakes = [
    ("the gradient is not cut: it flows across chunk boundaries as in full BPTT", tape_gradients(tf_rnn, inputs, dh)),
    ("the state is not carried: each chunk must start from the last state of the previous chunk, not from h0",
     tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk, restart=a[1]), inputs, dh)),
    ("the state is not carried: each chunk must start from the last state of the previous chunk, not from zeros",
     tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk, restart=0 * a[1]), inputs, dh)),
    ("only the last chunk's weight gradients are kept: sum them over all chunks",
     tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk, weights_at=range(6, 8)), inputs, dh)),
    ("only the first chunk's weight gradients are kept: sum them over all chunks",
     tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk, weights_at=range(0, 3)), inputs, dh)),
    ("the last, shorter chunk (steps 6-7) is skipped: when T is not a multiple of chunk, the last chunk is shorter",
     tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk), inputs, np.concatenate([dh[:, :6], 0 * dh[:, 6:]], axis=1))),
]
for i, name in enumerate(GRADIENTS):
    checks.check_close(name, got[name], expected[i], **TOLERANCE,
                       likely_mistakes={sentence: wrong[i] for sentence, wrong in mistakes})
### BEGIN HIDDEN TESTS
for seed, (N, T, D, H, chunk) in enumerate([(2, 10, 3, 3, 4), (1, 7, 2, 5, 1), (3, 9, 4, 2, 8), (2, 13, 2, 3, 5)]):
    x, h0, Wx, Wh, b, dh = random_rnn_problem(np.random.default_rng(920 + seed), N, T, D, H, scale=0.8)
    expected = _tape_gradients(lambda *a: tf_rnn(*a, cut_every=chunk), (x, h0, Wx, Wh, b), dh, tf.float64)
    got = checks.call(truncated_bptt_gradients, x, h0, Wx, Wh, b, dh, chunk)
    for name, g, e in zip(GRADIENTS, got, expected):
        checks.check_close(f"{name} with chunk={chunk} and T={T}", g, e, rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS
print("truncated BPTT matches tf.GradientTape with the gradient stopped at the boundaries")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex6_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 6: train a character model from scratch (5 points)
#
# Time to train something with your functions.
# The course ships a short rhyming text; the model reads it one character at a time and predicts the next character.
# Each character is a one-hot vector of size $V$ (the number of distinct characters), and an output layer turns each state into $V$ scores:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h), \qquad \mathrm{scores}_t = h_t W_{hy} + b_y.$$
#
# Write `model_loss_and_gradients(params, x, y, h0)`:
# - `params` is a dict with `Wx` `(V, H)`, `Wh` `(H, H)`, `b` `(H,)`, `Wy` `(H, V)`, `by` `(V,)`; `x` is `(N, T, V)` one-hot, `y` is `(N, T)` the next characters, `h0` is `(N, H)`;
# - forward: `rnn_forward`, the scores, then `softmax_cross_entropy`;
# - backward through the output layer: $W_{hy}$ and $b_y$ are shared by all $N T$ positions, so their gradients are sums over the batch **and** over time; `dh` $=$ `dscores` $W_{hy}^\top$, shape `(N, T, H)`, is the upstream gradient of every $h_t$; then `rnn_backward`;
# - return `(loss, grads, h_last)`: the loss, a dict `grads` with the same keys as `params`, and `h_last = h[:, -1]`, the state to carry into the next chunk.
#
# *Checked by:* the loss, the five gradients and `h_last` against `tf.GradientTape`, in float32 to a relative error of $10^{-4}$ (visible test), and in float64 to $10^{-10}$ (the loss and `h_last`) and $10^{-9}$ (the gradients; `grads['Wy']` also against centred differences to $10^{-6}$) in the hidden tests (3 points); trained with your functions, the model's loss on the whole training text falls below **0.3 nats per character** (2 points).

# %% nbgrader={"grade": false, "grade_id": "model_loss_and_gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def model_loss_and_gradients(params, x, y, h0):
    """Loss of the character model on x (N, T, V) with targets y (N, T), its gradients, and the last state.

    Returns (loss, grads, h_last): grads has the keys of params; h_last is h[:, -1], shape (N, H).
    """
    ### BEGIN SOLUTION
    h, cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    scores = h @ params["Wy"] + params["by"]
    loss, dscores = softmax_cross_entropy(scores, y)
    H, V = params["Wy"].shape
    grads = {"Wy": h.reshape(-1, H).T @ dscores.reshape(-1, V), "by": dscores.sum(axis=(0, 1))}
    dh = dscores @ params["Wy"].T
    _, _, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache)
    return loss, grads, h[:, -1]
    ### END SOLUTION


# %% [markdown]
# Try it: with all weights zero, every character gets the same score, so the loss is $\log V$ for any targets, and `grads` has the keys of `params`.

# %%
V_try, H_try = 6, 4
params_try = {"Wx": np.zeros((V_try, H_try)), "Wh": np.zeros((H_try, H_try)), "b": np.zeros(H_try),
              "Wy": np.zeros((H_try, V_try)), "by": np.zeros(V_try)}
ids_try = np.random.default_rng(0).integers(0, V_try, size=(2, 6))
loss_try, grads_try, h_try = model_loss_and_gradients(params_try, np.eye(V_try)[ids_try[:, :-1]], ids_try[:, 1:], np.zeros((2, H_try)))
loss_try, np.log(V_try), sorted(grads_try)

# %% nbgrader={"grade": true, "grade_id": "test_model_loss_and_gradients", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""model_loss_and_gradients: the loss, the five gradients and h_last agree with tf.GradientTape."""
PARAMS = ("Wx", "Wh", "b", "Wy", "by")

def model_problem(rng, N, T, V, H, scale=0.5):
    params = {"Wx": scale * rng.normal(size=(V, H)), "Wh": scale * rng.normal(size=(H, H)), "b": scale * rng.normal(size=H),
              "Wy": scale * rng.normal(size=(H, V)), "by": scale * rng.normal(size=V)}
    ids = rng.integers(0, V, size=(N, T + 1))
    return params, np.eye(V)[ids[:, :-1]], ids[:, 1:], rng.normal(size=(N, H))

def tf_model_loss(x, y, h0, gradient_at="all", Wy_at="all"):
    """The model's loss as a function of the parameters; the options reproduce known mistakes."""
    def loss(Wx, Wh, b, Wy, by):
        h = tf_rnn(tf.constant(x, Wx.dtype), tf.constant(h0, Wx.dtype), Wx, Wh, b)
        if gradient_at == "last":  # only the last state's upstream gradient reaches rnn_backward
            h = tf.concat([tf.stop_gradient(h[:, :-1]), h[:, -1:]], axis=1)
        if Wy_at == "last":        # the output weights get a gradient from the last step only
            scores = tf.concat([h[:, :-1] @ tf.stop_gradient(Wy) + tf.stop_gradient(by), h[:, -1:] @ Wy + by], axis=1)
        else:
            scores = h @ Wy + by
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=scores))
    return loss

problem, x, y, h0 = model_problem(np.random.default_rng(12), N=2, T=5, V=6, H=4)
weights = [problem[k] for k in PARAMS]
result = checks.call(model_loss_and_gradients, problem, x, y, h0)
got = checks.check_returns("model_loss_and_gradients", result, ("loss", "grads", "h_last"))
checks.check_close("loss", got["loss"], float(tf_model_loss(x, y, h0)(*[tf.constant(w, tf.float32) for w in weights])), **TOLERANCE)
checks.check_type("grads", got["grads"], dict)
checks.check_equal("the keys of grads", sorted(got["grads"]), sorted(PARAMS))
expected = tape_gradients(tf_model_loss(x, y, h0), weights, 1.0)
last_only = tape_gradients(tf_model_loss(x, y, h0, gradient_at="last"), weights, 1.0)
Wy_last = tape_gradients(tf_model_loss(x, y, h0, Wy_at="last"), weights, 1.0)
for i, name in enumerate(PARAMS):
    checks.check_close(f"grads['{name}']", got["grads"][name], expected[i], **TOLERANCE, likely_mistakes={
        "only the last step's dh reaches rnn_backward: dh = dscores @ Wy.T for every step t": last_only[i],
        "the output layer's gradients are not summed over time: Wy and by act at every step, so sum over n and t": Wy_last[i],
    })
h_expected = np.asarray(tf_rnn(*[tf.constant(a, tf.float32) for a in (x, h0, problem["Wx"], problem["Wh"], problem["b"])]))
checks.check_close("h_last", got["h_last"], h_expected[:, -1], **TOLERANCE, likely_mistakes={
    "h_last is h0: return the state after the last step, h[:, -1]": h0,
    "h_last is the state after the first step: return h[:, -1]": h_expected[:, 0]})
### BEGIN HIDDEN TESTS

def _numeric_gradient(loss, array, eps=1e-5):  # the course's own centred differences, float64
    grad = np.zeros(array.shape)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        up = loss()
        array[i] = old - eps
        down = loss()
        array[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad

for seed, (N, T, V, H) in enumerate([(1, 1, 2, 1), (3, 6, 5, 7), (2, 9, 8, 3)]):
    problem, x, y, h0 = model_problem(np.random.default_rng(1000 + seed), N, T, V, H)
    weights = [problem[k] for k in PARAMS]
    reference = tf_model_loss(x, y, h0)
    expected_loss = float(reference(*[tf.constant(w, tf.float64) for w in weights]))
    expected_grads = _tape_gradients(reference, weights, 1.0, tf.float64)
    h_ref = np.asarray(tf_rnn(*[tf.constant(a, tf.float64) for a in (x, h0, problem["Wx"], problem["Wh"], problem["b"])]))
    loss, grads, h_last = checks.call(model_loss_and_gradients, problem, x, y, h0)
    checks.check_close("loss", loss, expected_loss, rtol=1e-10, atol=1e-12)
    for name, e in zip(PARAMS, expected_grads):
        checks.check_close(f"grads['{name}']", grads[name], e, rtol=1e-9, atol=1e-12)
    numeric = _numeric_gradient(lambda: checks.call(model_loss_and_gradients, problem, x, y, h0)[0], problem["Wy"])
    error = relative_error(grads["Wy"], numeric)
    assert error < 1e-6, f"grads['Wy']: relative error {error:.1e} against centred differences, above 1e-6"
    checks.check_close("h_last", h_last, h_ref[:, -1], rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("model_loss_and_gradients matches tf.GradientTape")

# %% [markdown] nbgrader={"grade": false, "grade_id": "training_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The training loop
#
# The next cells are given (read-only). The first measures a model's loss on a text with the forward pass of unit 02 and TensorFlow's cross-entropy, so the verdict on your training never depends on your own loss function.
# It measures it on the training text, and on five **held-out** lines in the same pattern that the model never trains on (`bptt_data.HELD_OUT_TEXT`, mostly other animals): a low loss on the training text alone could be memory.
# The second trains the model with truncated BPTT and the Adam optimiser:
# - each pass picks 16 random places in the text and reads 4 consecutive chunks of 25 characters from each;
# - the state starts from zeros at the start of a pass and is **carried** from chunk to chunk: `h` returned by your function is the next chunk's `h0`;
# - after each chunk the weights are updated; the gradient that `rnn_backward` computes for the chunk's `h0` is not used, so it never flows into the previous chunk: that is the **cut**.
#
# Adam scales each parameter's step by running averages of its gradient and squared gradient; any optimiser would do, Adam just needs little tuning.

# %% nbgrader={"grade": false, "grade_id": "text_loss", "locked": true, "schema_version": 3, "solution": false, "task": false}
chars = bptt_data.vocabulary()                    # the distinct characters of the text
text_ids = bptt_data.encode(bptt_data.TEXT, chars)
held_out_ids = bptt_data.encode(bptt_data.HELD_OUT_TEXT, chars)  # lines the model never trains on
V = len(chars)


def text_loss(params, ids=text_ids):
    """The model's loss on a text (by default the whole training text), read once from a zero state, in nats per character."""
    ids = np.append(ids, ids[0])
    h0 = np.zeros((1, params["Wh"].shape[0]))
    h, _ = rnn_forward(np.eye(V)[ids[None, :-1]], h0, params["Wx"], params["Wh"], params["b"])
    scores = h[0] @ params["Wy"] + params["by"]
    return float(np.mean(tf.nn.sparse_softmax_cross_entropy_with_logits(ids[1:], scores)))


# %% nbgrader={"grade": false, "grade_id": "training_code", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["kernel-only"]
# (kernel-only: when your notebook is graded, this cell and the next run only in your kernel, like your own code;
# the test judges the trained weights with text_loss above.)
def init_params(V, H, rng):
    return {"Wx": rng.normal(0, 1 / np.sqrt(V), (V, H)), "Wh": rng.normal(0, 1 / np.sqrt(H), (H, H)),
            "b": np.zeros(H), "Wy": rng.normal(0, 1 / np.sqrt(H), (H, V)), "by": np.zeros(V)}


def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of every parameter, in place."""
    state["t"] += 1
    for k in params:
        state["m"][k] = beta1 * state["m"][k] + (1 - beta1) * grads[k]
        state["v"][k] = beta2 * state["v"][k] + (1 - beta2) * grads[k] ** 2
        m_hat, v_hat = state["m"][k] / (1 - beta1 ** state["t"]), state["v"][k] / (1 - beta2 ** state["t"])
        params[k] -= lr * m_hat / (np.sqrt(v_hat) + eps)


def train_char_model(hidden_size=64, steps=500, batch_size=16, chunk=25, chunks_per_pass=4, lr=0.01, seed=0):
    """Train the character model with truncated BPTT; return the parameters and the loss of every update."""
    params = init_params(V, hidden_size, np.random.default_rng(seed))
    state = {"t": 0, "m": {k: np.zeros_like(p) for k, p in params.items()},
             "v": {k: np.zeros_like(p) for k, p in params.items()}}
    losses = []
    for inputs, targets, new_pass in bptt_data.training_chunks(text_ids, batch_size, chunk, chunks_per_pass, steps, seed):
        if new_pass:
            h = np.zeros((batch_size, hidden_size))
        # h: carried, not differentiated. checks.call turns a shape error into a message naming the inputs.
        loss, grads, h = checks.call(model_loss_and_gradients, params, np.eye(V)[inputs], targets, h)
        adam_step(params, grads, state, lr)
        losses.append(loss)
    return params, np.array(losses)


def generate(params, start="the ", length=80, seed=0):
    """Text written by the model: after reading `start`, sample each next character from its softmax."""
    rng = np.random.default_rng(seed)
    h, out = np.zeros((1, params["Wh"].shape[0])), list(start)
    ids = list(bptt_data.encode(start, chars))
    for step in range(len(start) + length - 1):
        h, _ = rnn_step_forward(np.eye(V)[ids[step]][None], h, params["Wx"], params["Wh"], params["b"])
        if step >= len(start) - 1:
            scores = (h @ params["Wy"] + params["by"])[0]
            p = np.exp(scores - scores.max())
            ids.append(rng.choice(V, p=p / p.sum()))
    return bptt_data.decode(ids, chars)


# %% [markdown] nbgrader={"grade": false, "grade_id": "training_run_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Train it (a few seconds) and plot the loss of every update.
# The dashed lines are two references: guessing uniformly among the $V$ characters, and the best possible model that sees only the current character (it knows which letter tends to follow which, but has no memory).
# The cell then prints the loss $\mathcal{L}$ on the training text and on the held-out lines, with the **perplexity** $e^{\mathcal{L}}$: the model is on average as unsure as a uniform choice among that many characters ($V$ for the uniform guess, 1 for a model that is always sure and right).

# %% nbgrader={"grade": false, "grade_id": "training_run", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["kernel-only"]
params = losses = None  # set by the next line, if your functions run
params, losses = train_char_model(seed=0)
bptt_plots.loss_curve(losses, levels={"uniform guess": np.log(V),
                                      "best without memory": bptt_data.bigram_entropy(text_ids)},
                      title="Character model trained with your BPTT")
plt.show()
for what, ids in [("the training text", text_ids), ("the held-out lines", held_out_ids)]:
    nats = text_loss(params, ids)
    print(f"loss on {what}: {nats:.3f} nats per character, perplexity {np.exp(nats):.2f}")
print(f"(uniform guess: perplexity {V}; best without memory on the training text: {np.exp(bptt_data.bigram_entropy(text_ids)):.2f})")

# %% nbgrader={"grade": true, "grade_id": "test_training_loss_falls", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained with your functions, the model's loss on the whole text falls below 0.3 nats per character."""
LEVEL = 0.3  # a model without memory cannot go below about 1.2 on this text; correct solutions reach 0.03 to 0.09

def check_trained(params, losses, what):
    checks.check_finite(f"the training losses ({what})", losses, "a NaN usually comes from a gradient that is far too large")
    final = text_loss(params)
    if not final < LEVEL:
        raise AssertionError(f"after training ({what}) the loss on the whole text is {final:.3f} nats per character; "
                             f"it must fall below {LEVEL}. Check the gradient tests above: a wrong gradient trains badly.")

if losses is None:  # the training cell above failed: train here to show why
    params, losses = train_char_model(seed=0)
check_trained(params, losses, "the run above, seed 0")
### BEGIN HIDDEN TESTS
for seed, hidden_size in [(101, 64), (202, 48)]:
    check_trained(*train_char_model(hidden_size=hidden_size, seed=seed), f"seed {seed}, {hidden_size} hidden units")
### END HIDDEN TESTS
print("the model learned the text")

# %% [markdown]
# Read what the model writes after a prompt: does each animal get its rhyme?
# Try other prompts, seeds, or retrain with a shorter `chunk` or fewer hidden units.
#
# Compare the two losses printed above: on the held-out lines the model is far less sure than on the text it trained on, often less sure than the best model without memory is on the training text.
# It learned the frame "the ... sat on the ..." well, but which animal goes with which rhyme it could only memorise: 23 lines teach no more than that.
# Try `generate(params, "the pig")` to see what it does with an animal it never read.

# %%
if params is None:  # the training cell above stopped at an error
    print("No trained model yet: finish Exercises 1 to 6, then run the training cell again.")
else:
    print(generate(params, "the fox", length=60))
    print(generate(params, "the goat", length=60, seed=1))

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex7_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 7: what the cut costs (2 points, graded by hand)
#
# The model above was trained with chunks of 25 characters, and its state was carried from chunk to chunk.
# In three to five sentences: what does truncating at 25 steps save, compared with full BPTT over a long text, in memory and in how often the weights are updated?
# And why can such a model still fail to learn to use a character 40 steps back, even though the state does carry information across the chunk boundary?

# %% [markdown] nbgrader={"grade": true, "grade_id": "truncation_answer", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* Full marks need both points:
# 1. Savings: the cache, and so the memory of the backward pass, grows with the number of steps backpropagated: O(chunk) instead of O(T) for the whole text (it does not depend on the text's length); and the weights are updated after every chunk instead of once per pass over the whole sequence, so training makes many more, cheaper updates.
# 2. Cost: the gradient stops at the chunk boundary, so no gradient says how a state or an input more than a chunk back should have been different to lower a later loss. The forward state does carry information across, but the weights are never adjusted *to store* information for more than about 25 steps; a dependency of 40 steps can only be used if it is stored by accident (as a side effect of what helps within chunks).
# One point for each. Half a point off point 2 for "the state is reset at the boundary" (it is not).
# ### END SOLUTION
