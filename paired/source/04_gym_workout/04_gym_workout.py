# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 04 assignment: the gym-workout example
#
# A trainer follows a fixed cycle of six workouts, one a day; on sick days they miss the gym, and afterwards the cycle resumes where it stopped.
# In this assignment you prepare the trainer's log for a model, compute the first step of a small RNN by hand, and build the recurrent model that predicts the workout even on the day after a missed day.
#
# **Learning goals.** After it you can
# - one-hot encode integer tokens of any shape;
# - turn a day-by-day log into training pairs: a window of past days and the workout to predict;
# - compute $h_0$ and $y_0$ of an RNN at $t = 0$ by hand, and explain why $W_{hh}$ plays no part in it;
# - write that first step for a batch in NumPy, matching Keras;
# - build a Keras recurrent model that beats the best model that sees only yesterday, and say why.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests; when you submit, the same cells also run hidden tests on fresh inputs, so make your code work for any sizes, not only the ones shown.
# You do not train the Keras model yourself: the tests train it, with fixed seeds, data and number of epochs, and measure its accuracy on held-out weeks.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import matplotlib.pyplot as plt
import keras
from rnncourse import checks, oracles, gym

NUM_TOKENS = gym.NUM_TOKENS  # 7: a day is one of the six workouts (0 to 5) or missed (6)
MISSED = gym.MISSED          # 6
np.set_printoptions(precision=4, suppress=True)

# %% [markdown] nbgrader={"grade": false, "grade_id": "data_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The trainer's log
#
# `gym.make_log(weeks, seed)` writes a log of the trainer's days (the lecture shows it in detail).
# `log.tokens` holds one integer per day: the workout done, an index into `gym.WORKOUTS`, or `MISSED` (6) on a sick day.
# A missed stretch lasts one to three days; then the cycle goes on where it stopped.

# %% nbgrader={"grade": false, "grade_id": "the_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
log = gym.make_log(weeks=5, seed=3)
print("workouts:", dict(enumerate(gym.TOKENS)))
print("the first two weeks:", log.tokens[:14])
gym.plot_calendar(log)
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: one-hot encoding (3 points)
#
# A model reads numbers, and a workout's index is not a quantity: "legs" (5) is not five times "biceps" (1).
# So each day becomes a **one-hot** vector: as many entries as there are classes, all 0 except a 1 at the token's index.
# With 7 classes, token 2 becomes `[0, 0, 1, 0, 0, 0, 0]`.
#
# Write `one_hot(indices, num_classes)`.
# `indices` is an integer array of any shape, with values from 0 to `num_classes - 1`; the result is a **float** array of shape `indices.shape + (num_classes,)`, in which `result[..., k]` is 1.0 where `indices == k` and 0.0 elsewhere.
# For example, `indices` of shape `(2, 3)` gives a result of shape `(2, 3, 7)` with 7 classes.
# `num_classes` can be larger than any index present: `one_hot(np.array([0, 1]), 5)` has shape `(2, 5)`.
#
# *Checked by:* the shape and the float type of the result, for indices of 1 to 3 axes (1 point); the values, against `keras.ops.one_hot`, exactly: every entry 1.0 or 0.0 (2 points).

# %% nbgrader={"grade": false, "grade_id": "one_hot", "locked": false, "schema_version": 3, "solution": true, "task": false}
def one_hot(indices, num_classes):
    """One-hot encoding: an integer array of any shape -> a float array of shape indices.shape + (num_classes,)."""
    ### BEGIN SOLUTION
    indices = np.asarray(indices)
    return (indices[..., None] == np.arange(num_classes)).astype(float)
    ### END SOLUTION


# %% [markdown]
# Try it: token 2, then 0, then 6, with 7 classes; each row should hold a single 1.0.

# %%
one_hot(np.array([2, 0, 6]), 7)

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_shape_and_type", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""one_hot returns a float array of shape indices.shape + (num_classes,), for 1-D and 2-D indices."""
def check_one_hot_shape(indices, num_classes):
    name = f"one_hot(indices of shape {indices.shape}, {num_classes})"
    got = checks.call(one_hot, indices, num_classes)
    checks.check_type(name, got, np.ndarray)
    expected = indices.shape + (num_classes,)
    if got.shape == (indices.size, num_classes) and indices.ndim != 1:
        raise AssertionError(f"{name}: expected shape {expected}, got {got.shape}: the indices were flattened; "
                             f"keep their shape and add one axis of size num_classes at the end")
    if got.ndim == len(expected) and got.shape[:-1] == indices.shape and got.shape[-1] != num_classes:
        raise AssertionError(f"{name}: expected shape {expected}, got {got.shape}: the last axis must have "
                             f"num_classes = {num_classes} entries, whatever the largest index present")
    checks.check_shape(name, got, expected)
    if not np.issubdtype(got.dtype, np.floating):
        raise AssertionError(f"{name}: expected a float array, got dtype {got.dtype}; the model computes in floats, "
                             f"so make the result float (for example with .astype(float))")

check_one_hot_shape(np.array([2, 0, 6]), 7)
check_one_hot_shape(np.array([[1, 2, 3], [4, 5, 6]]), 7)
check_one_hot_shape(np.array([0, 1]), 5)
### BEGIN HIDDEN TESTS
check_one_hot_shape(np.zeros((4, 2, 5), dtype=np.int32), 3)
check_one_hot_shape(np.array([3]), 10)
check_one_hot_shape(np.arange(6).reshape(3, 2), 6)
### END HIDDEN TESTS
print("one_hot gives float arrays of the right shape")

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""one_hot puts a single 1.0 at each index, as keras.ops.one_hot does."""
def check_one_hot_values(indices, num_classes):
    got = checks.call(one_hot, indices, num_classes)
    expected = np.asarray(keras.ops.one_hot(indices, num_classes))
    checks.check_close(f"one_hot(indices of shape {indices.shape}, {num_classes})", got, expected, likely_mistakes={
        "each 1 is one column too far left: index k must set entry k (counting from 0), not k - 1":
            np.roll(expected, -1, axis=-1),
        "each 1 is one column too far right: index k must set entry k (counting from 0), not k + 1":
            np.roll(expected, 1, axis=-1),
    })

check_one_hot_values(np.array([2, 0, 6]), 7)
check_one_hot_values(np.array([[5, 5, 1], [0, 3, 4]]), 7)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(41)
for shape, n in [((9,), 4), ((3, 5), 12), ((2, 3, 4), 7), ((1,), 1)]:
    indices = rng.integers(0, n, size=shape)
    expected = (indices[..., None] == np.arange(n)).astype(float)
    got = checks.call(one_hot, indices, n)
    checks.check_close(f"one_hot(indices of shape {shape}, {n})", got, expected, rtol=0, atol=0)
### END HIDDEN TESTS
print("one_hot is right")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: from a log to training pairs (3 points)
#
# The model predicts, on each day $t$ on which the trainer works out, which workout it is, from the `window` days before.
# Write `make_training_pairs(workouts, window)`:
# - `workouts` is a 1-D integer array with one token per day, like `log.tokens` (0 to 5 a workout, `MISSED` = 6 a missed day);
# - make one pair for every day `t` with `window <= t < len(workouts)` on which a workout was done (`workouts[t] != MISSED`); missed days have nothing to predict, but they do appear in the inputs;
# - the input of the pair is the one-hot encoding (your `one_hot`, with `NUM_TOKENS` classes) of the `window` days **before** day `t`, oldest first: `workouts[t - window]`, ..., `workouts[t - 1]`;
# - the target is `workouts[t]`.
#
# Return `(X, y)`: `X` a float array of shape `(num_pairs, window, NUM_TOKENS)`, `y` an integer array of shape `(num_pairs,)`, the pairs in the order of the days.
#
# For example, `workouts = [0, 1, 6, 6, 2, 3, 6, 4, 5, 0]` with `window = 3` gives five pairs (day 3 and day 6 were missed):
#
# | day t | the 3 days before, as tokens | target y |
# |---|---|---|
# | 4 | 1, 6, 6 | 2 |
# | 5 | 6, 6, 2 | 3 |
# | 7 | 2, 3, 6 | 4 |
# | 8 | 3, 6, 4 | 5 |
# | 9 | 6, 4, 5 | 0 |
#
# *Checked by:* the shapes and types of `X` and `y` (1 point); their values, exactly, on this example and on random logs (2 points).

# %% nbgrader={"grade": false, "grade_id": "make_training_pairs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def make_training_pairs(workouts, window):
    """Pairs (the one-hot `window` days before day t, the workout of day t) for every workout day t >= window.

    Returns X of shape (num_pairs, window, NUM_TOKENS), floats, and y of shape (num_pairs,), integers.
    """
    ### BEGIN SOLUTION
    workouts = np.asarray(workouts)
    days = [t for t in range(window, len(workouts)) if workouts[t] != MISSED]
    windows = np.array([workouts[t - window:t] for t in days], dtype=int).reshape(len(days), window)
    return one_hot(windows, NUM_TOKENS), workouts[days].astype(int)
    ### END SOLUTION


# %% [markdown]
# Try it on the example above: 5 pairs, and the first input is the days before day 4.

# %%
X_try, y_try = make_training_pairs(np.array([0, 1, 6, 6, 2, 3, 6, 4, 5, 0]), window=3)
print(X_try.shape, y_try)
print(X_try[0])  # the days before day 4: biceps, missed, missed

# %% nbgrader={"grade": true, "grade_id": "test_training_pairs_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""make_training_pairs returns (X, y): X (num_pairs, window, NUM_TOKENS) floats, y (num_pairs,) integers."""
def check_pair_shapes(workouts, window):
    result = checks.call(make_training_pairs, workouts, window)
    X, y = checks.check_returns("make_training_pairs", result, ("X", "y")).values()
    pairs = int(np.sum(workouts[window:] != MISSED))
    name = f"X for a log of {len(workouts)} days and window {window}"
    if np.ndim(X) == 2:
        raise AssertionError(f"{name}: expected shape {(pairs, window, NUM_TOKENS)}, got {np.shape(X)}: X needs three "
                             f"axes, the pairs, the days of a window, and a day's one-hot entries (your one_hot(..., "
                             f"NUM_TOKENS) adds the last one)")
    if np.ndim(X) == 3 and len(X) == len(workouts) - window and pairs != len(X):
        raise AssertionError(f"{name}: expected {pairs} pairs, got {len(X)}: a pair was made for every day from "
                             f"day {window} on; skip the missed days, which have no workout to predict")
    if np.ndim(X) == 3 and len(X) == pairs - 1:
        raise AssertionError(f"{name}: expected {pairs} pairs, got {len(X)}: one pair is missing; the first "
                             f"possible pair is for day t = window, whose inputs are days 0 to window - 1, and the "
                             f"last for the last day of the log")
    checks.check_shape(name, X, (pairs, window, NUM_TOKENS))
    checks.check_shape("y", y, (pairs,))
    if not np.issubdtype(np.asarray(X).dtype, np.floating):
        raise AssertionError(f"X: expected a float array, got dtype {np.asarray(X).dtype}")
    if not np.issubdtype(np.asarray(y).dtype, np.integer):
        raise AssertionError(f"y: expected an integer array (the workouts' tokens), got dtype {np.asarray(y).dtype}")

example = np.array([0, 1, 6, 6, 2, 3, 6, 4, 5, 0])
check_pair_shapes(example, 3)
check_pair_shapes(example, 4)
check_pair_shapes(gym.make_log(weeks=4, seed=5).tokens, 9)  # 9 days, 7 classes: a swap shows
### BEGIN HIDDEN TESTS
for seed, (weeks, window) in enumerate([(3, 2), (6, 10), (2, 13)]):
    check_pair_shapes(gym.make_log(weeks, seed=500 + seed).tokens, window)
### END HIDDEN TESTS
print("X and y have the right shapes and types")

# %% nbgrader={"grade": true, "grade_id": "test_training_pairs_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""make_training_pairs: each input is the one-hot window of days t - window .. t - 1, oldest first, and y the workout of day t."""
example = np.array([0, 1, 6, 6, 2, 3, 6, 4, 5, 0])
X, y = checks.call(make_training_pairs, example, 3)
as_one_hot = lambda tokens: np.asarray(keras.ops.one_hot(np.array(tokens), NUM_TOKENS))
expected_X = as_one_hot([[1, 6, 6], [6, 6, 2], [2, 3, 6], [3, 6, 4], [6, 4, 5]])
checks.check_close("y for the example", y, [2, 3, 4, 5, 0], likely_mistakes={
    "y is the workout of the day before day t: the target is workouts[t], the day right after the window":
        [6, 2, 6, 4, 5]})
checks.check_close("X for the example", X, expected_X, likely_mistakes={
    "the window includes day t itself, so the answer is in the input: use the days t - window to t - 1":
        as_one_hot([[6, 6, 2], [6, 2, 3], [3, 6, 4], [6, 4, 5], [4, 5, 0]]),
    "the days of each window are in reverse order: put the oldest day first, as the RNN reads them":
        expected_X[:, ::-1],
})
### BEGIN HIDDEN TESTS

def _reference_pairs(workouts, window):
    days = [t for t in range(window, len(workouts)) if workouts[t] != MISSED]
    windows = np.array([workouts[t - window:t] for t in days]).reshape(len(days), window)
    return (windows[..., None] == np.arange(NUM_TOKENS)).astype(float), workouts[days]

for seed, (weeks, window) in enumerate([(5, 8), (3, 4), (8, 11)]):
    workouts = gym.make_log(weeks, seed=600 + seed).tokens
    expected_X, expected_y = _reference_pairs(workouts, window)
    X, y = checks.call(make_training_pairs, workouts, window)
    checks.check_close(f"y for a random log and window {window}", y, expected_y, rtol=0, atol=0)
    checks.check_close(f"X for a random log and window {window}", X, expected_X, rtol=0, atol=0)
### END HIDDEN TESTS
print("the training pairs are right")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: the first step by hand (3 points)
#
# A mini trainer has a cycle of three workouts, legs, back, chest, and a fourth token for a missed day: $D = 4$.
# A tiny RNN with $H = 2$ hidden units and $V = 4$ output scores (one per token) reads their log:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h), \qquad y_t = h_t W_{hy} + b_y.$$
#
# $h_0$ is the state **after** reading the first day $x_0$; the state before it is $h_{-1} = 0$, as in Keras.
# (In unit 02's `rnn_forward(x, h0, ...)`, the argument `h0` is this initial state $h_{-1}$, not $h_0$.)
# Day 0 was "back", so $x_0$ is the one-hot vector of token 1, and the weights are
#
# $$x_0 = \begin{pmatrix} 0 & 1 & 0 & 0 \end{pmatrix}, \quad
# W_{xh} = \begin{pmatrix} 1 & -0.5 \\ 0.5 & 1 \\ -1 & 0.5 \\ 0 & 0 \end{pmatrix}, \quad
# W_{hh} = \begin{pmatrix} 0.5 & 0 \\ 0 & 0.5 \end{pmatrix}, \quad
# b_h = \begin{pmatrix} 0.25 & -0.5 \end{pmatrix},$$
#
# $$W_{hy} = \begin{pmatrix} -1 & 0.5 & 1 & -0.5 \\ 0.5 & -1 & 1 & -0.5 \end{pmatrix}, \quad
# b_y = \begin{pmatrix} 0.25 & 0 & 0 & -0.5 \end{pmatrix}.$$
#
# Compute $h_0$ (2 numbers) and $y_0$ (4 scores, no softmax) **by hand**, with pencil and paper; use a calculator (or `np.tanh`) only for the $\tanh$.
# Then write your numbers, to 3 decimals, into `h0_y0_by_hand` below, replacing the `raise` line with `h_0 = np.array([...])` and `y_0 = np.array([...])`.
# Last, which of the given weights did you not need, and why? Answer in one or two sentences in the answer cell after the tests.
#
# *Checked by:* $h_0$ to within 0.002 (1 point); $y_0$ to within 0.002, computed from the correct $h_0$ or from yours (1 point); your answer on the unneeded weight, graded by hand (1 point).
# The cell below holds the same numbers, for checking your work afterwards.

# %% nbgrader={"grade": false, "grade_id": "hand_example", "locked": true, "schema_version": 3, "solution": false, "task": false}
HAND = dict(
    x0=np.array([[0.0, 1.0, 0.0, 0.0]]),                             # (1, D): "back"
    Wxh=np.array([[1.0, -0.5], [0.5, 1.0], [-1.0, 0.5], [0.0, 0.0]]),  # (D, H)
    Whh=np.array([[0.5, 0.0], [0.0, 0.5]]),                          # (H, H)
    bh=np.array([0.25, -0.5]),                                       # (H,)
    Why=np.array([[-1.0, 0.5, 1.0, -0.5], [0.5, -1.0, 1.0, -0.5]]),  # (H, V)
    by=np.array([0.25, 0.0, 0.0, -0.5]),                             # (V,)
)


# %% nbgrader={"grade": false, "grade_id": "h0_y0_by_hand", "locked": false, "schema_version": 3, "solution": true, "task": false}
def h0_y0_by_hand():
    """Your hand-computed h_0 (2 numbers) and y_0 (4 scores) for the mini RNN above, to 3 decimals."""
    ### BEGIN SOLUTION
    # x_0 W_xh picks row 1 of W_xh: (0.5, 1); plus b_h: (0.75, 0.5). W_hh is not needed: h_{-1} = 0.
    h_0 = np.array([0.635, 0.462])               # tanh(0.75), tanh(0.5)
    y_0 = np.array([-0.154, -0.145, 1.097, -1.049])  # e.g. legs: -0.635 + 0.5 * 0.462 + 0.25
    ### END SOLUTION
    return h_0, y_0


# %% [markdown]
# Try it: the function returns your two arrays; compare them with `first_step` in Exercise 4 once you have written it.

# %%
h0_y0_by_hand()

# %% nbgrader={"grade": true, "grade_id": "test_h0_by_hand", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""h0_y0_by_hand: h_0 = tanh(x_0 W_xh + h_{-1} W_hh + b_h) from h_{-1} = 0, to within 0.002."""
def as_vector(name, value, size):
    value = np.asarray(value, dtype=float)
    if value.size != size:
        raise AssertionError(f"{name}: expected {size} numbers, got an array of shape {value.shape}")
    return value.reshape(size)

result = checks.call(h0_y0_by_hand)
checks.check_returns("h0_y0_by_hand", result, ("h_0", "y_0"))
h_0 = as_vector("h_0", result[0], 2)
x0, Wxh, bh = HAND["x0"], HAND["Wxh"], HAND["bh"]
right_h0 = oracles.simple_rnn(x0[:, None, :], np.zeros((1, 2)), Wxh, HAND["Whh"], bh)[0, 0]
checks.check_close("h_0", h_0, right_h0, rtol=0, atol=2e-3, likely_mistakes={
    "the bias b_h is missing: h_0 = tanh(x_0 W_xh + b_h)": np.tanh(x0 @ Wxh)[0],
    "the tanh is missing: h_0 = tanh(x_0 W_xh + b_h)": (x0 @ Wxh + bh)[0],
    **{f"x_0 W_xh is row 1 of W_xh (x_0 is token 1, 'back', counting from 0), not row {row}": np.tanh(Wxh[row] + bh)
       for row in (0, 2)},
    "h_{-1} is 0, not 1: the state before the first day is all zeros, so the W_hh term vanishes":
        np.tanh(x0 @ Wxh + np.ones((1, 2)) @ HAND["Whh"] + bh)[0],
})
print("h_0 is right")

# %% nbgrader={"grade": true, "grade_id": "test_y0_by_hand", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""h0_y0_by_hand: y_0 = h_0 W_hy + b_y, the scores before any softmax, to within 0.002."""
Why, by = HAND["Why"], HAND["by"]
result = checks.call(h0_y0_by_hand)
checks.check_returns("h0_y0_by_hand", result, ("h_0", "y_0"))
h_0 = as_vector("h_0", result[0], 2)
y_0 = as_vector("y_0", result[1], 4)
right_h0 = oracles.simple_rnn(HAND["x0"][:, None, :], np.zeros((1, 2)), HAND["Wxh"], HAND["Whh"], HAND["bh"])[0, 0]
dense = keras.layers.Dense(4)
dense.build((None, 2))
dense.set_weights([Why.astype("float32"), by.astype("float32")])
right_y0 = np.asarray(dense(right_h0[None].astype("float32")))[0]
from_yours = np.asarray(dense(h_0[None].astype("float32")))[0]
if not np.allclose(y_0, from_yours, rtol=0, atol=2e-3):  # accept y_0 computed from the right h_0 or from yours
    checks.check_close("y_0", y_0, right_y0, rtol=0, atol=2e-3, likely_mistakes={
        "the bias b_y is missing: y_0 = h_0 W_hy + b_y": right_h0 @ Why,
        "these are probabilities: y_0 asks for the scores h_0 W_hy + b_y, before any softmax":
            np.exp(right_y0) / np.exp(right_y0).sum(),
    })
print("y_0 is right")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_answer_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3, last question (1 point, graded by hand).** Which of the given weights did you not need to compute $h_0$ and $y_0$, and why? Write your answer in the next cell.

# %% [markdown] nbgrader={"grade": true, "grade_id": "unused_weight_answer", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* $W_{hh}$ is not needed: at $t = 0$ it multiplies the state before the first day, $h_{-1} = 0$, so $h_{-1} W_{hh} = 0$ whatever $W_{hh}$ is, and $h_0 = \tanh(x_0 W_{xh} + b_h)$. It acts from $t = 1$ on, carrying $h_0$ into $h_1$.
# One point for naming $W_{hh}$ with that reason ($h_{-1} = 0$). Half a point for $W_{hh}$ with no reason or a wrong one. (The last row of $W_{xh}$, multiplied by a 0 of $x_0$, is also unused: accept it as an addition, not instead of $W_{hh}$.)
# ### END SOLUTION


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: the first step in NumPy (2 points)
#
# Now the same computation for a whole batch of first days.
# Write `first_step(x0, Wxh, Whh, bh, Why, by)` that returns `(h_0, y_0)` for `x0` of shape `(N, D)`, starting from $h_{-1} = 0$:
# `h_0` has shape `(N, H)` and `y_0`, the scores (no softmax), has shape `(N, V)`.
# The weights have the shapes of unit 02: `Wxh` `(D, H)`, `Whh` `(H, H)`, `bh` `(H,)`, `Why` `(H, V)`, `by` `(V,)`.
#
# *Checked by:* `h_0` and `y_0` against a Keras `SimpleRNN` followed by a `Dense` layer, given the same weights, reading one day, in float32 (the visible test); then, on fresh sizes, against the same formula in float64 to a relative error of $10^{-10}$ (the hidden tests), so compute in float64, as NumPy does by default (2 points).

# %% nbgrader={"grade": false, "grade_id": "first_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def first_step(x0, Wxh, Whh, bh, Why, by):
    """The RNN's first step from h_{-1} = 0: x0 (N, D) -> h_0 (N, H) and the scores y_0 (N, V)."""
    ### BEGIN SOLUTION
    h_prev = np.zeros((x0.shape[0], Whh.shape[0]))  # h_{-1}
    h_0 = np.tanh(x0 @ Wxh + h_prev @ Whh + bh)
    y_0 = h_0 @ Why + by
    ### END SOLUTION
    return h_0, y_0


# %% [markdown]
# Try it on the mini RNN of Exercise 3 and compare with your hand calculation:

# %%
first_step(**HAND)

# %% nbgrader={"grade": true, "grade_id": "test_first_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""first_step matches keras.layers.SimpleRNN followed by keras.layers.Dense, given the same weights, from h_{-1} = 0."""
def keras_first_step(x0, Wxh, Whh, bh, Why, by):
    """h_0 and y_0 of a SimpleRNN + Dense model reading one day, x0[:, None, :] of shape (N, 1, D)."""
    h_0 = oracles.simple_rnn(x0[:, None, :], np.zeros((len(x0), Whh.shape[0])), Wxh, Whh, bh)[:, 0]
    dense = keras.layers.Dense(Why.shape[1])
    dense.build((None, Why.shape[0]))
    dense.set_weights([Why.astype("float32"), by.astype("float32")])
    return h_0, np.asarray(dense(h_0))

def random_first_step_inputs(rng, N, D, H, V):
    return dict(x0=rng.normal(size=(N, D)), Wxh=rng.normal(size=(D, H)), Whh=rng.normal(size=(H, H)),
                bh=rng.normal(size=H), Why=rng.normal(size=(H, V)), by=rng.normal(size=V))

inputs = random_first_step_inputs(np.random.default_rng(7), N=3, D=4, H=5, V=6)  # all different: a transposed weight fails
result = checks.call(first_step, *inputs.values())
checks.check_returns("first_step", result, ("h_0", "y_0"))
h_0, y_0 = result
right_h0, right_y0 = keras_first_step(**inputs)
x0, Wxh, bh, Why, by = (inputs[k] for k in ("x0", "Wxh", "bh", "Why", "by"))
checks.check_close("h_0", h_0, right_h0, likely_mistakes={
    "the bias bh is missing: h_0 = tanh(x0 Wxh + bh)": np.tanh(x0 @ Wxh),
    "the tanh is missing: h_0 = tanh(x0 Wxh + bh)": x0 @ Wxh + bh,
    "h_{-1} must be zeros: the state before the first day is 0, so Whh plays no part at t = 0":
        np.tanh(x0 @ Wxh + np.ones((3, 5)) @ inputs["Whh"] + bh),
})
checks.check_close("y_0", y_0, right_y0, likely_mistakes={
    "the bias by is missing: y_0 = h_0 Why + by": right_h0 @ Why,
    "y_0 must be the scores h_0 Why + by, before any softmax": np.asarray(oracles.softmax(right_y0)),
    "y_0 must be the scores h_0 Why + by, with no tanh": np.tanh(right_y0),
})
### BEGIN HIDDEN TESTS
for seed, (N, D, H, V) in enumerate([(1, 3, 2, 5), (5, 7, 3, 4), (2, 4, 8, 6)]):  # all sizes differ
    inputs = random_first_step_inputs(np.random.default_rng(700 + seed), N, D, H, V)
    expected_h = np.tanh(inputs["x0"] @ inputs["Wxh"] + inputs["bh"])
    expected_y = expected_h @ inputs["Why"] + inputs["by"]
    h_0, y_0 = checks.call(first_step, *inputs.values())
    checks.check_close("h_0", h_0, expected_h, rtol=1e-10, atol=1e-12)
    checks.check_close("y_0", y_0, expected_y, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("first_step matches Keras")

# %% [markdown] nbgrader={"grade": false, "grade_id": "training_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The data and the training for Exercise 5
#
# The tests train your model of Exercise 5 with the functions below: the same data, seed, batch size and number of epochs for everyone.
# Each log covers 234 weeks: the first 208 weeks (four years) are for training and the last 26 weeks are held out.
# The model reads windows of `WINDOW = 8` days; a missed stretch lasts at most three days, so every window holds the last workout done.
# The held-out part starts `WINDOW` days early, so that its first day has its eight days before.
#
# Which pairs come right after a missed day? Those whose last input day, yesterday, is `MISSED`: `X[:, -1, MISSED] == 1`.
# A model that reads only yesterday sees the same input, "missed", on all of them, so it gives them all the same answer; `one_step_ceiling` computes the best accuracy such a model can reach there.

# %% nbgrader={"grade": false, "grade_id": "training", "locked": true, "schema_version": 3, "solution": false, "task": false}
WINDOW = 8  # not 7: a window as long as the number of classes would hide a swap of the two
TRAIN_WEEKS, HELD_OUT_WEEKS = 208, 26


def split_log(seed, window=WINDOW):
    """The tokens of a 234-week log: (the first 208 weeks, the last 26 weeks with the `window` days before them)."""
    tokens = gym.make_log(TRAIN_WEEKS + HELD_OUT_WEEKS, seed=seed).tokens
    split = 7 * TRAIN_WEEKS
    return tokens[:split], tokens[split - window:]


def check_model(model, name):
    """Fail unless `model` is a compiled Keras model."""
    checks.check_type(f"{name}(...)", model, keras.Model)
    if not getattr(model, "compiled", True):
        raise AssertionError(f"{name} must return a compiled model: call model.compile(...) before returning it")


def train_workout_model(build, X, y, window=WINDOW, epochs=20, seed=0):
    """Build a model with build(window, NUM_TOKENS), check it, and train it on (X, y): 20 epochs, batches of 64."""
    keras.utils.set_random_seed(seed)  # the same initial weights and batches in every run
    model = build(window, NUM_TOKENS)
    check_model(model, build.__name__)
    try:
        model.fit(X, y, epochs=epochs, batch_size=64, verbose=0)
    except ValueError as error:
        # Say what fit was given and what the model outputs; name the loss only when the outputs are right.
        message = (f"training the model of {build.__name__} on windows X of shape {np.shape(X)} and integer targets "
                   f"y of shape {np.shape(y)} failed: {(str(error).splitlines() or ['ValueError'])[0]}")
        try:
            outputs_shape = np.shape(predict(model, X[:2]))
        except Exception as inner:
            raise AssertionError(f"{message}. Calling the model on 2 windows of shape {np.shape(X[:2])} fails too: "
                                 f"{type(inner).__name__}: {str(inner)[:300]}") from None
        if outputs_shape != (2, NUM_TOKENS):
            raise AssertionError(f"{message}. For 2 windows the model outputs shape {outputs_shape}, expected "
                                 f"{(2, NUM_TOKENS)}: one row of {NUM_TOKENS} probabilities per window") from None
        raise AssertionError(f"{message}. The model's outputs have the right shape, so the error comes from the loss "
                             f"or a metric, which must accept integer targets (\"sparse_categorical_crossentropy\" "
                             f"does)") from None
    return model


def predict(model, X):
    """The model's outputs for a batch of windows, as a NumPy array."""
    return np.asarray(model(np.asarray(X, dtype="float32"), training=False))


def held_out_accuracies(model, X, y):
    """The model's accuracy on all the pairs (X, y), and on those that come right after a missed day."""
    predicted = predict(model, X).argmax(axis=-1)
    after_missed = X[:, -1, MISSED] == 1
    return float(np.mean(predicted == y)), float(np.mean(predicted[after_missed] == y[after_missed]))


def one_step_ceiling(X, y):
    """The best accuracy after a missed day of any model that reads only yesterday: the most common answer's share."""
    after_missed = X[:, -1, MISSED] == 1
    return np.bincount(y[after_missed]).max() / after_missed.sum()


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: the recurrent model (4 points)
#
# Write `build_workout_rnn(window, num_classes)` that returns a compiled Keras model.
# It reads a batch of one-hot windows, shape `(N, window, num_classes)`, one day at a time, and outputs for each window the probabilities of the `num_classes` tokens for the next day: shape `(N, num_classes)`, each row summing to 1.
# The targets are integers, so the loss must accept integer targets, as `"sparse_categorical_crossentropy"` does.
# A model that learns the cycle within the tests' 20 epochs every time (another that reaches the accuracies below is as good):
# - `keras.Input(shape=(window, num_classes))`,
# - `keras.layers.SimpleRNN(32)`: it reads the days in order and returns its last hidden state, shape `(N, 32)`,
# - `keras.layers.Dense(num_classes, activation="softmax")`,
#
# compiled with `optimizer=keras.optimizers.Adam(learning_rate=0.01)`, `loss="sparse_categorical_crossentropy"` and `metrics=["accuracy"]`.
# The target is never "missed", but keep all `num_classes` outputs: the model soon learns to give that class almost no probability.
#
# You need not train it: the tests do, with `train_workout_model`, on the pairs that **your** `make_training_pairs` makes of the first 208 weeks, so do Exercise 2 first (the visible test checks those pairs before it trains, and says so if they are the problem; the hidden test makes its own pairs).
#
# *Checked by:* the shape of the outputs, and that they are probabilities: at least 0, each row summing to 1 within $10^{-4}$ (1 point); after training, an accuracy of at least 0.95 on the held-out weeks and of at least 0.9 on the held-out days right after a missed day, where no model that reads only yesterday can pass about 1/6 (3 points).

# %% nbgrader={"grade": false, "grade_id": "build_workout_rnn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_workout_rnn(window, num_classes):
    """A compiled Keras model: one-hot windows (N, window, num_classes) -> probabilities of the next token (N, num_classes)."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(window, num_classes)),
        keras.layers.SimpleRNN(32),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% [markdown]
# Try it: an untrained model already gives 7 probabilities that sum to 1 for each window; they mean nothing yet.

# %%
rnn_try = build_workout_rnn(WINDOW, NUM_TOKENS)
print(rnn_try.count_params(), "parameters")
X_try, _ = make_training_pairs(log.tokens, WINDOW)
predict(rnn_try, X_try[:2])

# %% nbgrader={"grade": true, "grade_id": "test_workout_rnn_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_workout_rnn returns a compiled model: windows (N, window, num_classes) in, probabilities (N, num_classes) out."""
def check_probabilities(window, num_classes, n, seed):
    keras.utils.set_random_seed(seed)
    model = checks.call(build_workout_rnn, window, num_classes)
    check_model(model, "build_workout_rnn")
    X = np.asarray(keras.ops.one_hot(np.random.default_rng(seed).integers(0, num_classes, size=(n, window)), num_classes))
    name = f"the outputs for windows of shape {X.shape}"
    try:
        outputs = predict(model, X)
    except Exception as error:
        raise AssertionError(f"{name}: the model of build_workout_rnn({window}, {num_classes}) cannot read windows of "
                             f"shape {X.shape}: {type(error).__name__}: {str(error)[:300]}. It must take windows of "
                             f"shape (N, window, num_classes), as keras.Input(shape=(window, num_classes)) does") from None
    if np.ndim(outputs) == 3:
        raise AssertionError(f"{name}: expected shape {(n, num_classes)}, got {outputs.shape}: one output per day; "
                             f"the model must predict once per window, from the state after the last day "
                             f"(SimpleRNN returns only that state unless return_sequences=True)")
    checks.check_shape(name, outputs, (n, num_classes))
    sums = outputs.sum(axis=-1)
    if outputs.min() < 0 or not np.allclose(sums, 1, atol=1e-4):
        raise AssertionError(f"{name}: expected probabilities (at least 0, each row summing to 1), got rows summing "
                             f"to {sums.min():.3g} .. {sums.max():.3g}; end with "
                             f"keras.layers.Dense(num_classes, activation=\"softmax\")")

check_probabilities(WINDOW, NUM_TOKENS, n=20, seed=0)  # 20 windows of 8 days, 7 classes: no two sizes alike
### BEGIN HIDDEN TESTS
check_probabilities(10, 5, n=3, seed=1)
check_probabilities(4, NUM_TOKENS, n=1, seed=2)
### END HIDDEN TESTS
print("the model gives one probability per token for each window")

# %% nbgrader={"grade": true, "grade_id": "test_workout_rnn_after_missed_days", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Trained on 208 weeks, the recurrent model is right on at least 95% of the held-out days and 90% of those right after a missed day."""
def check_story(overall, after_missed, ceiling, what):
    if overall >= 0.95 and after_missed >= 0.9:
        return
    prompt_model = ("the prompt's model (SimpleRNN(32) over all the days, Dense(num_classes, activation=\"softmax\"), "
                    "Adam with learning rate 0.01, loss \"sparse_categorical_crossentropy\") learns it in these 20 epochs")
    if overall < 0.5:
        hint = f"it is wrong on more than half of the days, so it learned little of the cycle; {prompt_model}"
    elif after_missed <= ceiling + 0.1:
        hint = ("after a missed day it does no better than a model that reads only yesterday: to be right there, the "
                "prediction must depend on the days before yesterday; " + prompt_model)
    else:
        hint = f"it learned part of the cycle, not all of it; {prompt_model}"
    raise AssertionError(f"accuracy on {what}: expected at least 0.95 on all days and 0.9 after a missed day, got "
                         f"{overall:.3f} and {after_missed:.3f} (a model of yesterday alone reaches at most "
                         f"{ceiling:.3f} after a missed day); {hint}")

def check_pairs_for_training(X, y, tokens, what):
    """This test trains on the pairs of Exercise 2: say so when they are what is wrong."""
    cannot = "so this test cannot judge your model: fix Exercise 2 first"
    targets = tokens[WINDOW:]
    expected_y = targets[targets != MISSED]  # the workouts of the days from day WINDOW on
    if np.shape(X) != (len(expected_y), WINDOW, NUM_TOKENS) or np.shape(y) != expected_y.shape:
        raise AssertionError(f"make_training_pairs (Exercise 2) gives X of shape {np.shape(X)} and y of shape "
                             f"{np.shape(y)} for {what}, expected {(len(expected_y), WINDOW, NUM_TOKENS)} and "
                             f"{expected_y.shape}, {cannot}")
    if not np.array_equal(y, expected_y):
        raise AssertionError(f"make_training_pairs (Exercise 2) gives targets y for {what} that are not the workouts "
                             f"of the days from day {WINDOW} on, {cannot}")
    if not (X[:, -1, MISSED] == 1).any():
        raise AssertionError(f"make_training_pairs (Exercise 2) gives no pair for {what} whose last input day was "
                             f"missed: the inputs must be the days before day t, not day t itself; {cannot}")

train_tokens, held_out_tokens = split_log(seed=1)
X_train, y_train = checks.call(make_training_pairs, train_tokens, WINDOW)
X_test, y_test = checks.call(make_training_pairs, held_out_tokens, WINDOW)
check_pairs_for_training(X_train, y_train, train_tokens, "the training weeks")
check_pairs_for_training(X_test, y_test, held_out_tokens, "the held-out weeks")
rnn_model = train_workout_model(build_workout_rnn, X_train, y_train)
overall, after_missed = held_out_accuracies(rnn_model, X_test, y_test)
ceiling = one_step_ceiling(X_test, y_test)
print(f"held-out accuracy: {overall:.3f} on all days, {after_missed:.3f} right after a missed day "
      f"(the best model of yesterday alone: {ceiling:.3f} there)")
check_story(overall, after_missed, ceiling, "the held-out weeks")
### BEGIN HIDDEN TESTS
# Another trainer, a longer window, another seed; pairs made here, independently of make_training_pairs.
def _reference_pairs(workouts, window):
    days = [t for t in range(window, len(workouts)) if workouts[t] != MISSED]
    windows = np.array([workouts[t - window:t] for t in days]).reshape(len(days), window)
    return (windows[..., None] == np.arange(NUM_TOKENS)).astype(float), workouts[days]

train_tokens, held_out_tokens = split_log(seed=11, window=10)
X_h, y_h = _reference_pairs(held_out_tokens, 10)
ceiling = one_step_ceiling(X_h, y_h)
model = train_workout_model(build_workout_rnn, *_reference_pairs(train_tokens, 10), window=10, seed=1)
check_story(*held_out_accuracies(model, X_h, y_h), ceiling, "another trainer's held-out weeks")
### END HIDDEN TESTS
print(f"the recurrent model is right on {after_missed:.0%} of the days after a missed day")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex6_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 6: what memory buys, and its limit (2 points, graded by hand)
#
# In three to five sentences:
# (a) why can no model that reads only yesterday's workout be right much more than one time in six on the days right after a missed day, however large it is or however long it is trained?
# (b) Suppose the trainer could be away for up to 10 days in a row. What would happen to your model, which reads windows of 8 days, and what would you change?

# %% [markdown] nbgrader={"grade": true, "grade_id": "memory_answer", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* Full marks need both points:
# 1. **(a)** On every day right after a missed day, yesterday's input is the same one-hot vector, "missed". A model is a function of its input, so it gives all those days the same prediction, whatever its size or training. The right answers are spread about evenly over the six workouts (the last workout before a sick stretch can be any of them), so a single answer is right on about 1/6 of those days: the share of the most common one.
# 2. **(b)** When a stretch of 8 or more missed days ends, the window holds only "missed" days: the last workout done is outside it, and the recurrent model, whatever its state, has nothing to remember, so it falls back to a guess (about 1/6) on those days. The window must reach the last workout done: at least 11 days (the longest stretch plus one), or the model should read the whole history and carry its state from day to day (a SimpleRNN's weights do not depend on the window's length). A very long window may need care with vanishing gradients (unit 06).
#
# One point for each. No marks in (a) for "it needs more data or epochs"; half a point in (b) for "a longer window" without saying how long or why.
# ### END SOLUTION
