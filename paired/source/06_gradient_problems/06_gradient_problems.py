# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 06 assignment: gradient problems, measured and fixed
#
# In this assignment you measure how the gradient of a recurrent network vanishes or explodes over time, write the two kinds of gradient clipping, rescue a training run that explodes, and write the step of an LSTM cell that solves a task a simple RNN cannot.
#
# **Learning goals.** After it you can
# - compute how much gradient reaches step $k$ from step $T-1$: the norm of a product of Jacobians, one per step;
# - say when that norm is exactly $\rho^{T-1-k}$, with $\rho$ the spectral radius of the recurrent matrix (for a linear RNN whose recurrent matrix is normal, such as $\rho$ times an orthogonal one), and why for a non-normal matrix it can be far larger;
# - clip gradients by value and by global norm, as `tf.clip_by_value` and `tf.clip_by_global_norm` do, and say what each does to the direction of the update;
# - rescue a training run whose gradients explode, and choose a clipping threshold from the gradient norms you observe;
# - compute one step of an LSTM cell with Keras's weights and gate order (i, f, c, o), and use it to run an LSTM that Keras trained on the adding problem.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests that compare your functions with TensorFlow and Keras in float32.
# When you submit, the same cells also run hidden tests on fresh sizes and values in float64; each exercise states how closely your results must agree there, so make your code work for any sizes, not only the ones shown.
# Two tests train networks with your functions, with fixed seeds, and check what they learn; they take a few seconds each.
# One question is answered in words and graded by a person.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import matplotlib.pyplot as plt
import keras
import tensorflow as tf
from rnncourse import checks, gradient_tasks, gradient_plots

np.set_printoptions(precision=4, suppress=True)

# %% [markdown] nbgrader={"grade": false, "grade_id": "oracle_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The oracle: Jacobians from TensorFlow
#
# The next cell runs a tanh RNN, $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$, over one sequence in TensorFlow and asks `tf.GradientTape` for the Jacobian of the last state with respect to every earlier state.
# A tape gives the gradient of a scalar, $\sum_i u_i\, h_{T-1,i}$ for an upstream gradient $u$ (`output_gradients`); with $u$ the $i$-th unit vector that is row $i$ of the Jacobians.
# To get all $H$ rows at once, the cell runs $H$ copies of the sequence as a batch and sends $e_i$ back into copy $i$.
# The tests compare your `jacobian_norms` with it; you can use it to check yourself.
# Read it if you like; it is read-only.

# %% nbgrader={"grade": false, "grade_id": "tf_oracle", "locked": true, "schema_version": 3, "solution": false, "task": false}
TOLERANCE = dict(rtol=1e-4, atol=1e-6)  # TensorFlow computes in float32: agreement to about 1e-6 is all we can ask


def tape_jacobians(x, h0, Wx, Wh, b, activation=tf.tanh, dtype=tf.float32):
    """Run h_t = activation(x_t Wx + h_{t-1} Wh + b) over one sequence x (T, D) from h0 (H,) in TensorFlow.

    Returns the states h (T, H), h[t] being h_t, and the Jacobians jac (T, H, H) from tf.GradientTape:
    jac[k, i, j] is the derivative of entry i of h_{T-1} with respect to entry j of h_k (jac[T-1] is the identity).
    """
    x, h0, Wx, Wh, b = [tf.constant(np.asarray(a), dtype) for a in (x, h0, Wx, Wh, b)]
    H = Wh.shape[0]
    with tf.GradientTape() as tape:
        h = tf.repeat(h0[None], H, axis=0)  # H copies of the sequence, as a batch
        tape.watch(h)
        states = []
        for t in range(x.shape[0]):
            h = activation(x[t:t + 1] @ Wx + h @ Wh + b)
            states.append(h)
        last = tf.identity(h)  # a copy, so that the tape also differentiates h_{T-1} with respect to itself
    rows = tape.gradient(last, states, output_gradients=tf.eye(H, dtype=dtype))  # copy i gets e_i: row i
    return np.stack([s[0].numpy() for s in states]), np.stack([g.numpy() for g in rows])


def spectral_norms(jac):
    """The spectral norm (largest singular value) of each matrix jac[k]."""
    return np.linalg.norm(jac, ord=2, axis=(1, 2))


def random_orthogonal(H, rng):
    """A random orthogonal matrix Q (Q^T Q = I): all its singular values are 1."""
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    return q * np.sign(np.diag(r))


def non_normal(H, rho, rng, shear=1.0):
    """A random (H, H) matrix with spectral radius rho that is far from normal (for H > 1).

    It is Q (E + S) Q^T with Q orthogonal, E diagonal (its eigenvalues, the largest of size rho) and S strictly
    upper triangular with entries of size about `shear`: the eigenvalues stay those of E, the singular values grow.
    """
    eigenvalues = rng.uniform(-rho, rho, size=H)
    eigenvalues[0] = rho
    Q = random_orthogonal(H, rng)
    return Q @ (np.diag(eigenvalues) + np.triu(rng.normal(scale=shear, size=(H, H)), 1)) @ Q.T


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: how much gradient reaches step $k$ (4 points)
#
# One step of the RNN maps $h_{t-1}$ to $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$.
# The code uses rows; think of the states as column vectors for the Jacobians.
# Entry $(i, j)$ of the Jacobian $\partial h_t / \partial h_{t-1}$ is $\partial h_{t,i} / \partial h_{t-1,j} = (1 - h_{t,i}^2)\, (W_{hh})_{j,i}$, so
#
# $$J_t = \frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(1 - h_t^2)\, W_{hh}^\top .$$
#
# By the chain rule, the Jacobian of the last state with respect to an earlier one is the product of the Jacobians of the steps in between, the latest on the left:
#
# $$\frac{\partial h_{T-1}}{\partial h_k} = J_{T-1} J_{T-2} \cdots J_{k+1}, \qquad \frac{\partial h_{T-1}}{\partial h_{T-1}} = I .$$
#
# A loss $\mathcal{L}$ on the last state sends back $\partial \mathcal{L} / \partial h_k = (\partial \mathcal{L} / \partial h_{T-1})\, \partial h_{T-1} / \partial h_k$, so the norm of this product bounds how much gradient reaches step $k$.
#
# Write `jacobian_norms(h, Wh)`:
# - `h` has shape `(T, H)`: the states $h_0, \dots, h_{T-1}$ of **one** sequence, `h[t]` $= h_t$, computed by the tanh RNN with recurrent weights `Wh` of shape `(H, H)`;
# - return an array of shape `(T,)` whose entry $k$ is the spectral norm $\lVert \partial h_{T-1} / \partial h_k \rVert_2$, the largest singular value: `np.linalg.norm(M, 2)` (without the `2` NumPy returns the Frobenius norm, another thing; nor is it the spectral radius $\rho(M)$, the largest absolute value of an eigenvalue, which equals it when $M$ is normal but can be far smaller);
# - entry $T-1$ is the norm of the identity, 1; $h_0$'s own factor $1 - h_0^2$ is never needed.
#
# A way that needs one pass: start from the identity and, going backwards from $t = T-1$ to $1$, multiply one more Jacobian **on the right** for each step back.
# The order matters: the factors differ from step to step, and a product of matrices depends on their order.
# The inputs $x_t$ are not needed, since the states already hold their effect.
#
# *Checked by:* (2 points) with all states 0, where every Jacobian is $W_{hh}^\top$ as in a linear RNN, entry $k$ must be $\lVert W_{hh}^{T-1-k} \rVert_2$, for $W_{hh} = \rho Q$ with $Q$ orthogonal and for a non-normal $W_{hh}$ (see below); (2 points) agreement with Jacobians from `tf.GradientTape` for the states of a tanh RNN, with non-normal $W_{hh}$.
# The visible tests ask for a relative error of $10^{-6}$ with zero states (float64) and of $10^{-4}$ (and $10^{-6}$ absolute) against TensorFlow in float32; the hidden tests use fresh sizes and values in float64 and ask for a relative error of $10^{-9}$ (and $10^{-14}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "jacobian_norms", "locked": false, "schema_version": 3, "solution": true, "task": false}
def jacobian_norms(h, Wh):
    """Spectral norms of dh_{T-1}/dh_k, k = 0..T-1, for the states h (T, H) of a tanh RNN with recurrent weights Wh (H, H)."""
    ### BEGIN SOLUTION
    T, H = h.shape
    norms = np.empty(T)
    product = np.eye(H)                    # dh_{T-1}/dh_{T-1}
    norms[T - 1] = 1.0
    for t in range(T - 1, 0, -1):
        jacobian = (1 - h[t] ** 2)[:, None] * Wh.T   # J_t = diag(1 - h_t^2) Wh^T
        product = product @ jacobian                 # dh_{T-1}/dh_{t-1}
        norms[t - 1] = np.linalg.norm(product, 2)
    return norms
    ### END SOLUTION


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_linear_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **When it is exactly $\rho^{T-1-k}$.** If all the states are 0, then $1 - h_t^2 = 1$ and every Jacobian is $W_{hh}^\top$: the same as for a *linear* RNN, $h_t = x_t W_{xh} + h_{t-1} W_{hh}$.
# The product of $T-1-k$ of them is $(W_{hh}^\top)^{T-1-k}$, whose spectral norm is that of $W_{hh}^{T-1-k}$.
# With $W_{hh} = \rho Q$ and $Q$ orthogonal, this is $\rho^{T-1-k} (Q^\top)^{T-1-k}$; a product of orthogonal matrices is orthogonal, with all singular values 1, so the norm is exactly $\rho^{T-1-k}$, where $\rho$ is the spectral radius of $W_{hh}$ (the largest absolute value of its eigenvalues): it vanishes geometrically for $\rho < 1$ and explodes for $\rho > 1$.
# That holds for every *normal* matrix ($W W^\top = W^\top W$: symmetric, orthogonal, and multiples of them), but not in general for others.
# For a non-normal matrix, $\lVert W^n \rVert_2$ can grow for many steps although $\rho < 1$ (transient growth); $\rho$ only sets the rate at which it decays in the end.
# Try both, and then the states of a real tanh RNN, whose factors $1 - h_t^2 \le 1$ keep each $\lVert J_t \rVert_2$ at most $\lVert W_{hh} \rVert_2$ (here $1.1$):

# %%
rng = np.random.default_rng(0)
T_try, H_try = 30, 8
Q_try = random_orthogonal(H_try, rng)
print("Wh = 0.9 Q, last 5 entries:", jacobian_norms(np.zeros((T_try, H_try)), 0.9 * Q_try)[-5:], " 0.9**(T-1-k):", 0.9 ** np.arange(4, -1, -1))
W_try = non_normal(H_try, 0.9, rng)
print(f"a non-normal Wh: spectral radius {np.max(np.abs(np.linalg.eigvals(W_try))):.2f}, spectral norm {np.linalg.norm(W_try, 2):.2f}")
x_try = rng.normal(size=(T_try, 3))
h_try, jac_try = tape_jacobians(x_try, np.zeros(H_try), rng.normal(scale=0.5, size=(3, H_try)), 1.1 * Q_try, np.zeros(H_try))
curves_try = {"your jacobian_norms, zero states, the non-normal Wh": jacobian_norms(np.zeros((T_try, H_try)), W_try),
              "your jacobian_norms, tanh RNN, Wh = 1.1 Q": jacobian_norms(h_try, 1.1 * Q_try),
              "tf.GradientTape, tanh RNN, Wh = 1.1 Q": spectral_norms(jac_try)}

# %%
if "curves_try" not in globals():
    print("Nothing to plot yet: once jacobian_norms works, run the cell above, then this one.")
else:
    gradient_plots.norms_by_distance(curves_try, references={r"$0.9^{T-1-k}$": 0.9 ** np.arange(T_try - 1, -1, -1),
                                                             r"$1.1^{T-1-k}$": 1.1 ** np.arange(T_try - 1, -1, -1)})
    plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_jacobian_norms_linear", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""jacobian_norms with zero states: shape (T,), and entry k is the spectral norm of Wh to the power T-1-k, exactly rho**(T-1-k) for Wh = rho * orthogonal."""
def powers_norms(Wh, T):
    """||Wh^(T-1-k)||_2 for k = 0..T-1: what jacobian_norms must give when every state is 0."""
    return np.array([np.linalg.norm(np.linalg.matrix_power(Wh, T - 1 - k), 2) for k in range(T)])

def check_zero_states(name, Wh, T, expected, **tolerance):
    H = Wh.shape[0]
    got = checks.call(jacobian_norms, np.zeros((T, H)), Wh)
    checks.check_shape(f"jacobian_norms(h, Wh) for h of shape {(T, H)}", got, (T,))
    rho = np.max(np.abs(np.linalg.eigvals(Wh)))
    longer = powers_norms(Wh, T + 1)  # entry k: ||Wh^(T-k)||, one factor more
    checks.check_close(name, got, expected, **tolerance, likely_mistakes={
        "entry k must belong to step k: entry T-1 is 1 (the identity) and entry 0 is the norm of T-1 factors; "
        "yours are in reverse order": expected[::-1],
        "these are Frobenius norms: use the spectral norm np.linalg.norm(M, 2), the largest singular value":
            [np.linalg.norm(np.linalg.matrix_power(Wh, T - 1 - k)) for k in range(T)],
        "these are Frobenius norms (except entry T-1): use the spectral norm np.linalg.norm(M, 2), the largest "
        "singular value": [np.linalg.norm(np.linalg.matrix_power(Wh, T - 1 - k)) for k in range(T - 1)] + [1.0],
        "these are spectral radii (the largest absolute eigenvalue): use the spectral norm np.linalg.norm(M, 2), "
        "the largest singular value; the two agree for normal matrices, not for these": rho ** np.arange(T - 1, -1, -1),
        "this is the product of the norms of the single-step Jacobians, an upper bound: compute the product of the "
        "Jacobians and take its norm": np.linalg.norm(Wh, 2) ** np.arange(T - 1, -1, -1),
        "one factor too many: entry T-1 is the norm of the identity, 1, and entry k has T-1-k factors": longer[:T],
        "one factor too few: entry k is the norm of a product of T-1-k Jacobians": np.append(expected[1:], 1.0),
    })

rng = np.random.default_rng(1)
T, H = 12, 5
Q = random_orthogonal(H, rng)
for rho in (0.8, 1.25):
    check_zero_states(f"jacobian_norms with zero states and Wh = {rho} * Q", rho * Q, T, rho ** np.arange(T - 1, -1, -1),
                      rtol=1e-6, atol=0)
W = non_normal(H, 0.7, rng, shear=1.5)
check_zero_states("jacobian_norms with zero states and a non-normal Wh (spectral radius 0.7)", W, T, powers_norms(W, T),
                  rtol=1e-6, atol=0)
### BEGIN HIDDEN TESTS
for seed, (T, H, rho, shear) in enumerate([(1, 3, 0.5, 0.0), (2, 1, 3.0, 0.0), (25, 7, 0.93, 0.0), (16, 9, 1.07, 0.0),
                                           (14, 6, 0.6, 2.0), (9, 2, 0.95, 3.0), (31, 11, 1.02, 0.5)]):
    rng = np.random.default_rng(200 + seed)
    Wh = rho * random_orthogonal(H, rng) if shear == 0 else non_normal(H, rho, rng, shear)
    check_zero_states(f"jacobian_norms with zero states, T={T}, H={H}", Wh, T, powers_norms(Wh, T), rtol=1e-9, atol=1e-14)
### END HIDDEN TESTS
print("jacobian_norms gives the norms of the powers of Wh when the states are 0")

# %% nbgrader={"grade": true, "grade_id": "test_jacobian_norms_autodiff", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""jacobian_norms agrees with the Jacobians that tf.GradientTape computes for the states of a tanh RNN with a non-normal Wh."""
def check_against_tape(name, x, h0, Wx, Wh, b, dtype=tf.float32, **tolerance):
    h, jac = tape_jacobians(x, h0, Wx, Wh, b, dtype=dtype)
    expected = spectral_norms(jac)
    _, jac_linear = tape_jacobians(x, h0, Wx, Wh, b, activation=tf.identity, dtype=dtype)  # the same Wh, no tanh
    step_norms = [spectral_norms(tape_jacobians(x[t - 1:t + 1], h[t - 2] if t > 1 else h0, Wx, Wh, b, dtype=dtype)[1])[0]
                  for t in range(1, len(x))]  # ||J_t|| = ||dh_t/dh_{t-1}||, from two-step runs
    frobenius = np.linalg.norm(jac, axis=(1, 2))
    got = checks.call(jacobian_norms, h.astype(float), Wh)
    checks.check_close(name, got, expected, **tolerance, likely_mistakes={
        "these are the norms for a linear RNN: multiply each Wh^T by diag(1 - h_t^2), the derivative of tanh at step t":
            spectral_norms(jac_linear),
        "these are Frobenius norms: use the spectral norm np.linalg.norm(M, 2)": frobenius,
        "these are Frobenius norms (except entry T-1): use the spectral norm np.linalg.norm(M, 2)": np.append(frobenius[:-1], 1.0),
        "these are spectral radii (the largest absolute eigenvalue): use the spectral norm np.linalg.norm(M, 2), "
        "the largest singular value; the two agree for normal matrices, not for these": np.max(np.abs(np.linalg.eigvals(jac)), axis=1),
        "entry k must belong to step k (entry T-1 is 1); yours are in reverse order": expected[::-1],
        "this is the product of the norms of the single-step Jacobians, an upper bound: compute the product of the "
        "Jacobians and take its norm": np.append(np.cumprod(step_norms[::-1])[::-1], 1.0),
    })

rng = np.random.default_rng(2)
T, D, H = 10, 3, 4
x, h0, Wx, b = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=(D, H)), rng.normal(scale=0.3, size=H)
Wh = non_normal(H, 0.9, rng)
check_against_tape("jacobian_norms(h, Wh) for a tanh RNN (entry k: the norm of dh_{T-1}/dh_k)", x, h0, Wx, Wh, b, **TOLERANCE)
### BEGIN HIDDEN TESTS
for seed, (T, D, H, rho, shear) in enumerate([(2, 1, 1, 1.0, 0.0), (7, 2, 6, 0.9, 1.0), (20, 6, 8, 1.0, 1.5),
                                              (13, 7, 3, 1.2, 2.0), (25, 9, 7, 0.6, 3.0)]):
    rng = np.random.default_rng(300 + seed)
    x, h0, Wx, b = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=(D, H)), rng.normal(scale=0.3, size=H)
    check_against_tape(f"jacobian_norms for T={T}, H={H}", x, h0, Wx, non_normal(H, rho, rng, shear), b, dtype=tf.float64,
                       rtol=1e-9, atol=1e-14)
### END HIDDEN TESTS
print("jacobian_norms agrees with tf.GradientTape")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: clipping by value (2 points)
#
# When gradients explode, one update can throw the weights so far that the loss becomes infinite.
# The bluntest remedy clips every entry of every gradient to the interval $[-v, v]$.
#
# Write `clip_by_value(grads, max_value)`: `grads` is a list of NumPy arrays of any shapes (one per weight); return a list of arrays of the same shapes in which every entry $g$ is replaced by $\min(\max(g, -\tau), \tau)$, with the threshold $\tau$ = `max_value`, as `tf.clip_by_value` does.
# The arrays can have different shapes, so clip each one on its own.
# Leave the arrays in `grads` unchanged: the caller may still need them (to log their norm, say).
#
# *Checked by:* (1 point) the values against `tf.clip_by_value`: in the visible test to $10^{-5}$ (relative and absolute), in the hidden tests (fresh shapes, float64) to a relative error of $10^{-15}$, that is up to rounding; (1 point) a list of arrays of the right shapes comes back and `grads` is unchanged after the call.

# %% nbgrader={"grade": false, "grade_id": "clip_by_value", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clip_by_value(grads, max_value):
    """Clip every entry of every array in grads to [-max_value, max_value]; return a new list, grads unchanged."""
    ### BEGIN SOLUTION
    return [np.clip(g, -max_value, max_value) for g in grads]
    ### END SOLUTION


# %% [markdown]
# Try it:

# %%
clip_by_value([np.array([0.5, -3.0, 2.0]), np.array([[10.0, -0.1]])], 1.0)


# %% nbgrader={"grade": false, "grade_id": "clip_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def random_gradients(rng, shapes, scale=1.0):
    """A list of random arrays of the given shapes, like the gradients of a network's weights."""
    return [scale * rng.normal(size=shape) for shape in shapes]


def check_gradient_list(name, got, grads):
    """Fail unless `got` is a list (or tuple) of arrays with the shapes of the arrays in `grads`."""
    if not isinstance(got, (list, tuple)):
        raise AssertionError(f"{name} must return a list of arrays, one per gradient; got {type(got).__name__}")
    checks.check_equal(f"the number of arrays {name} returns", len(got), len(grads))
    for i, (g, original) in enumerate(zip(got, grads)):
        checks.check_shape(f"{name}[{i}]", g, original.shape)


# %% nbgrader={"grade": true, "grade_id": "test_clip_by_value_values", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""clip_by_value agrees with tf.clip_by_value on every array of the list."""
grads = random_gradients(np.random.default_rng(4), [(3, 4), (4,), (2, 2, 2)], scale=2.0)
got = checks.call(clip_by_value, grads, 1.5)
check_gradient_list("clip_by_value(grads, 1.5)", got, grads)
for i, g in enumerate(grads):
    expected = tf.clip_by_value(g, -1.5, 1.5).numpy()
    checks.check_close(f"clip_by_value(grads, 1.5)[{i}]", got[i], expected, likely_mistakes={
        "only the upper bound is applied: entries below -max_value must become -max_value": np.minimum(g, 1.5),
        "only the lower bound is applied: entries above max_value must become max_value": np.maximum(g, -1.5),
        "entries are clipped to [0, max_value]: the interval is [-max_value, max_value]": np.clip(g, 0, 1.5),
        "the array is rescaled: clipping by value changes only the entries outside [-max_value, max_value], "
        "each on its own": g * 1.5 / np.abs(g).max(),
    })
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(400)
for shapes, value in [([(1,)], 0.1), ([(6, 1), (6, 8, 7), (9,)], 3.0), ([(8, 8)], 100.0), ([(10,), (11,)], 0.0)]:
    grads = random_gradients(rng, shapes, scale=3.0)
    expected = [tf.clip_by_value(g, -value, value).numpy() for g in grads]
    got = checks.call(clip_by_value, grads, value)
    check_gradient_list(f"clip_by_value(grads, {value})", got, grads)
    for i, e in enumerate(expected):
        checks.check_close(f"clip_by_value(grads, {value})[{i}]", got[i], e, rtol=1e-15, atol=0)
### END HIDDEN TESTS
print("clip_by_value agrees with tf.clip_by_value")

# %% nbgrader={"grade": true, "grade_id": "test_clip_by_value_leaves_grads_unchanged", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""clip_by_value returns a list of arrays and leaves the caller's grads unchanged."""
grads = random_gradients(np.random.default_rng(5), [(4, 3), (3,)], scale=2.0)
got = checks.call(clip_by_value, grads, 0.5, inputs_unchanged=True)  # fails, naming where, if grads changed
check_gradient_list("clip_by_value(grads, 0.5)", got, grads)
### BEGIN HIDDEN TESTS
grads = random_gradients(np.random.default_rng(401), [(6, 9, 7), (1,), (7,)], scale=4.0)
got = checks.call(clip_by_value, grads, 1.0, inputs_unchanged=True)
check_gradient_list("clip_by_value(grads, 1.0)", got, grads)
### END HIDDEN TESTS
print("clip_by_value leaves grads as they were")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: clipping by global norm (6 points)
#
# Clipping by value changes the direction of the update: entries beyond the threshold are cut, the others are not.
# Pascanu, Mikolov and Bengio (2013) proposed to rescale instead: treat all the gradients as one long vector $g$, with the **global norm**
#
# $$\lVert g \rVert = \sqrt{\textstyle\sum_{\text{arrays}} \sum_{\text{entries}} g^2},$$
#
# and if it exceeds the threshold $\tau$, multiply every array by the same factor so that the norm becomes $\tau$:
#
# $$g \leftarrow g \cdot \frac{\tau}{\max(\lVert g \rVert, \tau)} .$$
#
# Below the threshold the factor is 1 and the gradients are untouched; above it the gradient keeps its direction and has length $\tau$.
#
# Write `clip_by_global_norm(grads, max_norm)` as `tf.clip_by_global_norm` computes it: `grads` is a list of NumPy arrays, `max_norm` is $\tau$; return the pair `(clipped, global_norm)`, where `clipped` is a list of arrays of the same shapes and `global_norm` is the norm **before** clipping, a number.
# Leave `grads` unchanged.
# All-zero gradients have norm 0: they must come back as zeros, without a division by zero.
#
# *Checked by:* (2 points) agreement with `tf.clip_by_global_norm`, the clipped arrays and the norm: in the visible test with TensorFlow in float32, to a relative error of $10^{-4}$; in the hidden tests (fresh shapes, float64), to a relative error of $10^{-12}$; (1 point) the properties that define it, to a relative error of $10^{-9}$: the direction is kept, the norm of the result is at most `max_norm` and equal to it when clipping, gradients below the threshold come back unchanged (to $10^{-12}$), zeros stay zeros; (1 point) a list of arrays of the right shapes comes back and `grads` is unchanged after the call; (2 points) the training run below, which explodes without clipping, must train with your clipping.

# %% nbgrader={"grade": false, "grade_id": "clip_by_global_norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clip_by_global_norm(grads, max_norm):
    """Rescale all arrays in grads by one factor so that their global norm is at most max_norm.

    Returns (clipped, global_norm): a new list of arrays, and the global norm before clipping. grads is unchanged.
    """
    ### BEGIN SOLUTION
    global_norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    scale = max_norm / max(global_norm, max_norm)
    return [g * scale for g in grads], global_norm
    ### END SOLUTION


# %% [markdown]
# Try it: the global norm of $(3, 4)$ and $(12)$ is $\sqrt{9 + 16 + 144} = 13$, so with a threshold of 6.5 every entry is halved.

# %%
clip_by_global_norm([np.array([3.0, 4.0]), np.array([12.0])], 6.5)

# %% nbgrader={"grade": true, "grade_id": "test_clip_by_global_norm_matches_tf", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""clip_by_global_norm returns what tf.clip_by_global_norm returns: the clipped arrays and the norm before clipping."""
grads = random_gradients(np.random.default_rng(6), [(3, 4), (4,), (2, 2, 2)])
norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))  # about 4.6
for max_norm in (norm / 2, 2 * norm):  # above the threshold, then below it
    result = checks.call(clip_by_global_norm, grads, max_norm)
    checks.check_returns("clip_by_global_norm", result, ("clipped", "global_norm"))
    got, got_norm = result
    check_gradient_list(f"clipped (max_norm={max_norm:.3g})", got, grads)
    expected, expected_norm = tf.clip_by_global_norm([tf.constant(g, tf.float32) for g in grads], max_norm)
    checks.check_close(f"global_norm (max_norm={max_norm:.3g})", float(got_norm), float(expected_norm), **TOLERANCE,
                       likely_mistakes={
        "this is the sum of the squares: take its square root": float(expected_norm) ** 2,
        "this is the norm after clipping: return the norm of the gradients you were given": min(max_norm, norm),
    })
    for i, (g, e) in enumerate(zip(got, expected)):
        checks.check_close(f"clipped[{i}] (max_norm={max_norm:.3g}, global norm {norm:.3g})", g, e.numpy(), **TOLERANCE,
                           likely_mistakes={
            "each array was clipped by its own norm: use one factor, from the global norm of all the arrays together":
                tf.clip_by_norm(grads[i], max_norm).numpy(),
            "the gradients were rescaled although their norm is below max_norm: the factor is "
            "max_norm / max(global_norm, max_norm), which is 1 then": grads[i] * max_norm / norm,
            "the factor used the sum of squares instead of the norm (the square root is missing)":
                grads[i] * max_norm / max(norm ** 2, max_norm),
        })
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(500)
for shapes, scale, max_norm in [([(1,)], 1.0, 0.3), ([(6, 1), (6, 7, 9), (7,)], 3.0, 5.0), ([(8, 8)], 0.01, 1.0),
                                ([(6,), (7,), (9,)], 10.0, 1e-3), ([(7, 6)], 1.0, 6.48074069840786)]:
    grads = random_gradients(rng, shapes, scale=scale)
    expected, expected_norm = tf.clip_by_global_norm([tf.constant(g, tf.float64) for g in grads], max_norm)
    got, got_norm = checks.call(clip_by_global_norm, grads, max_norm)
    checks.check_close("global_norm", float(got_norm), float(expected_norm), rtol=1e-12, atol=0)
    for i, (g, e) in enumerate(zip(got, expected)):
        checks.check_close(f"clipped[{i}]", g, e.numpy(), rtol=1e-12, atol=1e-300)
### END HIDDEN TESTS
print("clip_by_global_norm agrees with tf.clip_by_global_norm")

# %% nbgrader={"grade": true, "grade_id": "test_clip_by_global_norm_properties", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""clip_by_global_norm keeps the direction, caps the norm, leaves small gradients alone, and handles zeros."""
def global_norm(arrays):
    return float(np.sqrt(sum(np.sum(np.asarray(a, dtype=float) ** 2) for a in arrays)))

def check_properties(grads, max_norm):
    result = checks.call(clip_by_global_norm, grads, max_norm)
    checks.check_returns("clip_by_global_norm", result, ("clipped", "global_norm"))
    clipped, norm = result
    check_gradient_list("clipped", clipped, grads)
    checks.check_finite("clipped", np.concatenate([np.ravel(c) for c in clipped]),
                        "All-zero gradients have norm 0: the factor max_norm / max(0, max_norm) is 1, no division by zero.")
    before, after = np.concatenate([g.ravel() for g in grads]), np.concatenate([np.ravel(c) for c in clipped])
    if global_norm(grads) <= max_norm:
        checks.check_close(f"clipped gradients whose global norm {global_norm(grads):.3g} is below max_norm={max_norm:g} "
                           "(they must be returned unchanged)", after, before, rtol=1e-12, atol=0)
        return
    if global_norm(clipped) > max_norm * (1 + 1e-9):
        raise AssertionError(f"the global norm of the clipped gradients is {global_norm(clipped):.6g}, above "
                             f"max_norm={max_norm:g}: divide by the global norm of all the arrays together")
    scale = after @ before / (before @ before)  # the one factor that would map grads onto clipped
    if not np.allclose(after, scale * before, rtol=1e-9, atol=1e-12):
        raise AssertionError("the direction of the gradients changed: every array must be multiplied by the same "
                             "factor max_norm / global_norm, computed from all the arrays together")
    checks.check_close("the global norm of the clipped gradients", global_norm(clipped), max_norm, rtol=1e-9, atol=0)

rng = np.random.default_rng(7)
check_properties(random_gradients(rng, [(4, 3), (3,), (2, 5)], scale=5.0), 1.0)    # clipped
check_properties(random_gradients(rng, [(4, 3), (3,), (2, 5)], scale=0.01), 1.0)   # untouched
check_properties([np.zeros((3, 2)), np.zeros(4)], 1.0)                             # zeros
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(501)
for shapes, scale, max_norm in [([(1,)], 5.0, 0.5), ([(10, 10), (1,)], 1e3, 1.0), ([(6, 7, 8), (9,)], 0.1, 100.0),
                                ([(6,), (6,), (6,)], 1.0, 1e-6)]:
    check_properties(random_gradients(rng, shapes, scale=scale), max_norm)
check_properties([np.zeros((6, 7, 8))], 1e-3)
clipped, norm = checks.call(clip_by_global_norm, [np.zeros(7), np.zeros((6, 9))], 5.0)
checks.check_close("global_norm of zero gradients", float(norm), 0.0, rtol=0, atol=0)
### END HIDDEN TESTS
print("clip_by_global_norm has all the properties it should")

# %% nbgrader={"grade": true, "grade_id": "test_clip_by_global_norm_leaves_grads_unchanged", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""clip_by_global_norm returns a list of arrays and leaves the caller's grads unchanged."""
grads = random_gradients(np.random.default_rng(8), [(4, 3), (3,), (2, 5)], scale=5.0)  # global norm about 19: clipped
result = checks.call(clip_by_global_norm, grads, 1.0, inputs_unchanged=True)  # fails, naming where, if grads changed
checks.check_returns("clip_by_global_norm", result, ("clipped", "global_norm"))
check_gradient_list("clipped", result[0], grads)
### BEGIN HIDDEN TESTS
grads = random_gradients(np.random.default_rng(502), [(6, 7), (9,)], scale=3.0)
result = checks.call(clip_by_global_norm, grads, 0.5, inputs_unchanged=True)
check_gradient_list("clipped", result[0], grads)
### END HIDDEN TESTS
print("clip_by_global_norm leaves grads as they were")

# %% [markdown] nbgrader={"grade": false, "grade_id": "exploding_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### A training run that explodes
#
# Le, Jaitly and Hinton (2015) start a ReLU RNN, $h_t = \max(0,\ x_t W_{xh} + h_{t-1} W_{hh} + b_h)$, from $W_{hh} = I$: for the units that are active, the Jacobian of a step is then the identity, and the gradient neither vanishes nor explodes.
# A gain slightly above 1 is enough to break it.
# `gradient_tasks.train_relu_rnn` starts from $W_{hh} = 1.1\, I$ and trains with plain gradient descent on sequences of 50 numbers, predicting their (scaled) sum; predicting 0 scores an MSE of 1.
# Over 50 steps the Jacobians can multiply the gradient by up to $1.1^{49} \approx 107$ and the states grow with them, so the very first gradients are huge.
#
# The next cell trains it twice for 300 updates: without clipping, and with your `clip_by_global_norm` at a threshold of 10.
# It is read-only; it takes a few seconds.

# %% nbgrader={"grade": false, "grade_id": "exploding_run", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["kernel-only"]
THRESHOLD = 10.0
runs = {}
runs["no clipping"] = gradient_tasks.train_relu_rnn(clip=None, seed=0)
runs[f"global norm clipped at {THRESHOLD:g}"] = gradient_tasks.train_relu_rnn(
    clip=lambda grads: clip_by_global_norm(grads, THRESHOLD)[0], seed=0)
gradient_plots.clipping_runs(runs, threshold=THRESHOLD)
plt.show()
for name, (losses, norms) in runs.items():
    print(f"{name}: loss {losses[0]:.3g} at the start, {losses[-1]:.3g} after {len(losses) - 1} update{'s' * (len(losses) != 2)}")

# %% nbgrader={"grade": true, "grade_id": "test_clipping_rescues_training", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""With your clip_by_global_norm at a threshold of 10, the exploding ReLU RNN trains: every loss is finite and the last 50 average below 0.5."""
LEVEL = 0.5  # predicting 0 scores 1; correct clipping reaches 0.13 to 0.27 with every seed we tried

def check_rescued(seed):
    losses, norms = gradient_tasks.train_relu_rnn(clip=lambda grads: clip_by_global_norm(grads, 10.0)[0], seed=seed)
    checks.check_finite(f"the training losses with clipping (seed {seed})", losses,
                        "This run uses no code of yours but clip_by_global_norm (each update must have a global norm of at "
                        "most 10): the tests above say what is wrong with it.")
    final = float(np.mean(losses[-50:]))
    if not final < LEVEL:
        raise AssertionError(f"with clipping (seed {seed}) the mean loss over the last 50 updates is {final:.3f}; it must be "
                             f"below {LEVEL} (predicting 0 scores 1). This run uses no code of yours but clip_by_global_norm: "
                             f"the tests above say what is wrong with it.")
    return losses

losses = check_rescued(seed=0)
unclipped, _ = gradient_tasks.train_relu_rnn(clip=None, seed=0)
print(f"without clipping the loss is {unclipped[-1]} after {len(unclipped) - 1} update{'s' * (len(unclipped) != 2)}; "
      f"with yours it falls from {losses[0]:.3g} to {np.mean(losses[-50:]):.3f}")
### BEGIN HIDDEN TESTS
check_rescued(seed=11)
### END HIDDEN TESTS
print("your clipping rescues the exploding run")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: choosing the threshold (2 points, graded by hand)
#
# Look at the right panel of the figure above: the global norm of the gradients of every update, before clipping, on a log scale, with the threshold of 10 as a dashed line.
# Suppose you train this network again and have to choose the threshold yourself.
# In three to six sentences: which threshold would you pick from what the figure shows, and why?
# What goes wrong with a threshold far above that (say $10^4$), and with one far below it (say $0.1$)?
# Mention how, with the plain gradient descent used here, the threshold and the learning rate together bound the size of an update.

# %% [markdown] nbgrader={"grade": true, "grade_id": "threshold_answer", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* Full marks need all three points:
# 1. **The choice.** After the first few dozen updates the norms settle at a typical size, roughly 10 to 30 in this run, while the first updates are 10^3 to 10^5 times larger (the explosion, while the gain is still above 1). A good threshold is about that typical size (for example the median of the norms of a stable stretch of training, here 10 to 30; anything from about 3 to 30 trains this network): it cuts the explosions down to the size of an ordinary update and leaves ordinary updates (nearly) alone. Pascanu et al. (2013) suggest the average norm over many updates.
# 2. **Too large (10^4).** The first updates have norms of 10^4 to 10^5 and are barely clipped, or not at all: the weights jump as without clipping, the states and the loss overflow, and the loss becomes inf or NaN (or the ReLUs die and the network is stuck predicting a constant).
# 3. **Too small (0.1), and the learning rate.** Every update is clipped to length 0.1, so with learning rate $\eta$ plain gradient descent (as here) moves the weights by at most $\eta \tau$ = 0.0002 per update: training crawls, as if the learning rate were far smaller. For plain gradient descent the largest step is learning rate times threshold, so the two must be chosen together: halving one is like halving the other for the clipped updates. (With momentum or Adam the step also depends on earlier gradients and on Adam's rescaling, so it is not $\eta \tau$; accept either remark.)
#
# Two points for all three; one point for the choice with a reason taken from the figure and one of the other two. No marks for a threshold without a reason.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: one step of an LSTM (7 points)
#
# An LSTM cell carries two states: the hidden state $h$ and the cell state $c$.
# From the input $x_t$ and the previous states it computes four pre-activations at once, one matrix product each:
#
# $$z = x_t W_x + h_{t-1} W_h + b, \qquad z = [\,z_i \mid z_f \mid z_c \mid z_o\,],$$
#
# with `Wx` of shape `(D, 4H)`, `Wh` of shape `(H, 4H)` and `b` of shape `(4H,)`, the blocks of $H$ columns in Keras's order: **input gate, forget gate, candidate, output gate**.
# Then, with $\sigma(z) = 1 / (1 + e^{-z})$ and $\odot$ the entrywise product,
#
# $$i = \sigma(z_i), \quad f = \sigma(z_f), \quad g = \tanh(z_c), \quad o = \sigma(z_o),$$
# $$c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t).$$
#
# The forget gate $f$ decides how much of the old cell state to keep, the input gate $i$ how much of the candidate $g$ to write, the output gate $o$ how much of the cell to show.
# Write `lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)` for a batch: `x` is `(N, D)`, `h_prev` and `c_prev` are `(N, H)`; return `(h_next, c_next, cache)`, both states of shape `(N, H)`, and a `cache` of whatever a backward pass would need (for example the inputs, the four gates and `c_next`).
# These are exactly the weights of `keras.layers.LSTM`: `kernel` is `Wx`, `recurrent_kernel` is `Wh`, `bias` is `b`.
# Keras's `unit_forget_bias=True` only sets the forget gate's part of `b` to 1 when the layer is created; the step itself uses `b` as it is.
#
# *Checked by:* the shapes (1 point); the values against `keras.layers.LSTMCell` given the same weights (2 points); reproducing a `keras.layers.LSTM` layer over whole sequences from its own weights (1 point); and, with the weights of an LSTM that Keras trained on the adding problem, your step must solve the adding problem (3 points, see below).
# The visible tests compare with Keras in float32, to a relative error of $10^{-4}$ (and $10^{-6}$ absolute); the hidden tests use fresh sizes and values in float64 and ask for a relative error of $10^{-10}$ (and $10^{-12}$ absolute), except on the adding problem, where your predictions must agree with those of Keras's own float32 run to $10^{-3}$.

# %% nbgrader={"grade": false, "grade_id": "lstm_step_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step of an LSTM for a batch, with Keras's gate order (i, f, c, o).

    x: (N, D), h_prev: (N, H), c_prev: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,).
    Returns (h_next, c_next, cache) with h_next and c_next of shape (N, H).
    """
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


# %% [markdown]
# Try it on a small batch (change the numbers as you like):

# %%
rng = np.random.default_rng(42)
N_try, D_try, H_try = 2, 3, 4
h_next_try, c_next_try, _ = lstm_step_forward(rng.normal(size=(N_try, D_try)), np.zeros((N_try, H_try)), np.zeros((N_try, H_try)),
                                              rng.normal(size=(D_try, 4 * H_try)), rng.normal(size=(H_try, 4 * H_try)), np.zeros(4 * H_try))
h_next_try, c_next_try


# %% nbgrader={"grade": false, "grade_id": "lstm_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def random_lstm_inputs(rng, N, D, H, scale=0.5):
    """x (N, D), h_prev (N, H), c_prev (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,)."""
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            scale * rng.normal(size=(D, 4 * H)), scale * rng.normal(size=(H, 4 * H)), scale * rng.normal(size=4 * H))


def keras_lstm_step(x, h_prev, c_prev, Wx, Wh, b, **options):
    """One step of keras.layers.LSTMCell with the given weights, in float32: returns (h_next, c_next)."""
    cell = keras.layers.LSTMCell(Wh.shape[0], **options)
    cell.build((None, Wx.shape[0]))
    cell.set_weights([np.asarray(w, "float32") for w in (Wx, Wh, b)])
    h_next, (_, c_next) = cell(np.asarray(x, "float32"), [np.asarray(h_prev, "float32"), np.asarray(c_prev, "float32")])
    return np.asarray(h_next), np.asarray(c_next)


def swap_blocks(W, first, second):
    """W with its column blocks `first` and `second` (0 = i, 1 = f, 2 = c, 3 = o) swapped."""
    blocks = np.split(np.asarray(W), 4, axis=-1)
    blocks[first], blocks[second] = blocks[second], blocks[first]
    return np.concatenate(blocks, axis=-1)


def check_triple(result):
    """Fail unless lstm_step_forward returned (h_next, c_next, cache); return it."""
    checks.check_returns("lstm_step_forward", result, ("h_next", "c_next", "cache"))
    return result


def run_lstm(x, h0, c0, Wx, Wh, b):
    """Your lstm_step_forward applied at every step of x (N, T, D): returns all the states h (N, T, H) and the last c."""
    h, c, states = h0, c0, []
    for t in range(x.shape[1]):
        h, c, _ = check_triple(checks.call(lstm_step_forward, x[:, t], h, c, Wx, Wh, b))
        states.append(h)
    return np.stack(states, axis=1), c


# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_forward_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""lstm_step_forward returns (h_next, c_next, cache) with h_next and c_next of shape (N, H)."""
N, D, H = 3, 5, 2  # all different, so a transposed weight shows up as a shape error
h_next, c_next, _ = check_triple(checks.call(lstm_step_forward, *random_lstm_inputs(np.random.default_rng(8), N, D, H)))
checks.check_shape("h_next", h_next, (N, H))
checks.check_shape("c_next", c_next, (N, H))
### BEGIN HIDDEN TESTS
for N, D, H in [(1, 1, 1), (7, 8, 9), (11, 9, 7)]:
    h_next, c_next, _ = lstm_step_forward(*random_lstm_inputs(np.random.default_rng(600 + N), N, D, H))
    checks.check_shape("h_next", h_next, (N, H))
    checks.check_shape("c_next", c_next, (N, H))
### END HIDDEN TESTS
print("h_next and c_next have the right shapes")

# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""lstm_step_forward matches keras.layers.LSTMCell given the same weights, h_next and c_next."""
x, h_prev, c_prev, Wx, Wh, b = random_lstm_inputs(np.random.default_rng(9), 3, 4, 5)
h_next, c_next, _ = check_triple(checks.call(lstm_step_forward, x, h_prev, c_prev, Wx, Wh, b))
h_expected, c_expected = keras_lstm_step(x, h_prev, c_prev, Wx, Wh, b)
gate_order = "the gates are in the wrong order: the four blocks of H columns are, in this order, i, f, c (the candidate), o"
mistakes = {  # what each mistake computes, as (h_next, c_next)
    gate_order + "; yours read them as i, f, o, c": keras_lstm_step(x, h_prev, c_prev, swap_blocks(Wx, 2, 3), swap_blocks(Wh, 2, 3), swap_blocks(b, 2, 3)),
    gate_order + "; yours read them as i, c, f, o": keras_lstm_step(x, h_prev, c_prev, swap_blocks(Wx, 1, 2), swap_blocks(Wh, 1, 2), swap_blocks(b, 1, 2)),
    "the forget gate multiplies the candidate and the input gate the old cell: c_next = f * c_prev + i * g":
        keras_lstm_step(x, h_prev, c_prev, swap_blocks(Wx, 0, 1), swap_blocks(Wh, 0, 1), swap_blocks(b, 0, 1)),
    "tanh was used for the gates: i, f and o use the sigmoid 1 / (1 + exp(-z)); only the candidate and the output use tanh":
        keras_lstm_step(x, h_prev, c_prev, Wx, Wh, b, recurrent_activation="tanh"),
    "1 was added to the forget gate's pre-activation: unit_forget_bias only initialises b; the step uses b as it is":
        keras_lstm_step(x, h_prev, c_prev, Wx, Wh, b + np.repeat([0.0, 1.0, 0.0, 0.0], 5)),
    "the sigmoid was used for the candidate g: g = tanh(z_c)":
        keras_lstm_step(x, h_prev, c_prev, Wx, Wh, b, activation="sigmoid"),
}
checks.check_close("c_next", c_next, c_expected, **TOLERANCE,
                   likely_mistakes={sentence: c for sentence, (h, c) in mistakes.items()})
checks.check_close("h_next", h_next, h_expected, **TOLERANCE, likely_mistakes={
    **{sentence: h for sentence, (h, c) in mistakes.items()},
    "tanh is missing in h_next: h_next = o * tanh(c_next)": h_expected / np.tanh(c_expected) * c_expected,
    "h_next must use the new cell state: h_next = o * tanh(c_next), not tanh(c_prev)": h_expected / np.tanh(c_expected) * np.tanh(c_prev),
})
### BEGIN HIDDEN TESTS
# Fresh sizes and values in float64: Keras's LSTMCell in float64 is the reference.
def keras_lstm_step_float64(x, h_prev, c_prev, Wx, Wh, b):
    cell = keras.layers.LSTMCell(Wh.shape[0], dtype="float64")
    cell.build((None, Wx.shape[0]))
    cell.set_weights([Wx, Wh, b])
    h_next, (_, c_next) = cell(x, [h_prev, c_prev])
    return np.asarray(h_next), np.asarray(c_next)

for seed, (N, D, H) in enumerate([(1, 1, 1), (9, 7, 8), (8, 10, 11)]):
    inputs = random_lstm_inputs(np.random.default_rng(700 + seed), N, D, H, scale=1.0)
    h_expected, c_expected = keras_lstm_step_float64(*inputs)
    h_next, c_next, _ = lstm_step_forward(*inputs)
    checks.check_close("c_next", c_next, c_expected, rtol=1e-10, atol=1e-12)
    checks.check_close("h_next", h_next, h_expected, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("lstm_step_forward matches Keras")

# %% nbgrader={"grade": true, "grade_id": "test_lstm_reproduces_keras_layer", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Your step, applied at every time step, reproduces a keras.layers.LSTM(return_sequences=True) layer from its own weights."""
def keras_lstm_layer(x, H, seed, dtype="float32"):
    keras.utils.set_random_seed(seed)
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True, dtype=dtype)
    h, _, c = layer(np.asarray(x, dtype))
    Wx, Wh, b = layer.get_weights()  # kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,)
    return np.asarray(h), np.asarray(c), (Wx, Wh, b)

x = np.random.default_rng(10).normal(size=(3, 6, 2))
h_keras, c_keras, weights = keras_lstm_layer(x, 4, seed=0)
zeros = np.zeros((3, 4))
h, c = run_lstm(x, zeros, zeros, *[w.astype(float) for w in weights])
checks.check_close("the states h of every step", h, h_keras, **TOLERANCE)
checks.check_close("the last cell state c", c, c_keras, **TOLERANCE)
### BEGIN HIDDEN TESTS
x = np.random.default_rng(800).normal(size=(7, 11, 8))
h_keras, c_keras, weights = keras_lstm_layer(x, 9, seed=1, dtype="float64")
h, c = run_lstm(x, np.zeros((7, 9)), np.zeros((7, 9)), *weights)
checks.check_close("the states h of every step", h, h_keras, rtol=1e-10, atol=1e-12)
checks.check_close("the last cell state c", c, c_keras, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("your LSTM reproduces keras.layers.LSTM")

# %% [markdown] nbgrader={"grade": false, "grade_id": "adding_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The adding problem
#
# Hochreiter and Schmidhuber (1997) made up a task that needs a long memory.
# Each sequence has two channels: values drawn uniformly from $[0, 1)$, and markers, 1 at exactly two steps and 0 elsewhere, one in each half of the sequence.
# The target is the sum of the two marked values.
# The first marked value must be remembered for up to $T-1$ steps, while all the other values stream past.
# A network that remembers nothing can only predict the mean of the target, 1, and its mean squared error is the variance of a sum of two $U(0, 1)$ values: $2 \cdot \frac{1}{12} = \frac{1}{6}$.

# %% nbgrader={"grade": false, "grade_id": "adding_example", "locked": true, "schema_version": 3, "solution": false, "task": false}
T = 100
x_example, y_example = gradient_tasks.adding_problem(3, T, seed=0)
for n in range(3):
    marked = np.flatnonzero(x_example[n, :, 1])
    print(f"marked steps {marked}, values {x_example[n, marked, 0].round(3)}, target {y_example[n, 0]:.3f}")
x_many, y_many = gradient_tasks.adding_problem(50_000, T, seed=1)
print(f"always predicting 1: MSE {np.mean((1 - y_many) ** 2):.4f} (1/6 = {1 / 6:.4f})")


# %% [markdown] nbgrader={"grade": false, "grade_id": "adding_models_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell builds the two models the test trains on sequences of length $T = 100$: 16 recurrent units, then one linear output unit reading the last hidden state.
# The LSTM's forget gates start close to 1 (the "chrono" initialisation of Tallec and Ollivier, 2018, `gradient_tasks.long_memory_bias`), so that its cell can keep a value for tens of steps from the start; the lecture shows why that matters.
# `gradient_tasks.fit_adding` trains a model with Adam on fresh batches of 64 sequences and stops once the validation MSE is below 0.02 (or after 640 updates).

# %% nbgrader={"grade": false, "grade_id": "adding_models", "locked": true, "schema_version": 3, "solution": false, "task": false}
def build_adding_model(kind, T=100, units=16, seed=0):
    """A compiled Keras model for the adding problem: an LSTM or a SimpleRNN layer, then Dense(1)."""
    keras.utils.set_random_seed(seed)
    if kind == "lstm":
        recurrent = keras.layers.LSTM(units, unit_forget_bias=False,
                                      bias_initializer=keras.initializers.Constant(gradient_tasks.long_memory_bias(units, T)))
    else:
        recurrent = keras.layers.SimpleRNN(units)
    model = keras.Sequential([keras.Input(shape=(T, 2)), recurrent, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    return model


def predict_with_your_lstm(model, x):
    """The trained model's predictions for x (N, T, 2), computed with your lstm_step_forward and its weights."""
    Wx, Wh, b = model.layers[0].get_weights()   # kernel, recurrent_kernel, bias of the LSTM layer
    Wy, by = model.layers[1].get_weights()      # the Dense layer
    zeros = np.zeros((x.shape[0], Wh.shape[0]))
    h, _ = run_lstm(x.astype(float), zeros, zeros, Wx.astype(float), Wh.astype(float), b.astype(float))
    return h[:, -1] @ Wy + by


# %% nbgrader={"grade": true, "grade_id": "test_lstm_solves_adding_problem", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""With the weights of an LSTM that Keras trained on the adding problem (T = 100), your lstm_step_forward predicts fresh sequences with an MSE below 0.05; a SimpleRNN trained as long stays near 1/6."""
LEVEL = 0.05  # the constant predictor scores 1/6 = 0.167; trained LSTMs score 0.006 to 0.018 with every seed we tried
# 250 sequences, not more: each of the T steps sends your step's outputs and cache to the grader (seed 0's model: 0.017 on
# these 250, 0.016 on 1,000; the SimpleRNN 0.168 and 0.169)
checks.call(lstm_step_forward, *random_lstm_inputs(np.random.default_rng(11), 2, 2, 3))  # fails fast if not written yet

lstm_model = build_adding_model("lstm", seed=0)
steps, val_mse = gradient_tasks.fit_adding(lstm_model, T, max_steps=640, stop_below=0.02, seed=0)
simple_model = build_adding_model("simple", seed=0)
gradient_tasks.fit_adding(simple_model, T, max_steps=int(steps[-1]), seed=0)  # the same number of updates

x_test, y_test = gradient_tasks.adding_problem(250, T, seed=20_000)
yours = predict_with_your_lstm(lstm_model, x_test)
checks.check_shape("the predictions made with your LSTM step", yours, y_test.shape)
lstm_mse = float(np.mean((yours - y_test) ** 2))
simple_mse = gradient_tasks.mse(simple_model, x_test, y_test)
print(f"after {steps[-1]} updates: LSTM with your step {lstm_mse:.4f}, SimpleRNN {simple_mse:.4f}, constant 1/6 = {1 / 6:.4f}")
if not lstm_mse < LEVEL:
    keras_mse = gradient_tasks.mse(lstm_model, x_test, y_test)
    raise AssertionError(f"the trained LSTM run with your lstm_step_forward has an MSE of {lstm_mse:.4f} on fresh sequences; "
                         f"expected below {LEVEL}, as Keras's own run of the same weights gives {keras_mse:.4f}. "
                         f"Your step must compute what keras.layers.LSTM computes: see the tests above.")
assert simple_mse > 0.1, f"the SimpleRNN should stay near 1/6 = 0.167, got {simple_mse:.4f}"
### BEGIN HIDDEN TESTS
x_hidden, y_hidden = gradient_tasks.adding_problem(240, T, seed=30_000)
expected = np.asarray(lstm_model(x_hidden, training=False))
yours = predict_with_your_lstm(lstm_model, x_hidden)
checks.check_close("your LSTM's predictions on other fresh sequences (expected: Keras's)", yours, expected,
                   rtol=1e-3, atol=1e-3)
hidden_mse = float(np.mean((yours - y_hidden) ** 2))
assert hidden_mse < LEVEL, f"MSE on other fresh sequences: expected below {LEVEL}, got {hidden_mse:.4f}"
### END HIDDEN TESTS
print(f"your LSTM cell solves the adding problem: MSE {lstm_mse:.4f}, far below the 1/6 that the SimpleRNN is stuck at")

# %% [markdown]
# Which units remember the first marked value?
# Run your step with the trained weights on the same sequence twice, with the first marked value set to 1 and then to 0, and plot the difference of the cell states: the units that keep the value carry the difference from the first marker to the end.

# %%
if "lstm_model" not in globals():  # the adding-problem test above stops before training while your step fails
    print("No trained LSTM yet: once your lstm_step_forward works, run the adding-problem test above, then this cell.")
else:
    x_probe, _ = gradient_tasks.adding_problem(1, T, seed=5)
    x_probe = np.repeat(x_probe, 2, axis=0).astype(float)
    first = np.flatnonzero(x_probe[0, :, 1])[0]
    x_probe[0, first, 0], x_probe[1, first, 0] = 1.0, 0.0
    Wx_l, Wh_l, b_l = [w.astype(float) for w in lstm_model.layers[0].get_weights()]
    h_p = c_p = np.zeros((2, Wh_l.shape[0]))
    difference = []
    for t in range(T):
        h_p, c_p, _ = lstm_step_forward(x_probe[:, t], h_p, c_p, Wx_l, Wh_l, b_l)
        difference.append(c_p[0] - c_p[1])
    plt.figure(figsize=(9, 3.5))
    plt.plot(np.array(difference))
    plt.axvline(first, color="black", linestyle="--", label="first marker")
    plt.xlabel("step t"); plt.ylabel("difference of $c_t$"); plt.title("Cell states, first marked value 1 minus 0")
    plt.legend(); plt.show()
