# %% [markdown]
# # Unit 03: backpropagation through time
#
# In unit 02 the network ran forward: a hidden state carried from step to step, the same weights at every step.
# To train it we need the gradient of a loss with respect to those weights, and this lecture derives it.
# The method is the ordinary chain rule, applied backwards through the unrolled network: **backpropagation through time** (BPTT).
#
# **What you will learn**
# - how the gradient flows back through the unrolled network, and why the gradient of $h_t$ has two parts;
# - the backward pass of one step, with the shape of every gradient;
# - why the gradients of the shared weights are sums over the time steps;
# - how to check a gradient with centred differences and with `tf.GradientTape`;
# - the gradient of the softmax cross-entropy loss;
# - what BPTT costs in time and memory, and how truncated BPTT bounds the cost;
# - a first look at how the gradient that reaches early steps shrinks (unit 06 goes further).
#
# **Prerequisites.** Unit 02 (the forward pass), the chain rule, NumPy's matrix product `@`.
#
# Here you derive the gradients on paper, and TensorFlow's automatic differentiation computes them, so that every step of the derivation can be checked against numbers.
# In this unit's assignment you write the backward pass yourself in NumPy, check it, and train a small character model with it.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before TensorFlow because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import time
import weakref
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
import keras
from rnncourse import bptt_plots

np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# ## 1. The unrolled graph
#
# The forward pass of unit 02, for a batch of $N$ sequences with $D$ inputs and $H$ hidden units:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h), \qquad t = 0, \dots, T-1,$$
#
# starting from $h_{-1}$.
# TensorFlow can only differentiate what it saw being computed, so the next cell writes this loop with TensorFlow operations.
# It returns the list of the states, so that we can ask for the gradient of each one.

# %%
def tf_rnn(x, h0, Wx, Wh, b):
    """The states [h_0, ..., h_{T-1}], each (N, H), computed with TensorFlow operations."""
    states, h_t = [], h0
    for t in range(x.shape[1]):
        h_t = tf.tanh(x[:, t] @ Wx + h_t @ Wh + b)
        states.append(h_t)
    return states


# %% [markdown]
# Sizes for the rest of the lecture; $D$, $H$ and $N$ differ, so that every gradient's shape tells which array it belongs to.
# The loop computes exactly what Keras's `SimpleRNN` computes with the same weights (unit 02): `kernel` is $W_{xh}$, `recurrent_kernel` is $W_{hh}$, `bias` is $b_h$.

# %%
N, T, D, H = 3, 5, 4, 6
rng = np.random.default_rng(0)
x = rng.normal(size=(N, T, D))
h0 = rng.normal(size=(N, H))
Wx = rng.normal(scale=0.5, size=(D, H))
Wh = rng.normal(scale=0.5, size=(H, H))
b = rng.normal(scale=0.1, size=H)
h = np.stack(tf_rnn(x, h0, Wx, Wh, b), axis=1)          # (N, T, H), float64 like NumPy

keras_rnn = keras.layers.SimpleRNN(H, return_sequences=True, dtype="float64")
keras_rnn.build((None, None, D))
keras_rnn.set_weights([Wx, Wh, b])
print("h:", h.shape, " largest difference from Keras's SimpleRNN:", np.abs(h - keras_rnn(x, initial_state=[h0])).max())

# %% [markdown]
# Say a loss $L_t$ is computed from each state, and $L = L_0 + L_1 + \dots + L_{T-1}$.
# Unrolled, the network is a graph with one column per step.

# %%
bptt_plots.unrolled_graph(T=4, title="An RNN unrolled over four steps")
plt.show()

# %% [markdown]
# Follow the black arrows out of $h_1$: it reaches $L$ directly, through $L_1$, and indirectly, through $h_2$ (and from there through $L_2$, $h_3$, ...).
# The chain rule adds the two routes:
#
# $$\frac{dL}{dh_t} = \underbrace{\frac{\partial L_t}{\partial h_t}}_{\text{through } L_t} + \underbrace{\frac{dL}{dh_{t+1}} \frac{\partial h_{t+1}}{\partial h_t}}_{\text{through } h_{t+1}}.$$
#
# The second term needs $dL/dh_{t+1}$ first, so the gradient is computed backwards, from $t = T-1$ down to $0$, along the red arrows.
# Every horizontal arrow uses the same $W_{hh}$: we come back to what that means for its gradient in section 3.
#
# Let us watch it happen.
# Take random numbers `dh[:, t]` as the gradient of each state through its own loss, $\partial L_t / \partial h_t$, and the loss $L = \sum_t \sum h_t \odot \mathrm{dh}[:, t]$, which has exactly these gradients (in a model they come from the output layer, section 5).
# A `tf.GradientTape` records the forward pass and then gives the gradient of $L$ with respect to any tensor it computed, here each state $h_t$, through every route.

# %%
dh = rng.normal(size=(N, T, H))                              # dL_t/dh_t, through the own loss only
inputs = [tf.constant(a) for a in (x, h0, Wx, Wh, b)]       # float64, like NumPy
with tf.GradientTape() as tape:
    tape.watch(inputs)
    states = tf_rnn(*inputs)
    loss = tf.reduce_sum(tf.stack(states, axis=1) * dh)
total = [g.numpy() for g in tape.gradient(loss, states)]     # total[t] = dL/dh_t, every route
for t in range(T):
    print(f"t = {t}: |dL_t/dh_t| = {np.linalg.norm(dh[:, t]):.2f}, |dL/dh_t| = {np.linalg.norm(total[t]):.2f}")


# %% [markdown]
# Only at the last step, where no later state exists, is the total gradient the own loss's gradient.
# Now check the chain rule above at every step: add to `dh[:, t]` what step $t+1$ sends back to $h_t$, which a tape on that single step gives (`output_gradients` is the gradient that arrives at the step's output, $dL/dh_{t+1}$).

# %%
def sent_back(t, upstream):
    """(dL/dh_{t+1}) dh_{t+1}/dh_t: what step t+1 sends back to h_t, from a tape on that step alone."""
    h_t = tf.constant(states[t])
    with tf.GradientTape() as step_tape:
        step_tape.watch(h_t)
        h_next = tf.tanh(x[:, t + 1] @ Wx + h_t @ Wh + b)
    return step_tape.gradient(h_next, h_t, output_gradients=tf.constant(upstream)).numpy()

for t in reversed(range(T - 1)):
    two_routes = dh[:, t] + sent_back(t, total[t + 1])
    print(f"t = {t}: dL/dh_t minus the two routes {np.abs(total[t] - two_routes).max():.1e}, "
          f"minus dh[:, t] alone {np.abs(total[t] - dh[:, t]).max():.2f}")

# %% [markdown]
# ## 2. One step backward
#
# Write one step as $z = x W_{xh} + h_{prev} W_{hh} + b_h$ and $h_{next} = \tanh(z)$.
# The backward pass receives $dh_{next} = \partial L / \partial h_{next}$, shape $(N, H)$, and returns the gradient of every input of the step.
#
# **Through the tanh.** Each entry of $h_{next}$ depends only on the same entry of $z$, and $\tanh'(z) = 1 - \tanh(z)^2$, so
#
# $$dz = dh_{next} \odot (1 - h_{next}^2),$$
#
# an elementwise product; this is why unit 02's cache keeps $h_{next}$.
#
# **Through the matrix products.** For $z = x W$, the entry $z_{nj} = \sum_i x_{ni} W_{ij}$, so $\partial L / \partial W_{ij} = \sum_n x_{ni}\, dz_{nj}$ and $\partial L / \partial x_{ni} = \sum_j dz_{nj} W_{ij}$:
#
# $$dW_{xh} = x^\top dz, \quad dx = dz\, W_{xh}^\top, \qquad dW_{hh} = h_{prev}^\top dz, \quad dh_{prev} = dz\, W_{hh}^\top.$$
#
# **Through the bias.** $b_h$ is added to every row of the batch, so its gradient sums $dz$ over the rows: $db = \sum_n dz_n$.
#
# Every gradient has the shape of what it is the gradient of, and there is only one way to multiply the pieces to get that shape: $x^\top dz$ is $(D, N)(N, H) = (D, H)$, the shape of $W_{xh}$.
#
# ### What the tape computes for one step
#
# A tape needs a scalar loss whose gradient with respect to $h_{next}$ is a given `dh_next`: the loss $L = \sum h_{next} \odot dh_{next}$ is such a loss, since $\partial L / \partial h_{next} = dh_{next}$.
# Its five gradients have the shapes of the five inputs:

# %%
dh_next = rng.normal(size=(N, H))
step_inputs = [tf.constant(a) for a in (x[:, 0], h0, Wx, Wh, b)]
with tf.GradientTape() as tape:
    tape.watch(step_inputs)
    x_0, h_prev, Wx_tf, Wh_tf, b_tf = step_inputs
    z = x_0 @ Wx_tf + h_prev @ Wh_tf + b_tf
    h_next = tf.tanh(z)
    step_loss = tf.reduce_sum(h_next * dh_next)
step_grads = tape.gradient(step_loss, step_inputs)
for name, value, grad in zip(["x", "h_prev", "Wx", "Wh", "b"], step_inputs, step_grads):
    print(f"d{name:7s} {str(tuple(grad.shape)):8s}   {name:7s} {tuple(value.shape)}")

# %% [markdown]
# Two claims of the derivation, checked with TensorFlow.
# **Through the tanh:** the Jacobian of one example's $h_{next}$ with respect to its $z$ is diagonal, with $1 - h_{next}^2$ on the diagonal.

# %%
z_row = tf.constant(z[0])                         # the first example's z, (H,)
with tf.GradientTape() as tape:
    tape.watch(z_row)
    h_row = tf.tanh(z_row)
jacobian = tape.jacobian(h_row, z_row).numpy()   # (H, H): entry (i, j) is d h_i / d z_j
print("largest entry off the diagonal:", np.abs(jacobian - np.diag(np.diag(jacobian))).max())
print("diagonal minus (1 - h**2):     ", np.abs(np.diag(jacobian) - (1 - h_row.numpy() ** 2)).max())


# %% [markdown]
# **Over the batch:** every example uses the same $W_{xh}$, $W_{hh}$ and $b_h$, so the batch's gradients are the sums of each example's gradients.
# Compute them for the whole batch, then for one example at a time:

# %%
def step_weight_gradients(rows):
    """The tape's dWx, dWh, db of one step, for the examples `rows` of the batch only."""
    weights = [tf.constant(a) for a in (Wx, Wh, b)]
    with tf.GradientTape() as tape:
        tape.watch(weights)
        h_next = tf.tanh(x[rows, 0] @ weights[0] + h0[rows] @ weights[1] + weights[2])
        loss = tf.reduce_sum(h_next * dh_next[rows])
    return [g.numpy() for g in tape.gradient(loss, weights)]

whole_batch = step_weight_gradients(slice(None))
each_example = [step_weight_gradients([n]) for n in range(N)]
for i, name in enumerate(["dWx", "dWh", "db"]):
    summed = sum(grads[i] for grads in each_example)
    print(f"{name}: whole batch minus the sum over the examples {np.abs(whole_batch[i] - summed).max():.1e}")

# %% [markdown]
# The differences are at the level of float64 rounding, about $10^{-16}$.
#
# ## 3. Through time: the gradients of shared weights are sums
#
# The same holds over time.
# Pretend every step had its own copy $W_{hh}^{(t)}$ of the recurrent weights (and of $W_{xh}$ and $b_h$), all with the same values.
# Then the network computes exactly the same numbers, and the multivariable chain rule says $dL/dW_{hh} = \sum_t \partial L / \partial W_{hh}^{(t)}$.
# TensorFlow can give us the gradient of each copy.

# %%
copies = [[tf.constant(w) for w in (Wx, Wh, b)] for _ in range(T)]   # step t uses copies[t]
with tf.GradientTape() as tape:
    tape.watch(copies)
    h_t, copy_states = tf.constant(h0), []
    for t in range(T):
        Wx_t, Wh_t, b_t = copies[t]
        h_t = tf.tanh(x[:, t] @ Wx_t + h_t @ Wh_t + b_t)
        copy_states.append(h_t)
    loss = tf.reduce_sum(tf.stack(copy_states, axis=1) * dh)
per_copy = [[g.numpy() for g in grads] for grads in tape.gradient(loss, copies)]

with tf.GradientTape() as tape:
    tape.watch(inputs)
    loss = tf.reduce_sum(tf.stack(tf_rnn(*inputs), axis=1) * dh)
shared = dict(zip(["dx", "dh0", "dWx", "dWh", "db"], [g.numpy() for g in tape.gradient(loss, inputs)]))

# %%
for i, name in enumerate(["dWx", "dWh", "db"]):
    summed = sum(per_copy[t][i] for t in range(T))
    print(f"{name}: sum of the copies' gradients minus the shared one's {np.abs(summed - shared[name]).max():.1e}; "
          f"the last step's copy alone is off by {np.abs(per_copy[-1][i] - shared[name]).max():.2f}")
print("each step's share of dWh, by norm:", np.array([np.linalg.norm(per_copy[t][1]) for t in range(T)]))

# %% [markdown]
# Every step contributes, and no single step's contribution is the gradient.
# Keras's `SimpleRNN` layer, with the same weights, trains on exactly these gradients: a tape gives the gradients of its variables `kernel`, `recurrent_kernel` and `bias`.

# %%
with tf.GradientTape() as tape:
    keras_loss = tf.reduce_sum(keras_rnn(x, initial_state=[h0]) * dh)
for variable, grad in zip(keras_rnn.trainable_weights, tape.gradient(keras_loss, keras_rnn.trainable_weights)):
    ours = {"kernel": shared["dWx"], "recurrent_kernel": shared["dWh"], "bias": shared["db"]}[variable.name]
    print(f"{variable.name:17s} largest difference from our tape's gradient {np.abs(grad.numpy() - ours).max():.1e}")


# %% [markdown]
# ## 4. Checking a gradient numerically
#
# Without automatic differentiation, a gradient can be checked with finite differences.
# For a function $f$ of an array $x$, take a small step $\varepsilon$ in a direction $v$:
#
# $$\text{one-sided: } \frac{f(x + \varepsilon v) - f(x)}{\varepsilon}, \qquad \text{centred: } \frac{f(x + \varepsilon v) - f(x - \varepsilon v)}{2\varepsilon},$$
#
# both close to the slope of $f$ in that direction, $\sum_i \frac{\partial f}{\partial x_i} v_i$.
# By Taylor's theorem the one-sided difference is off by a term proportional to $\varepsilon$ (it contains $f''$), the centred one by a term proportional to $\varepsilon^2$ (it contains $f'''$).
#
# With $v = e_i$, which is 1 at entry $i$ and 0 elsewhere, the slope is one entry of the gradient: entry by entry, that is the check you write in the assignment.
# Here we take a random direction instead, which checks all entries at once with two evaluations of $f$: a gradient with any wrong entry gives a wrong slope, unless $v$ is exactly at right angles to its error, which a random $v$ practically never is.
# We compare numbers and arrays with the relative error $\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)$, which does not depend on their scale.

# %%
def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def loss_of_Wh(W):
    """L = sum(h * dh) as a function of W_hh alone, in float64."""
    return float(tf.reduce_sum(tf.stack(tf_rnn(x, h0, Wx, W, b), axis=1) * dh))


v = rng.normal(size=Wh.shape)                   # a random direction
slope = np.sum(shared["dWh"] * v)               # the slope that the tape's dWh predicts
eps = 1e-5
centred = (loss_of_Wh(Wh + eps * v) - loss_of_Wh(Wh - eps * v)) / (2 * eps)
print(f"slope from the gradient {slope:.10f}, centred difference {centred:.10f}, "
      f"relative error {relative_error(slope, centred):.1e}")

# %% [markdown]
# How small should $\varepsilon$ be?
# Too large and the Taylor error dominates; too small and $f(x + \varepsilon v) - f(x - \varepsilon v)$ loses digits to rounding, an error of about $10^{-16} |f| / \varepsilon$.
# Measure both differences for many $\varepsilon$:

# %%
epsilons = np.logspace(-12, -1, 23)             # epsilons[14] is 1e-5
L_here = loss_of_Wh(Wh)
errors = {"one-sided": [relative_error(slope, (loss_of_Wh(Wh + e * v) - L_here) / e) for e in epsilons],
          "centred": [relative_error(slope, (loss_of_Wh(Wh + e * v) - loss_of_Wh(Wh - e * v)) / (2 * e)) for e in epsilons]}

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for kind, marker in (("one-sided", "o"), ("centred", "s")):
    ax.loglog(epsilons, errors[kind], marker=marker, markersize=4, label=kind)
ax.axhline(1e-6, color="grey", linestyle="--", label="threshold used in the assignment, $10^{-6}$")
ax.set(xlabel="$\\varepsilon$", ylabel="relative error of the slope", title="Finite differences in float64")
ax.legend()
plt.show()

# %%
best = {kind: (min(errs), epsilons[np.argmin(errs)]) for kind, errs in errors.items()}
for kind, (error, at) in best.items():
    print(f"{kind:9s}: smallest error {error:.1e}, at eps = {at:.0e}; at eps = 1e-5: {errors[kind][14]:.1e}")

# %% [markdown]
# On the right, the Taylor error: the one-sided error falls like $\varepsilon$ (slope 1), the centred one like $\varepsilon^2$ (slope 2).
# On the left, rounding takes over and both errors grow as $\varepsilon$ shrinks.
# Centred differences are far below the threshold $10^{-6}$ for a wide range of $\varepsilon$ around $10^{-5}$, and get closer than any one-sided difference.
#
# TensorFlow has the entry-by-entry check built in: `tf.test.compute_gradient` changes one entry at a time by $\pm\varepsilon$ and returns both Jacobians, the tape's and the centred differences'.

# %%
by_tape, by_differences = tf.test.compute_gradient(lambda W: tf.reduce_sum(tf.stack(tf_rnn(x, h0, Wx, W, b), axis=1) * dh),
                                                   [Wh], delta=1e-5)
print(f"dWh entry by entry: relative error {relative_error(by_tape[0], by_differences[0]):.1e}")

# %% [markdown]
# A wrong gradient is far above the threshold; for example the transpose of the right $dW_{hh}$, or a gradient that forgets the factor $1 - h^2$.
# The second one is made with `tf.stop_gradient`, which passes a value forward but no gradient back: $z + \mathrm{stop}(\tanh(z) - z)$ has the value $\tanh(z)$ but the derivative 1.

# %%
with tf.GradientTape() as tape:
    tape.watch(inputs)
    h_t, no_factor_states = inputs[1], []
    for t in range(T):
        z_t = x[:, t] @ inputs[2] + h_t @ inputs[3] + inputs[4]
        h_t = z_t + tf.stop_gradient(tf.tanh(z_t) - z_t)     # the value of tanh, the derivative of z
        no_factor_states.append(h_t)
    loss = tf.reduce_sum(tf.stack(no_factor_states, axis=1) * dh)
no_factor_dWh = tape.gradient(loss, inputs[3]).numpy()
for name, wrong in (("transposed dWh", shared["dWh"].T), ("without 1 - h**2", no_factor_dWh)):
    print(f"{name:17s}: relative error of its slope {relative_error(np.sum(wrong * v), centred):.2f}")

# %% [markdown]
# In float32, the default of TensorFlow and Keras, rounding is about $10^{-7}$ instead of $10^{-16}$, and float32 gradients agree with float64 ones only to about that relative error:

# %%
inputs32 = [tf.constant(a, tf.float32) for a in (x, h0, Wx, Wh, b)]
with tf.GradientTape() as tape:
    tape.watch(inputs32)
    loss32 = tf.reduce_sum(tf.stack(tf_rnn(*inputs32), axis=1) * dh.astype("float32"))
print(f"float32 dWh against float64: relative error {relative_error(tape.gradient(loss32, inputs32)[3].numpy(), shared['dWh']):.1e}")

# %% [markdown]
# That is why the assignment's visible tests compare with TensorFlow in float32 with a loose tolerance, while its hidden tests work in float64.
#
# ## 5. The loss: softmax cross-entropy
#
# A model that predicts one of $V$ classes at each step (the next character, say) reads scores off each state, $s_t = h_t W_{hy} + b_y$, turns them into probabilities $p_t = \mathrm{softmax}(s_t)$, and is scored by the mean over all $N T$ positions of minus the log-probability of the true class $y$:
#
# $$L = -\frac{1}{NT} \sum_{n,t} \log p_{n,t,y_{n,t}}.$$
#
# Since $\log p_y = s_y - \log \sum_j e^{s_j}$, its derivative with respect to a score is $[v = y] - p_v$, so
#
# $$\frac{\partial L}{\partial s_{n,t,v}} = \frac{p_{n,t,v} - [v = y_{n,t}]}{NT}.$$
#
# Every position gets a share $1/(NT)$ because the loss is a mean over all positions.
# TensorFlow's loss and the tape's gradient agree with this formula:

# %%
V = 5
scores = tf.constant(rng.normal(scale=2.0, size=(N, T, V)))
y = rng.integers(0, V, size=(N, T))
with tf.GradientTape() as tape:
    tape.watch(scores)
    ce_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=scores))
dscores = tape.gradient(ce_loss, scores).numpy()
p = tf.nn.softmax(scores).numpy()
print("loss:", float(ce_loss), " mean of -log p_y:", -np.log(np.take_along_axis(p, y[..., None], axis=-1)).mean())
formula = (p - np.eye(V)[y]) / (N * T)
print("largest difference between the tape's dscores and (p - one_hot(y)) / (N T):", np.abs(dscores - formula).max())

# %% [markdown]
# Computed naively, $\log p$ fails for large scores: $e^{1000}$ overflows, and a probability that underflows to 0 has $\log 0 = -\infty$.

# %%
big = np.array([[1000.0, 0.0, -1000.0]])
with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
    naive = np.log(np.exp(big) / np.exp(big).sum(axis=-1, keepdims=True))
print("naive:        ", naive)
print("log(softmax): ", tf.math.log(tf.nn.softmax(big)).numpy())
print("log_softmax:  ", tf.nn.log_softmax(big).numpy())

# %% [markdown]
# Subtracting each row's maximum $m$ from its scores changes nothing, $s_v - m - \log \sum_j e^{s_j - m} = s_v - \log \sum_j e^{s_j}$, but then no exponential overflows: the largest is $e^0 = 1$.
# `tf.nn.softmax` avoids the overflow, and its probabilities are right to float64 precision, but $e^{-1000}$ underflows to 0, whose log is $-\infty$.
# `tf.nn.log_softmax` computes the log-probabilities directly from the shifted scores, $s_v - m - \log \sum_j e^{s_j - m}$, and never takes $\log 0$.
#
# The output layer links this loss to the recurrent part.
# $W_{hy}$ and $b_y$ act at every position, so their gradients are sums over the batch and over time, like those of $W_{hh}$.
# And the gradient of each state through its own loss is $\mathrm{dscores}_t\, W_{hy}^\top$, of shape $(N, T, H)$ for all steps at once: exactly the `dh` of section 1.

# %%
Wy, by = tf.constant(rng.normal(scale=0.5, size=(H, V))), tf.constant(rng.normal(scale=0.1, size=V))
h_given = tf.constant(h)                            # the states, taken as given
with tf.GradientTape(persistent=True) as tape:
    tape.watch(h_given)
    model_scores = h_given @ Wy + by
    model_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model_scores))
own_dh = tape.gradient(model_loss, h_given).numpy()  # (N, T, H)
through_scores = tape.gradient(model_loss, model_scores).numpy() @ Wy.numpy().T
print("dL/dh (own losses) minus dscores W_hy^T:", np.abs(own_dh - through_scores).max())


# %% [markdown]
# ## 6. What BPTT costs
#
# **Time.** The backward pass visits the $T$ steps once, in reverse: per step, the matrix products of section 2 (four of them) against the forward's two.
# Its time grows linearly with $T$, like the forward's.
# Time a forward pass alone and a forward pass with its gradient, on a larger network, in float32:

# %%
def seconds(function, repeat=2):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best

N_big, H_big = 32, 64
Wx_big = tf.constant(rng.normal(scale=0.1, size=(D, H_big)), tf.float32)
Wh_big = tf.constant(rng.normal(scale=0.1, size=(H_big, H_big)), tf.float32)
b_big, h0_big = tf.zeros(H_big), tf.zeros((N_big, H_big))
big_weights = [Wx_big, Wh_big, b_big]


def forward(x_big):
    return tf_rnn(x_big, h0_big, Wx_big, Wh_big, b_big)[-1]


def forward_and_gradient(x_big):
    with tf.GradientTape() as tape:
        tape.watch(big_weights)
        loss = tf.reduce_sum(forward(x_big))
    return tape.gradient(loss, big_weights)

lengths = [100, 200, 400, 800]
for T_big in lengths:
    x_big = tf.constant(rng.normal(size=(N_big, T_big, D)), tf.float32)
    forward_s = seconds(lambda: forward(x_big))
    both_s = seconds(lambda: forward_and_gradient(x_big))
    print(f"T = {T_big:4d}: forward {1000 * forward_s:4.0f} ms, forward and gradient {1000 * both_s:5.0f} ms")

# %% [markdown]
# **Memory.** The backward pass of step $t$ needs $x_t$, $h_{t-1}$ and $h_t$ (unit 02's cache), so they must be kept for every step until the backward pass is done; $h_{t-1}$ is the previous step's state, so that is one new state per step.
# A tape does that: it holds on to the tensors that the gradients of the operations it recorded may need.
# Measure it: run the forward pass one operation per line, keep a weak reference to each tensor it makes (a weak reference does not keep its tensor alive), and afterwards add up the sizes of the tensors that are still alive.
# Without a tape, only the current state is needed, which is all that running the network, without training it, takes.

# %%
STEP_TENSORS = ["x_t", "x_t W_xh", "h_{t-1} W_hh", "their sum", "z_t", "h_t"]


def memory_kept(T_big, with_tape):
    """The tensors made by a forward pass over T_big steps that are alive after it: MB, and which ones."""
    x_big = tf.constant(rng.normal(size=(N_big, T_big, D)), tf.float32)
    made = []                                      # (name, weak reference) of every tensor the pass makes

    def forward_op_by_op():
        h_t = h0_big
        for t in range(T_big):
            x_t = x_big[:, t]
            from_x = x_t @ Wx_big
            from_h = h_t @ Wh_big
            summed = from_x + from_h
            z_t = summed + b_big
            h_t = tf.tanh(z_t)
            made.extend(zip(STEP_TENSORS, map(weakref.ref, (x_t, from_x, from_h, summed, z_t, h_t))))
        return h_t

    if with_tape:
        with tf.GradientTape() as tape:
            tape.watch(big_weights)
            h_last = forward_op_by_op()
    else:
        h_last = forward_op_by_op()
    alive = [(name, ref()) for name, ref in made if ref() is not None]   # h_last among them
    megabytes = sum(a.shape.num_elements() * a.dtype.size for _, a in alive) / 1e6
    return megabytes, [name for name in STEP_TENSORS if any(n == name for n, _ in alive)], len(alive)

kept = {"forward under a tape (for BPTT)": [memory_kept(T_big, True) for T_big in lengths],
        "forward without a tape": [memory_kept(T_big, False) for T_big in lengths]}
for label, values in kept.items():
    _, names, count = values[-1]
    print(f"{label}, T = {lengths[-1]}: tensors alive {count}, namely {', '.join(names)}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for label, values in kept.items():
    ax.plot(lengths, [megabytes for megabytes, *_ in values], marker="o", label=label)
ax.plot(lengths, [4 * N_big * H_big * T_big / 1e6 for T_big in lengths], "k--", linewidth=1,
        label="$4 N H T$ bytes: one float32 state per step")
ax.set(xlabel="sequence length $T$", ylabel="memory kept (MB)", title=f"Memory of the forward pass, N = {N_big}, H = {H_big}")
ax.legend()
plt.show()

# %% [markdown]
# Under the tape, the memory grows linearly with $T$: TensorFlow keeps several arrays of $N \times H$ numbers per step, more than the one new state that unit 02's cache needs, while a forward pass without a tape keeps only its last state, whatever $T$.
# For long sequences, or large $N$ and $H$, that memory, and waiting for the whole sequence before a single update, is what truncated BPTT avoids.
#
# ## 7. Truncated BPTT
#
# Truncated BPTT cuts the sequence into chunks of $k$ steps:
# - **forward**, the state is carried: each chunk starts from the last state of the previous chunk, so the states are those of the full forward pass;
# - **backward**, the gradient is cut: it flows back inside a chunk but not into the previous chunk.
#
# The tape then holds at most $k$ steps, and the weights can be updated after every chunk.

# %%
bptt_plots.unrolled_graph(T=8, chunk=3, title="Truncated BPTT with chunks of 3 steps")
plt.show()

# %% [markdown]
# The forward half first: running Keras's layer chunk by chunk, each chunk from the previous chunk's last state (`initial_state`), gives the same states as one full forward pass.
# (A layer made with `stateful=True` carries its state from one call to the next by itself.)

# %%
k = 2
state, chunked = h0, []
for start in range(0, T, k):
    h_chunk = keras_rnn(x[:, start:start + k], initial_state=[state]).numpy()
    chunked.append(h_chunk)
    state = h_chunk[:, -1]                        # carried into the next chunk
np.abs(np.concatenate(chunked, axis=1) - h).max()

# %% [markdown]
# The backward half: `tf.stop_gradient` passes a value forward but no gradient back, which is exactly the cut.
# Put a loss on the last state only and look at how much gradient reaches each input $x_t$.

# %%
x12 = tf.constant(rng.normal(size=(1, 12, D)))    # one sequence of 12 steps

def gradient_per_step(cut_every=None):
    with tf.GradientTape() as tape:
        tape.watch(x12)
        h_t = tf.zeros((1, H), tf.float64)
        for t in range(12):
            if cut_every and t > 0 and t % cut_every == 0:
                h_t = tf.stop_gradient(h_t)       # value carried, gradient cut
            h_t = tf.tanh(x12[:, t] @ Wx + h_t @ Wh + b)
        loss = tf.reduce_sum(h_t)                 # a loss on the last state only
    return np.linalg.norm(tape.gradient(loss, x12).numpy()[0], axis=-1)

full = gradient_per_step()
truncated = gradient_per_step(cut_every=4)

# %%
fig, ax = plt.subplots(figsize=(8, 3.6))
steps = np.arange(len(full))
ax.bar(steps - 0.2, full, width=0.4, label="full BPTT")
ax.bar(steps + 0.2, truncated, width=0.4, label="truncated, chunks of 4")
for boundary in (4, 8):
    ax.axvline(boundary - 0.5, color="grey", linestyle=":")
ax.set(xlabel="step $t$", ylabel="$\\| dL/dx_t \\|$", title="Gradient reaching each input, loss on the last state")
ax.legend()
plt.show()

# %%
print("truncated, steps 0-7: ", truncated[:8])
print("full and truncated agree on the last chunk:", np.allclose(full[8:], truncated[8:]))

# %% [markdown]
# Inside the last chunk the two agree; before it, truncated BPTT gives exactly zero, although $x_0, \dots, x_7$ did change the state that chunk started from.
# With chunks at least as long as the sequence there is no cut, and truncated BPTT is full BPTT:

# %%
np.allclose(gradient_per_step(cut_every=12), full)

# %% [markdown]
# The price: no gradient ever says how a state more than $k$ steps back should have been different.
# The state still carries information across the boundaries, but the weights are never trained to store it for longer than about $k$ steps.
# In the assignment you train a character model with chunks of 25 characters and the state carried from chunk to chunk.
#
# ## 8. How far back does the gradient reach?
#
# In the figure above, the full-BPTT gradient shrinks the further the input is from the loss.
# By section 2, one step back multiplies the gradient by a Jacobian: $dL/dh_{t-1} = (dL/dh_t \odot (1 - h_t^2))\, W_{hh}^\top$.
# With a loss on the last state only,
#
# $$\frac{dL}{dh_k} = \frac{dL}{dh_{T-1}} \prod_{t = T-1}^{k+1} \mathrm{diag}(1 - h_t^2)\, W_{hh}^\top,$$
#
# a product of $T - 1 - k$ Jacobians, with the same $W_{hh}$ in every factor.
# Since $0 < 1 - h_t^2 \le 1$, each factor multiplies the norm by at most $\sigma_{max}$, the largest singular value of $W_{hh}$; when $\sigma_{max} < 1$ the gradient shrinks at least geometrically, $\lVert dL/dh_k \rVert \le \sigma_{max}^{T-1-k} \lVert dL/dh_{T-1} \rVert$.
# It is this repeated product, not depth as such, that makes gradients vanish or explode.
# Measure it with a tape over the list of states, for $W_{hh} = \sigma Q$, with $Q$ a random orthogonal matrix, so that every singular value is $\sigma$:

# %%
T_long, H_long = 40, 16
x_long = tf.constant(rng.normal(size=(1, T_long, D)))
Wx_long = tf.constant(rng.normal(scale=0.5, size=(D, H_long)))
Q, _ = np.linalg.qr(rng.normal(size=(H_long, H_long)))
g = rng.normal(size=(1, H_long))                   # dL/dh_{T-1}


def gradient_norms(Wh_long):
    """Entry j: the norm of dL/dh_{T-1-j}, for the loss L = sum(h_{T-1} * g)."""
    h_start = tf.zeros((1, H_long), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(h_start)
        long_states = tf_rnn(x_long, h_start, Wx_long, tf.constant(Wh_long), tf.zeros(H_long, tf.float64))
        loss = tf.reduce_sum(long_states[-1] * g)
    return np.array([np.linalg.norm(d) for d in tape.gradient(loss, long_states)][::-1])

norms = {sigma: gradient_norms(sigma * Q) for sigma in (0.5, 1.0, 3.0)}
distance = np.arange(T_long)
for sigma, values in norms.items():
    under_bound = np.all(values <= sigma ** distance * values[0] * (1 + 1e-12))
    print(f"sigma = {sigma}: |dL/dh_k| / |g| at most {values.max() / values[0]:.2g}, 39 steps back {values[-1] / values[0]:.1e}; "
          f"never above sigma**(T-1-k): {under_bound}")

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for sigma, values in norms.items():
    ax.semilogy(distance, values, marker=".", label=f"$\\sigma = {sigma}$")
ax.semilogy(distance, norms[0.5][0] * 0.5 ** distance, "k--", linewidth=1, label="bound $0.5^{T-1-k}$ for $\\sigma = 0.5$")
ax.set(xlabel="steps back from the loss, $T - 1 - k$", ylabel="$\\| dL/dh_k \\|$",
       title="The gradient reaching earlier states")
ax.legend()
plt.show()

# %% [markdown]
# With $\sigma = 0.5$ the norm stays under the bound and loses many orders of magnitude over 40 steps.
# With $\sigma = 1$ it still vanishes, because the factors $1 - h_t^2$ are below 1.
# With $\sigma = 3$ it can grow: the gradient explodes.
# A gradient that has vanished cannot teach the network to use what it saw 30 steps earlier, whether or not the sequence is truncated.
# Unit 06 measures this carefully, and shows the remedies: gradient clipping, careful initialisation, and gated cells such as the LSTM.
#
# ## Summary
#
# - BPTT is the chain rule on the unrolled network: the gradient of $h_t$ is its own loss's gradient plus what flows back from $h_{t+1}$, so it runs from $t = T-1$ down to $0$.
# - One step backward: $dz = dh \odot (1 - h^2)$, $dx = dz\, W_{xh}^\top$, $dh_{prev} = dz\, W_{hh}^\top$, $dW_{xh} = x^\top dz$, $dW_{hh} = h_{prev}^\top dz$, $db = \sum_n dz_n$.
# - The weights are shared, by the examples of a batch and by the time steps, so their gradients are sums of every example's and every step's contribution.
# - Check gradients with centred differences ($\varepsilon \approx 10^{-5}$ in float64, relative error far below $10^{-6}$) and with `tf.GradientTape`.
# - The gradient of the mean softmax cross-entropy is $(p - \text{one-hot}(y)) / (NT)$; compute log-probabilities stably.
# - BPTT takes time and memory linear in $T$: what the backward pass needs is kept for every step.
# - Truncated BPTT carries the state forward across chunks and cuts the gradient between them: memory $O(k)$, an update per chunk, no gradient beyond $k$ steps.
# - The gradient reaching step $k$ is multiplied by one Jacobian $\mathrm{diag}(1 - h_t^2) W_{hh}^\top$ per step: it tends to vanish, or explode.
#
# In the assignment you write these pieces as NumPy functions, check them, and train a character model from scratch.
#
# **Next, unit 04: the gym-workout example,** where a recurrent model's memory beats a calendar.
