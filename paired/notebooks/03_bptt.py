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
# **Prerequisites.** Unit 02 (the forward pass and its cache), the chain rule, NumPy's matrix product `@`.
#
# This unit's assignment asks you to write these pieces yourself and to train a small character model with them.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before TensorFlow because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import time
import tracemalloc
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
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
# Each step keeps a cache of what its backward pass will need.

# %%
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_forward(x, h0, Wx, Wh, b):
    h, cache, h_prev = [], [], h0
    for t in range(x.shape[1]):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h.append(h_prev)
        cache.append(step_cache)
    return np.stack(h, axis=1), cache


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

# %% [markdown]
# Sizes for the rest of the lecture; $D$, $H$ and $N$ differ, so a wrong transpose shows up as a shape error.

# %%
N, T, D, H = 3, 5, 4, 6
rng = np.random.default_rng(0)
x = rng.normal(size=(N, T, D))
h0 = rng.normal(size=(N, H))
Wx = rng.normal(scale=0.5, size=(D, H))
Wh = rng.normal(scale=0.5, size=(H, H))
b = rng.normal(scale=0.1, size=H)
h, cache = rnn_forward(x, h0, Wx, Wh, b)
h.shape


# %% [markdown]
# ## 2. One step backward
#
# Write one step as $z = x W_{xh} + h_{prev} W_{hh} + b$ and $h_{next} = \tanh(z)$.
# The backward pass receives $dh_{next} = \partial L / \partial h_{next}$, shape $(N, H)$, and returns the gradient of every input of the step.
#
# **Through the tanh.** Each entry of $h_{next}$ depends only on the same entry of $z$, and $\tanh'(z) = 1 - \tanh(z)^2$, so
#
# $$dz = dh_{next} \odot (1 - h_{next}^2),$$
#
# an elementwise product; this is why the cache keeps $h_{next}$.
#
# **Through the matrix products.** For $z = x W$, the entry $z_{nj} = \sum_i x_{ni} W_{ij}$, so $\partial L / \partial W_{ij} = \sum_n x_{ni}\, dz_{nj}$ and $\partial L / \partial x_{ni} = \sum_j dz_{nj} W_{ij}$:
#
# $$dW_{xh} = x^\top dz, \quad dx = dz\, W_{xh}^\top, \qquad dW_{hh} = h_{prev}^\top dz, \quad dh_{prev} = dz\, W_{hh}^\top.$$
#
# **Through the bias.** $b$ is added to every row of the batch, so its gradient sums $dz$ over the rows: $db = \sum_n dz_n$.
#
# Every gradient has the shape of what it is the gradient of, and there is only one way to multiply the pieces to get that shape: $x^\top dz$ is $(D, N)(N, H) = (D, H)$, the shape of $W_{xh}$.

# %%
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    dz = dh_next * (1 - h_next ** 2)            # (N, H)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


# %%
dh_next = rng.normal(size=(N, H))
step_grads = rnn_step_backward(dh_next, cache[0])
[g.shape for g in step_grads]   # dx (N, D), dh_prev (N, H), dWx (D, H), dWh (H, H), db (H,)

# %% [markdown]
# ### Checking with `tf.GradientTape`
#
# TensorFlow differentiates automatically, so it can check us.
# It needs a scalar loss whose gradient with respect to $h_{next}$ is our `dh_next`: the loss $L = \sum h_{next} \odot dh_{next}$ is such a loss, since $\partial L / \partial h_{next} = dh_{next}$.

# %%
inputs = [tf.constant(a) for a in (x[:, 0], h0, Wx, Wh, b)]   # float64, like NumPy
with tf.GradientTape() as tape:
    tape.watch(inputs)
    x0, h_prev, Wx_tf, Wh_tf, b_tf = inputs
    loss = tf.reduce_sum(tf.tanh(x0 @ Wx_tf + h_prev @ Wh_tf + b_tf) * dh_next)
tape_grads = tape.gradient(loss, inputs)
for name, ours, theirs in zip(["dx", "dh_prev", "dWx", "dWh", "db"], step_grads, tape_grads):
    print(f"{name:8s} largest difference {np.abs(ours - theirs.numpy()).max():.1e}")


# %% [markdown]
# The differences are at the level of float64 rounding, about $10^{-16}$.
#
# ## 3. Through time: the gradients of shared weights are sums
#
# Now a whole sequence.
# Let `dh[:, t]` be $\partial L_t / \partial h_t$, the upstream gradient of each state through its own loss only (here random numbers; in a model it comes from the output layer, section 5).
# Going backwards, step $t$ receives `dh[:, t]` plus the `dh_prev` that step $t+1$ passed back: the two routes of section 1.

# %%
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][2].shape[0]))
    dWx, dWh, db = 0, 0, 0
    dh_prev = np.zeros((N, H))                  # nothing comes back from step T
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_prev, dWx, dWh, db


# %% [markdown]
# Two things in this loop are claims about gradients; let us check both with TensorFlow.
#
# **Claim 1: what reaches step $t$ is the total gradient $dL/dh_t$, not just `dh[:, t]`.**
# A tape can give the gradient with respect to an intermediate tensor, such as the state $h_2$, through every route.

# %%
dh = rng.normal(size=(N, T, H))

def tf_rnn(x, h0, Wx, Wh, b):
    states, h_t = [], h0
    for t in range(x.shape[1]):
        h_t = tf.tanh(x[:, t] @ Wx + h_t @ Wh + b)
        states.append(h_t)
    return states

inputs = [tf.constant(a) for a in (x, h0, Wx, Wh, b)]
with tf.GradientTape() as tape:
    tape.watch(inputs)
    states = tf_rnn(*inputs)
    loss = tf.reduce_sum(tf.stack(states, axis=1) * dh)
total_dh2 = tape.gradient(loss, states[2]).numpy()   # dL/dh_2 through every route

# %%
dh_prev = np.zeros((N, H))
for t in (4, 3):                                      # steps 4 and 3 pass their gradient back
    dh_prev = rnn_step_backward(dh[:, t] + dh_prev, cache[t])[1]
print("dh[:, 2] alone:              ", np.abs(dh[:, 2] - total_dh2).max())
print("dh[:, 2] + dh_prev of step 3:", np.abs(dh[:, 2] + dh_prev - total_dh2).max())

# %% [markdown]
# **Claim 2: the gradient of a shared weight is the sum of what each step contributes.**
# Pretend every step had its own copy $W_{hh}^{(t)}$ of the recurrent weights, all with the same values.
# Then the network computes exactly the same numbers, and the multivariable chain rule says $dL/dW_{hh} = \sum_t \partial L / \partial W_{hh}^{(t)}$.
# TensorFlow can give us the gradient of each copy.

# %%
copies = [tf.constant(Wh) for _ in range(T)]           # one copy of W_hh per step
with tf.GradientTape() as tape:
    tape.watch(copies)
    h_t, states = tf.constant(h0), []
    for t in range(T):
        h_t = tf.tanh(x[:, t] @ Wx + h_t @ copies[t] + b)
        states.append(h_t)
    loss = tf.reduce_sum(tf.stack(states, axis=1) * dh)
per_copy = [g.numpy() for g in tape.gradient(loss, copies)]

# %% [markdown]
# Our loop adds `dWh_t` of each step; `rnn_backward` returns the sum.
# Each step's contribution is the gradient of that step's copy, and their sum is the gradient of the shared matrix.

# %%
dx_all, dh0_all, dWx_all, dWh_all, db_all = rnn_backward(dh, cache)
with tf.GradientTape() as tape:
    tape.watch(inputs)
    loss = tf.reduce_sum(tf.stack(tf_rnn(*inputs), axis=1) * dh)
shared_grads = [g.numpy() for g in tape.gradient(loss, inputs)]
print("sum of the copies' gradients vs shared W_hh's:", np.abs(sum(per_copy) - shared_grads[3]).max())
print("rnn_backward's dWh vs shared W_hh's:          ", np.abs(dWh_all - shared_grads[3]).max())
print("the last step's contribution alone:           ", np.abs(per_copy[-1] - shared_grads[3]).max())

# %% [markdown]
# Every step contributes, and no single step's contribution is the gradient.
# The same holds for $W_{xh}$ and $b_h$.

# %%
for name, ours, theirs in zip(["dx", "dh0", "dWx", "dWh", "db"], rnn_backward(dh, cache), shared_grads):
    print(f"{name:4s} largest difference from tf.GradientTape {np.abs(ours - theirs).max():.1e}")


# %% [markdown]
# ## 4. Checking a gradient numerically
#
# Without TensorFlow, a gradient can be checked with finite differences.
# For a function $f$ of an array $x$, change one entry $x_i$ by a small $\varepsilon$:
#
# $$\text{one-sided: } \frac{f(x + \varepsilon e_i) - f(x)}{\varepsilon}, \qquad \text{centred: } \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}.$$
#
# By Taylor's theorem the one-sided difference is off by about $\varepsilon f''/2$, the centred one by about $\varepsilon^2 f'''/6$.
# We compare arrays with the relative error $\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)$, which does not depend on the scale of the gradient.

# %%
def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def finite_differences(f, x, eps, centred=True):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps if centred else old
        down = f(x)
        x[i] = old                               # put the entry back
        grad[i] = (up - down) / (2 * eps if centred else eps)
    return grad


# %% [markdown]
# Check `rnn_backward`'s $dW_{hh}$ on the loss $L = \sum h \odot dh$:

# %%
loss_of_Wh = lambda W: np.sum(rnn_forward(x, h0, Wx, W, b)[0] * dh)
numeric = finite_differences(loss_of_Wh, Wh.copy(), eps=1e-5)
relative_error(dWh_all, numeric)

# %% [markdown]
# How small should $\varepsilon$ be?
# Too large and the Taylor error dominates; too small and $f(x + \varepsilon e_i) - f(x - \varepsilon e_i)$ loses digits to rounding, an error of about $10^{-16} |f| / \varepsilon$.
# Measure both differences for many $\varepsilon$:

# %%
epsilons = np.logspace(-12, -1, 23)
errors = {kind: [relative_error(dWh_all, finite_differences(loss_of_Wh, Wh.copy(), eps, kind == "centred"))
                 for eps in epsilons] for kind in ("one-sided", "centred")}

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for kind, marker in (("one-sided", "o"), ("centred", "s")):
    ax.loglog(epsilons, errors[kind], marker=marker, markersize=4, label=kind)
ax.axhline(1e-6, color="grey", linestyle="--", label="threshold used in the assignment, $10^{-6}$")
ax.set(xlabel="$\\varepsilon$", ylabel="relative error of $dW_{hh}$", title="Finite differences in float64")
ax.legend()
plt.show()

# %% [markdown]
# On the right, the Taylor error: the one-sided error falls like $\varepsilon$ (slope 1), the centred one like $\varepsilon^2$ (slope 2).
# On the left, rounding takes over and both errors grow as $\varepsilon$ shrinks.
# Centred differences with $\varepsilon \approx 10^{-5}$ reach a relative error around $10^{-10}$, so a correct gradient is far below $10^{-6}$.

# %%
best = {kind: min(errs) for kind, errs in errors.items()}
print(f"smallest error: one-sided {best['one-sided']:.1e}, centred {best['centred']:.1e}")

# %% [markdown]
# A wrong gradient is far above the threshold; for example the transpose of the right $dW_{hh}$, or one without the factor $1 - h^2$:

# %%
d, no_tanh_factor = np.zeros((N, H)), 0
for t in reversed(range(T)):                         # rnn_backward with dz = dh_next: the factor forgotten
    dz = dh[:, t] + d
    no_tanh_factor, d = no_tanh_factor + cache[t][1].T @ dz, dz @ Wh.T
print(f"transposed dWh:   {relative_error(dWh_all.T, numeric):.2f}")
print(f"without 1 - h**2: {relative_error(no_tanh_factor, numeric):.2f}")

# %% [markdown]
# In float32, the default of TensorFlow and Keras, rounding is about $10^{-7}$ instead of $10^{-16}$, and float32 gradients agree with float64 ones only to about that relative error:

# %%
inputs32 = [tf.constant(a, tf.float32) for a in (x, h0, Wx, Wh, b)]
with tf.GradientTape() as tape:
    tape.watch(inputs32)
    loss32 = tf.reduce_sum(tf.stack(tf_rnn(*inputs32), axis=1) * dh.astype("float32"))
print(f"float32 dWh against float64: relative error {relative_error(tape.gradient(loss32, inputs32)[3].numpy(), dWh_all):.1e}")

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

# %%
V = 5
scores = rng.normal(scale=2.0, size=(N, T, V))
y = rng.integers(0, V, size=(N, T))
shifted = scores - scores.max(axis=-1, keepdims=True)              # stable: see below
log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
n_idx, t_idx = np.indices((N, T))
loss = -log_p[n_idx, t_idx, y].mean()
dscores = np.exp(log_p)
dscores[n_idx, t_idx, y] -= 1
dscores /= N * T

# %%
s_tf = tf.constant(scores)
with tf.GradientTape() as tape:
    tape.watch(s_tf)
    tf_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=s_tf))
print("loss:", loss, float(tf_loss))
print("largest difference of dscores:", np.abs(dscores - tape.gradient(tf_loss, s_tf).numpy()).max())

# %% [markdown]
# Why subtract each row's maximum $m$?
# The log-probabilities do not change, $s_v - m - \log \sum_j e^{s_j - m} = s_v - \log \sum_j e^{s_j}$, but nothing overflows.
# And computing $\log p$ this way, rather than as the log of the softmax, never takes $\log 0$ when a probability underflows.

# %%
big = np.array([[1000.0, 0.0, -1000.0]])
with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
    naive = np.log(np.exp(big) / np.exp(big).sum(axis=-1, keepdims=True))
    via_softmax = np.log(np.exp(big - big.max()) / np.exp(big - big.max()).sum())
stable = (big - big.max()) - np.log(np.exp(big - big.max()).sum())
print("naive:        ", naive)
print("log(softmax): ", via_softmax)
print("stable:       ", stable)


# %% [markdown]
# The output layer links this loss to the recurrent part.
# $W_{hy}$ and $b_y$ act at every position, so their gradients are sums over the batch and over time, like those of $W_{hh}$.
# And `dscores @ W_hy.T`, of shape $(N, T, H)$, is exactly the `dh` of section 3: the upstream gradient of every $h_t$ through its own loss.
#
# ## 6. What BPTT costs
#
# **Time.** The backward pass visits the $T$ steps once, in reverse, with four matrix products per step against the forward's two: its time grows linearly with $T$, like the forward's.

# %%
def seconds(function, *args, repeat=3):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best

N_big, H_big = 32, 64
Wx_big, Wh_big = rng.normal(scale=0.1, size=(D, H_big)), rng.normal(scale=0.1, size=(H_big, H_big))
for T_big in (250, 500, 1000, 2000):
    x_big = rng.normal(size=(N_big, T_big, D))
    h_big, cache_big = rnn_forward(x_big, np.zeros((N_big, H_big)), Wx_big, Wh_big, np.zeros(H_big))
    backward_s = seconds(rnn_backward, np.ones_like(h_big), cache_big)
    forward_s = seconds(rnn_forward, x_big, np.zeros((N_big, H_big)), Wx_big, Wh_big, np.zeros(H_big))
    print(f"T = {T_big:4d}: forward {1000 * forward_s:5.1f} ms, backward {1000 * backward_s:5.1f} ms")

# %% [markdown]
# **Memory.** The backward pass of step $t$ needs $x_t$, $h_{t-1}$ and $h_t$, so the forward pass must keep them for every step until the backward pass is done.
# The weights are not copied: every step's cache holds references to the same arrays.

# %%
cache[0][3] is cache[4][3], cache[1][1] is cache[0][4]   # the same W_hh; h_prev of step 1 is h_next of step 0


# %% [markdown]
# So the cache costs one new state of $N \times H$ numbers per step: $8 N H T$ bytes in float64, linear in $T$.
# Measure it with `tracemalloc` (NumPy reports its arrays to it), against a forward pass that keeps only the current state, which is all that running the network, without training it, needs.

# %%
def forward_without_cache(x, h0, Wx, Wh, b):
    h_t = h0
    for t in range(x.shape[1]):
        h_t = np.tanh(x[:, t] @ Wx + h_t @ Wh + b)
    return h_t

def megabytes_kept(function, *args):
    tracemalloc.start()
    result = function(*args)           # keep the result alive while measuring
    kept = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return kept / 1e6

lengths = [250, 500, 1000, 2000]
kept = {"forward with cache (for BPTT)": [], "forward without cache": []}
for T_big in lengths:
    args = (rng.normal(size=(N_big, T_big, D)), np.zeros((N_big, H_big)), Wx_big, Wh_big, np.zeros(H_big))
    kept["forward with cache (for BPTT)"].append(megabytes_kept(lambda *a: rnn_forward(*a)[1], *args))
    kept["forward without cache"].append(megabytes_kept(forward_without_cache, *args))

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for label, values in kept.items():
    ax.plot(lengths, values, marker="o", label=label)
ax.plot(lengths, [8 * N_big * H_big * T_big / 1e6 for T_big in lengths], "k--", linewidth=1,
        label="$8 N H T$ bytes: one state per step")
ax.set(xlabel="sequence length $T$", ylabel="memory kept (MB)", title=f"Memory of the forward pass, N = {N_big}, H = {H_big}")
ax.legend()
plt.show()

# %% [markdown]
# The cache grows linearly with $T$, one state per step, while a forward pass without it needs constant memory.
# For long sequences, or large $N$ and $H$, that memory, and waiting for the whole sequence before a single update, is what truncated BPTT avoids.
#
# ## 7. Truncated BPTT
#
# Truncated BPTT cuts the sequence into chunks of $k$ steps:
# - **forward**, the state is carried: each chunk starts from the last state of the previous chunk, so the states are those of the full forward pass;
# - **backward**, the gradient is cut: it flows back inside a chunk but not into the previous chunk.
#
# The cache then holds at most $k$ steps, and the weights can be updated after every chunk.

# %%
bptt_plots.unrolled_graph(T=8, chunk=3, title="Truncated BPTT with chunks of 3 steps")
plt.show()

# %% [markdown]
# The forward half first: running the chunks one after the other, each from the previous chunk's last state, gives the same states as one full forward pass.

# %%
k = 2
state, chunked = h0, []
for start in range(0, T, k):
    h_chunk, _ = rnn_forward(x[:, start:start + k], state, Wx, Wh, b)
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
# The row form of one backward step, $dh_{prev} = (dh_{next} \odot (1 - h_t^2))\, W_{hh}^\top$, multiplies the gradient by one factor per step.
# With a loss on the last state only,
#
# $$\frac{dL}{dh_k} = \frac{dL}{dh_{T-1}} \prod_{t = T-1}^{k+1} \mathrm{diag}(1 - h_t^2)\, W_{hh}^\top,$$
#
# a product of $T - 1 - k$ Jacobians, with the same $W_{hh}$ in every factor.
# Since $0 < 1 - h_t^2 \le 1$, each factor multiplies the norm by at most $\sigma_{max}$, the largest singular value of $W_{hh}$; when $\sigma_{max} < 1$ the gradient shrinks at least geometrically, $\lVert dL/dh_k \rVert \le \sigma_{max}^{T-1-k} \lVert dL/dh_{T-1} \rVert$.
# It is this repeated product, not depth as such, that makes gradients vanish or explode.
# Measure it for $W_{hh} = \sigma Q$, with $Q$ a random orthogonal matrix, so that every singular value is $\sigma$:

# %%
T_long, H_long = 40, 16
x_long = rng.normal(size=(1, T_long, D))
Wx_long = rng.normal(scale=0.5, size=(D, H_long))
Q, _ = np.linalg.qr(rng.normal(size=(H_long, H_long)))
g = rng.normal(size=(1, H_long))                   # dL/dh_{T-1}

def gradient_norms(Wh_long):
    h_long, cache_long = rnn_forward(x_long, np.zeros((1, H_long)), Wx_long, Wh_long, np.zeros(H_long))
    d, norms = g, [np.linalg.norm(g)]
    for t in range(T_long - 1, 0, -1):             # dL/dh_{t-1} from dL/dh_t
        d = rnn_step_backward(d, cache_long[t])[1]
        norms.append(np.linalg.norm(d))
    return np.array(norms)                         # entry j: the norm of dL/dh_{T-1-j}

norms = {sigma: gradient_norms(sigma * Q) for sigma in (0.5, 1.0, 3.0)}

# %% [markdown]
# Check one of them against TensorFlow's gradient with respect to each intermediate state:

# %%
inputs = [tf.constant(a) for a in (x_long, np.zeros((1, H_long)), Wx_long, 0.5 * Q, np.zeros(H_long))]
with tf.GradientTape() as tape:
    tape.watch(inputs)
    states = tf_rnn(*inputs)
    loss = tf.reduce_sum(states[-1] * g)
tape_norms = [np.linalg.norm(d) for d in tape.gradient(loss, states)][::-1]
print("largest relative difference:", np.max(np.abs(np.array(tape_norms) - norms[0.5]) / norms[0.5]))

# %%
fig, ax = plt.subplots(figsize=(8, 4))
distance = np.arange(T_long)
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
# - The weights are shared, so their gradients are sums of every step's contribution.
# - Check gradients with centred differences ($\varepsilon \approx 10^{-5}$ in float64, relative error far below $10^{-6}$) and with `tf.GradientTape`.
# - The gradient of the mean softmax cross-entropy is $(p - \text{one-hot}(y)) / (NT)$; compute log-probabilities stably.
# - BPTT takes time and memory linear in $T$: the cache holds a state per step.
# - Truncated BPTT carries the state forward across chunks and cuts the gradient between them: memory $O(k)$, an update per chunk, no gradient beyond $k$ steps.
# - The gradient reaching step $k$ is multiplied by one Jacobian $\mathrm{diag}(1 - h_t^2) W_{hh}^\top$ per step: it tends to vanish, or explode.
#
# In the assignment you write these pieces as functions, check them, and train a character model from scratch.
#
# **Next, unit 04: the gym-workout example,** where a recurrent model's memory beats a calendar.
