# %% [markdown]
# # Unit 02: the hidden-state equation
#
# In unit 01 a dense network could not tell "not good" from "good": its output at one step does not depend on what it saw before.
# This lecture gives a network a memory: a hidden state that is carried from one time step to the next.
#
# **What you will learn**
# - the hidden-state equation in the row (batch) form that code uses, with the shape of every symbol;
# - the column-vector form found in the literature, and why both give the same numbers;
# - how to compute one step by hand, and how to unroll it over a sequence with the same weights at every step;
# - how `keras.layers.SimpleRNN` stores its weights, and how to reproduce its output exactly with NumPy;
# - why the number of parameters does not depend on the sequence length;
# - how the output layer turns a hidden state into probabilities with a numerically stable softmax.
#
# **Prerequisites.** Unit 01 (a dense network maps a fixed-size input to an output and has no memory), NumPy's matrix product `@` and broadcasting.
#
# This unit's assignment asks you to write the forward pass yourself; this lecture shows every piece it needs.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before Keras because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import keras
from rnncourse import plots

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The hidden-state equation
#
# A recurrent network reads a sequence one step at a time, $t = 0, 1, \dots, T-1$.
# At each step it combines the new input with its previous hidden state into a new hidden state, and reads an output off that state:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h), \qquad y_t = h_t W_{hy} + b_y.$$
#
# For a batch of $N$ sequences, with inputs of size $D$, $H$ hidden units and $V$ output scores, the symbols are:
#
# | symbol | shape | what it is |
# |---|---|---|
# | $x_t$ | $(N, D)$ | the inputs at step $t$, one row per example |
# | $h_t$ | $(N, H)$ | the hidden state after reading $x_t$ |
# | $W_{xh}$ | $(D, H)$ | input-to-hidden weights |
# | $W_{hh}$ | $(H, H)$ | hidden-to-hidden (recurrent) weights |
# | $b_h$ | $(H,)$ | hidden bias, added to every row |
# | $y_t$ | $(N, V)$ | output scores at step $t$ |
# | $W_{hy}$ | $(H, V)$ | hidden-to-output weights |
# | $b_y$ | $(V,)$ | output bias |
#
# The state before the first input, $h_{-1}$, is usually all zeros.
# A batch of sequences is stored batch-major, as in Keras: `x` has shape $(N, T, D)$ and `x[:, t]` is $x_t$.

# %% [markdown]
# Let us make up small sizes and random weights.
# $D$, $H$ and $V$ differ from each other and from $N$, so a mixed-up weight would show up as a shape error.

# %%
N, T, D, H, V = 4, 6, 3, 5, 2
rng = np.random.default_rng(0)
x = rng.normal(size=(N, T, D))
W_xh = rng.normal(scale=0.5, size=(D, H))
W_hh = rng.normal(scale=0.5, size=(H, H))
b_h = rng.normal(scale=0.1, size=H)
W_hy = rng.normal(scale=0.5, size=(H, V))
b_y = rng.normal(scale=0.1, size=V)

# %% [markdown]
# One step for the whole batch is one line: each matrix product handles all $N$ rows at once.

# %%
h_prev = np.zeros((N, H))                            # h_{-1}
h_t = np.tanh(x[:, 0] @ W_xh + h_prev @ W_hh + b_h)  # h_0, shape (N, H)
y_t = h_t @ W_hy + b_y                               # y_0, shape (N, V)
h_t.shape, y_t.shape

# %% [markdown]
# Check the shapes term by term: $(N, D)\,(D, H)$ and $(N, H)\,(H, H)$ both give $(N, H)$, and the bias of shape $(H,)$ is broadcast to every row.

# %%
(x[:, 0] @ W_xh).shape, (h_prev @ W_hh).shape, b_h.shape

# %% [markdown]
# ## 2. The column-vector form in the literature
#
# Papers and textbooks (Elman 1990, *Finding structure in time*; Goodfellow, Bengio and Courville, *Deep Learning*, chapter 10) usually write one example at a time, with column vectors:
#
# $$h_t = \tanh(W h_{t-1} + U x_t + b),$$
#
# with $x_t$ of shape $(D, 1)$, $h_t$ and $b$ of shape $(H, 1)$, $W$ of shape $(H, H)$ and $U$ of shape $(H, D)$.
# It is our equation transposed: since $(AB)^\top = B^\top A^\top$,
#
# $$\big(x_t W_{xh} + h_{t-1} W_{hh} + b_h\big)^\top = W_{hh}^\top h_{t-1}^\top + W_{xh}^\top x_t^\top + b_h^\top,$$
#
# so $W = W_{hh}^\top$, $U = W_{xh}^\top$, $b = b_h^\top$, and the literature's column $x_t$ is our row $x_t$ transposed.

# %% [markdown]
# Check it numerically for one example, from a random previous state (a zero state would hide a swapped $W$).

# %%
W, U, b = W_hh.T, W_xh.T, b_h[:, None]          # (H, H), (H, D), (H, 1)
h_before = rng.normal(size=(N, H))              # some previous state h_{t-1}
x_col, h_col = x[0, 0][:, None], h_before[0][:, None]  # example 0 as columns (D, 1), (H, 1)
column_form = np.tanh(W @ h_col + U @ x_col + b)        # (H, 1)
row_form = np.tanh(x[0, 0] @ W_xh + h_before[0] @ W_hh + b_h)  # (H,)
np.allclose(column_form[:, 0], row_form)

# %% [markdown]
# For a batch, the column form puts the $N$ examples side by side as columns.
# Every input must be transposed on the way in, and the result comes out as $(H, N)$.

# %%
batch_columns = np.tanh(W @ h_before.T + U @ x[:, 0].T + b)     # (H, N): one column per example
batch_rows = np.tanh(x[:, 0] @ W_xh + h_before @ W_hh + b_h)    # (N, H): one row per example
batch_columns.shape, batch_rows.shape, np.allclose(batch_columns.T, batch_rows)

# %% [markdown]
# Same numbers, so why does the code use the row form?
# - A batch is stored as a stack of rows: `x[:, t]` has shape $(N, D)$, so $x_t W_{xh}$ handles all $N$ examples in one matrix product, with no transposes.
# - The bias of shape $(H,)$ broadcasts over the rows as it is.
# - Keras stores its weights that way round: a `SimpleRNN`'s `kernel` has shape $(D, H)$, so it is $W_{xh}$, not $U$ (section 5).
#
# When you read a paper, translate with $W = W_{hh}^\top$ and $U = W_{xh}^\top$.

# %% [markdown]
# ## 3. One step by hand
#
# Now tiny numbers, $D = H = 2$ and one example (a batch of one row), so you can follow every number with a pencil.

# %%
x_0 = np.array([[1.0, 2.0]])                # (1, D)
h_init = np.array([[0.5, -1.0]])            # h_{-1}, (1, H)
Wx = np.array([[0.5, -1.0], [0.25, 0.5]])   # W_xh, (D, H)
Wh = np.array([[1.0, 0.5], [0.5, -0.5]])    # W_hh, (H, H)
bh = np.array([0.1, -0.25])                 # b_h, (H,)

# %%
input_term = x_0 @ Wx           # [1*0.5 + 2*0.25,  1*(-1) + 2*0.5]
recurrent_term = h_init @ Wh    # [0.5*1 + (-1)*0.5,  0.5*0.5 + (-1)*(-0.5)]
pre_activation = input_term + recurrent_term + bh
h_0 = np.tanh(pre_activation)
print("x_0 W_xh        =", input_term)
print("h_-1 W_hh       =", recurrent_term)
print("sum + b_h       =", pre_activation)
print("h_0 = tanh(sum) =", h_0)

# %% [markdown]
# For the first hidden unit: $1 \cdot 0.5 + 2 \cdot 0.25 + 0.5 \cdot 1 + (-1) \cdot 0.5 + 0.1 = 1.1$, and $\tanh(1.1) \approx 0.8005$.
#
# The next step takes a new input and $h_0$ in place of $h_{-1}$, with **the same** weights.

# %%
x_1 = np.array([[0.0, -1.0]])
h_1 = np.tanh(x_1 @ Wx + h_0 @ Wh + bh)
h_1

# %% [markdown]
# ## 4. Unrolling over a sequence
#
# Writing the step out once per time step gives the *unrolled* network:
#
# $$h_0 = \tanh(x_0 W_{xh} + h_{-1} W_{hh} + b_h), \quad h_1 = \tanh(x_1 W_{xh} + h_0 W_{hh} + b_h), \quad \dots, \quad h_{T-1} = \tanh(x_{T-1} W_{xh} + h_{T-2} W_{hh} + b_h).$$
#
# It looks like a deep network with $T$ layers, but every layer uses the same $W_{xh}$, $W_{hh}$ and $b_h$: this is **parameter sharing**.
# In code, unrolling is a loop over $t$ that carries the state forward.
# `h[:, t]` is the state after reading `x[:, t]`; the starting state $h_{-1}$ is not stored.

# %%
h_prev = np.zeros((N, H))                                   # h_{-1}
states = []
for t in range(T):
    h_prev = np.tanh(x[:, t] @ W_xh + h_prev @ W_hh + b_h)  # same weights at every t
    states.append(h_prev)
h = np.stack(states, axis=1)                                # (N, T, H)
h.shape

# %% [markdown]
# The outputs use the same $W_{hy}$ and $b_y$ at every step too.
# Since `@` works on the last axis, one product computes all $N \cdot T$ outputs at once.

# %%
y = h @ W_hy + b_y                                  # (N, T, V)
y.shape, np.allclose(y[:, 2], h[:, 2] @ W_hy + b_y)

# %% [markdown]
# ### Watching the state move
#
# To watch the state, take a two-unit RNN ($H = 2$) that reads one number per step ($D = 1$), with weights chosen by hand.
# This $W_{hh}$ turns the state by about $35°$ and shrinks it by a factor $0.86$ at every step.
# The bias is zero, so a zero input on a zero state stays at zero.

# %%
Wx_2 = np.array([[1.2, 0.6]])                 # W_xh, (1, 2)
Wh_2 = np.array([[0.7, -0.5], [0.5, 0.7]])    # W_hh, (2, 2)
b_2 = np.zeros(2)                             # b_h, (2,)
print(f"turn {np.degrees(np.arctan2(0.5, 0.7)):.1f} degrees, scale {np.hypot(0.7, 0.5):.2f}")

# %% [markdown]
# First a pulse: a sequence of 20 zeros with a single 1 at $t = 2$.

# %%
pulse = np.zeros((1, 20, 1))                  # (N, T, D) = (1, 20, 1)
pulse[0, 2, 0] = 1.0
h_prev, states = np.zeros((1, 2)), []
for t in range(pulse.shape[1]):
    h_prev = np.tanh(pulse[:, t] @ Wx_2 + h_prev @ Wh_2 + b_2)
    states.append(h_prev)
h_pulse = np.stack(states, axis=1)            # (1, 20, 2)

# %%
ax = plots.hidden_state_over_time(h_pulse, title="A single input at t = 2 echoes in the state")
ax.set_xticks(range(0, 20, 2))
plt.show()

# %% [markdown]
# After $t = 2$ the input is zero again, yet the state is not: it keeps a fading, oscillating trace of the pulse.

# %%
print("input at t = 5:", pulse[0, 5], "  state at t = 5:", h_pulse[0, 5])

# %% [markdown]
# Now the real test of memory.
# Three sequences end with the same two inputs, $0.5$ and $0.5$, after three different histories.

# %%
histories = {"history +1 +1 +1 +1": [1, 1, 1, 1],
             "history -1 -1 -1 -1": [-1, -1, -1, -1],
             "history 0 0 0 0": [0, 0, 0, 0]}
x_hist = np.array([past + [0.5, 0.5] for past in histories.values()])[:, :, None]  # (3, 6, 1)
h_prev, states = np.zeros((3, 2)), []
for t in range(x_hist.shape[1]):
    h_prev = np.tanh(x_hist[:, t] @ Wx_2 + h_prev @ Wh_2 + b_2)
    states.append(h_prev)
h_hist = np.stack(states, axis=1)             # (3, 6, 2)

# %% [markdown]
# Each curve is one sequence: it starts at the circle (the state after the first input) and ends at the arrow head.

# %%
plots.hidden_state_trajectories(h_hist, labels=list(histories),
                                title="Same last two inputs, different histories")
plt.show()

# %% [markdown]
# The last inputs are the same, the final states are not: the state remembers the history.

# %%
print("last two inputs:\n", x_hist[:, -2:, 0])
print("final states h_5:\n", h_hist[:, -1])

# %% [markdown]
# The memory lives in the term $h_{t-1} W_{hh}$.
# With $W_{hh} = 0$ each step sees only its own input, like unit 01's dense network, and the three sequences end in the same state.

# %%
h_prev = np.zeros((3, 2))
for t in range(x_hist.shape[1]):
    h_prev = np.tanh(x_hist[:, t] @ Wx_2 + h_prev @ np.zeros((2, 2)) + b_2)
print(h_prev)
np.allclose(h_prev, h_prev[0])

# %% [markdown]
# ## 5. Keras's `SimpleRNN`
#
# `keras.layers.SimpleRNN(H)` computes exactly this equation, with $\tanh$ by default, starting from a zero state.
# With `return_sequences=True` it returns every state, shape $(N, T, H)$.
# Its output is the hidden state itself; the scores $y_t$ come from a separate `Dense` layer (section 6).

# %%
keras.utils.set_random_seed(0)
rnn = keras.layers.SimpleRNN(H, return_sequences=True)
x32 = x.astype("float32")                     # Keras computes in float32
h_keras = np.asarray(rnn(x32))                # the first call creates the weights
h_keras.shape

# %% [markdown]
# `get_weights()` returns the weights in this order; the shapes say which is which.

# %%
kernel, recurrent_kernel, bias = rnn.get_weights()
kernel.shape, recurrent_kernel.shape, bias.shape   # W_xh (D, H), W_hh (H, H), b_h (H,)

# %% [markdown]
# Keras starts the bias at zero, and a zero bias would hide a mistake in how we add it.
# So give it random values first; `set_weights` takes the arrays in the same order.

# %%
bias = rng.normal(size=H).astype("float32")
rnn.set_weights([kernel, recurrent_kernel, bias])
h_keras = np.asarray(rnn(x32))

# %% [markdown]
# Now the loop from section 4 with Keras's weights: `kernel` is $W_{xh}$, `recurrent_kernel` is $W_{hh}$, `bias` is $b_h$.

# %%
h_prev, states = np.zeros((N, H), dtype="float32"), []
for t in range(T):
    h_prev = np.tanh(x32[:, t] @ kernel + h_prev @ recurrent_kernel + bias)
    states.append(h_prev)
h_numpy = np.stack(states, axis=1)
print("allclose:", np.allclose(h_numpy, h_keras, rtol=1e-5, atol=1e-6))
print(f"largest difference: {np.abs(h_numpy - h_keras).max():.1e}")

# %% [markdown]
# The two agree up to float32 rounding (differences of the order of $10^{-7}$), which is why we compare with `np.allclose` and not `==`.
#
# With `return_sequences=False`, the default, the layer returns only the last state, shape $(N, H)$: what a model needs when it makes one prediction per sequence.

# %%
last_only = keras.layers.SimpleRNN(H)         # return_sequences=False
last_only.build((None, None, D))
last_only.set_weights([kernel, recurrent_kernel, bias])
h_last = np.asarray(last_only(x32))
h_last.shape, np.allclose(h_last, h_keras[:, -1])

# %% [markdown]
# ## 6. Counting parameters
#
# The recurrent layer holds $W_{xh}$, $W_{hh}$ and $b_h$; the output layer holds $W_{hy}$ and $b_y$:
#
# $$\underbrace{DH + H^2 + H}_{\text{SimpleRNN}} + \underbrace{HV + V}_{\text{Dense}}.$$
#
# There is no $T$ in it: unrolling copies the computation, not the weights.
# Check it with Keras on a model that reads 5 steps and one that reads 500.

# %%
D_c, H_c, V_c = 5, 16, 5
rnn_formula = D_c * H_c + H_c * H_c + H_c + H_c * V_c + V_c
for T_c in (5, 500):
    model = keras.Sequential([keras.Input((T_c, D_c)),
                              keras.layers.SimpleRNN(H_c, return_sequences=True),
                              keras.layers.Dense(V_c)])
    print(f"T = {T_c:3d}: Keras counts {model.count_params()}, the formula gives {rnn_formula}")

# %% [markdown]
# Because no weight depends on $T$, one model reads sequences of any length: give the time axis the size `None`.

# %%
any_length = keras.Sequential([keras.Input((None, D_c)),
                               keras.layers.SimpleRNN(H_c, return_sequences=True),
                               keras.layers.Dense(V_c)])
print("parameters:", any_length.count_params())
print("output shapes:", [tuple(any_length(np.zeros((1, T_c, D_c))).shape) for T_c in (7, 70)])

# %% [markdown]
# Compare a dense network that reads all $T$ inputs concatenated into one vector of $T D$ numbers and predicts all $T V$ scores at once, with the same $H$ hidden units:
#
# $$(TD)H + H + H(TV) + TV.$$
#
# Its size grows linearly with $T$, and its input size fixes $T$.

# %%
for T_c in (5, 500):
    dense = keras.Sequential([keras.Input((T_c * D_c,)),
                              keras.layers.Dense(H_c, activation="tanh"),
                              keras.layers.Dense(T_c * V_c)])
    dense_formula = T_c * D_c * H_c + H_c + H_c * T_c * V_c + T_c * V_c
    print(f"T = {T_c:3d}: dense {dense.count_params():6d} (formula {dense_formula}), RNN {rnn_formula}")

# %% [markdown]
# ## 7. The output layer and softmax
#
# The output layer gives $V$ scores per step, $y_t = h_t W_{hy} + b_y$.
# To read them as probabilities of $V$ classes, the softmax is applied to each row $y$ of scores (the last axis):
#
# $$\mathrm{softmax}(y)_i = \frac{e^{y_i}}{\sum_j e^{y_j}}.$$
#
# Every entry is positive and every row sums to 1.

# %%
scores = y[:, -1]                              # (N, V): the scores at the last step
probs = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
print(probs)
print(probs.sum(axis=-1))

# %% [markdown]
# Computed as written, it breaks on large scores.
# The largest float64 is about $1.8 \times 10^{308}$, so $e^{1000}$ overflows to `inf`, and `inf / inf` is `nan`.
# Very negative scores fail too: $e^{-1000}$ underflows to 0, and $0 / 0$ is `nan`.

# %%
z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
with np.errstate(over="ignore", invalid="ignore"):  # we want to see the result, not the warning
    print(np.exp(z))
    print(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))

# %% [markdown]
# The fix rests on one identity: for any constant $m$,
#
# $$\frac{e^{y_i - m}}{\sum_j e^{y_j - m}} = \frac{e^{-m}\, e^{y_i}}{e^{-m} \sum_j e^{y_j}} = \frac{e^{y_i}}{\sum_j e^{y_j}},$$
#
# so $\mathrm{softmax}(y) = \mathrm{softmax}(y - m)$ because the factor $e^{-m}$ cancels.
# Take $m$ to be each row's maximum: the largest exponential is then $e^0 = 1$, nothing overflows, and the denominator is at least 1.

# %%
shifted = z - z.max(axis=-1, keepdims=True)   # each row minus its own maximum
stable = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
stable

# %% [markdown]
# Check it: the rows are $(0, 1, 2)$ and $(0, -1, -2)$ plus a constant, so they must give the same probabilities as those small scores, and the same as Keras.

# %%
small = np.array([[0.0, 1.0, 2.0], [0.0, -1.0, -2.0]])
from_small = np.exp(small) / np.exp(small).sum(axis=-1, keepdims=True)
np.allclose(stable, from_small), np.allclose(stable, np.asarray(keras.ops.softmax(z)))

# %% [markdown]
# The maximum must be each row's own.
# Subtract the maximum of the whole array, 1002, and the second row becomes $e^{-2002}, e^{-2003}, e^{-2004}$, which all underflow to 0.

# %%
shifted_once = z - z.max()                    # one maximum for the whole array: wrong
with np.errstate(invalid="ignore"):
    print(np.exp(shifted_once) / np.exp(shifted_once).sum(axis=-1, keepdims=True))

# %% [markdown]
# ## Summary
#
# - One step: $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$ and $y_t = h_t W_{hy} + b_y$, with one row per example: $x_t$ is $(N, D)$, $h_t$ is $(N, H)$, $W_{xh}$ is $(D, H)$, $W_{hh}$ is $(H, H)$.
# - The literature's $h_t = \tanh(W h_{t-1} + U x_t + b)$ is the same equation transposed: $W = W_{hh}^\top$, $U = W_{xh}^\top$.
# - Unrolling is a loop over $t$ with the same weights at every step; the state carries the past, so the same inputs after different histories end in different states.
# - `keras.layers.SimpleRNN` stores `kernel` $= W_{xh}$, `recurrent_kernel` $= W_{hh}$, `bias` $= b_h$, and a NumPy loop with them reproduces its output.
# - The parameter count $DH + H^2 + H + HV + V$ does not depend on $T$.
# - A stable softmax subtracts each row's maximum before exponentiating.
#
# In the assignment you write these pieces as functions and check them against Keras.
#
# **Next, unit 03: backpropagation through time.**
# To train an RNN we need the gradient of a loss with respect to $W_{xh}$, $W_{hh}$ and $b_h$.
# Because the same weights are used at every step, the gradient is a sum over all the steps of the unrolled network.
