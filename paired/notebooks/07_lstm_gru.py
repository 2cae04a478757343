# %% [markdown]
# # Unit 07: LSTM and GRU from the inside
#
# Unit 06 showed that a simple RNN forgets: the gradient that reaches an early step is a product of Jacobians, one per step, and it vanishes geometrically.
# It also showed that an LSTM and a GRU learn what a SimpleRNN cannot.
# This lecture opens the two gated cells and measures why: which path carries the gradient back in time, how large it stays in a trained network, and what the GRU keeps and drops of the LSTM's design.
#
# **What you will learn**
# - the two paths by which the gradient of an LSTM reaches the previous cell state, and why the one along the cell state is only multiplied by the forget gate;
# - how to read the forget gates off `tf.GradientTape`, and how the norm of $\partial c_{T-1} / \partial c_k$ of a trained LSTM compares with $\partial h_{T-1} / \partial h_k$ of a trained SimpleRNN;
# - the GRU as a two-gate variant of the LSTM, with Keras's conventions (`reset_after=True`, the update gate keeping the old state);
# - how many parameters each cell has, and what a SimpleRNN, a GRU and an LSTM of about the same size do on a memory task.
#
# **Prerequisites.** Unit 03 (backpropagation through one step), unit 06 (Jacobian norms, the LSTM step, the adding problem).
#
# This unit's assignment asks you to write a GRU step equal to Keras's, count the cells' parameters, and write the LSTM step's backward pass.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before TensorFlow because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
import keras
from rnncourse import gated, gradient_tasks

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Two paths back to $c_{t-1}$
#
# The LSTM step of unit 06, with Keras's weights and gate order i, f, c, o:
#
# $$[\,z_i \mid z_f \mid z_c \mid z_o\,] = x_t W_x + h_{t-1} W_h + b, \quad i_t = \sigma(z_i),\ f_t = \sigma(z_f),\ g_t = \tanh(z_c),\ o_t = \sigma(z_o),$$
# $$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).$$
#
# The gates read $x_t$ and $h_{t-1}$, never $c_{t-1}$.
# So, with $h_{t-1}$ held fixed, $c_t$ depends on $c_{t-1}$ only through the product $f_t \odot c_{t-1}$, and
#
# $$\frac{\partial c_t}{\partial c_{t-1}}\Big|_{h_{t-1}\ \text{fixed}} = \mathrm{diag}(f_t):$$
#
# no weight matrix, no derivative of a squashing function, just the forget gate, unit by unit.
# In the unrolled network $c_{t-1}$ also reaches $c_t$ a second way: through $h_{t-1} = o_{t-1} \odot \tanh(c_{t-1})$, which feeds all four gates of step $t$ through $W_h$.
# A backward step therefore adds two contributions: the one along the cell state, $dc_t \odot f_t$, and the one that comes back through $h_{t-1}$ (in the assignment you write the step that computes both).
#
# TensorFlow can show the first one.
# Ask the tape for the Jacobian of $c_t$ with respect to $c_{t-1}$ of one step of a Keras `LSTMCell`, $h_{t-1}$ held fixed: it is diagonal, and its diagonal is the forget gate.
# The same question for a SimpleRNN's $h_t$ gives a full matrix, $\mathrm{diag}(1 - h_t^2)\, W_{hh}^\top$.

# %%
keras.utils.set_random_seed(0)
H, D = 4, 3
lstm_cell, simple_cell = keras.layers.LSTMCell(H), keras.layers.SimpleRNNCell(H)
x_t = tf.constant(np.random.default_rng(0).normal(size=(1, D)), tf.float32)
h_prev = tf.constant(np.random.default_rng(1).normal(size=(1, H)), tf.float32)
c_prev = tf.constant(np.random.default_rng(2).normal(size=(1, H)), tf.float32)
with tf.GradientTape(persistent=True) as tape:
    tape.watch([c_prev, h_prev])
    _, (_, c_t) = lstm_cell(x_t, [h_prev, c_prev])
    h_simple, _ = simple_cell(x_t, [h_prev])
print("LSTM: dc_t / dc_{t-1}, h_{t-1} fixed (row i: unit i of c_t)\n", tape.jacobian(c_t, c_prev)[0, :, 0].numpy())
print("SimpleRNN: dh_t / dh_{t-1}\n", tape.jacobian(h_simple, h_prev)[0, :, 0].numpy())

# %% [markdown]
# The diagonal entries lie between 0 and 1, as a sigmoid's values do; Keras started this cell with a forget bias of 1, so with small inputs they sit near $\sigma(1) \approx 0.73$.
# Along the cell path alone, $k$ steps back multiply the gradient of unit $j$ by $f_{t,j} f_{t-1,j} \cdots f_{t-k+1,j}$: it fades only as fast as the forget gates let it, and not at all where they are 1.
# With forget gates of 0.73 that is still $0.73^{20} \approx 0.002$ after 20 steps; a network that must remember longer has to learn to open them further.
#
# ## 2. Three cells side by side
#
# Take unit 06's adding problem, here with sequences of $T = 50$ steps: two channels, values drawn from $[0, 1)$ and markers, 1 at one step in each half; the target is the sum of the two marked values.
# A model that remembers nothing predicts the mean, 1, and scores a mean squared error of $1/6$.
#
# Three models, each a recurrent layer and one linear output unit, all with Keras's default initialisation (the LSTM's forget bias 1, the GRU's biases 0), and about the same number of parameters:

# %%
T = 50
layers = {"SimpleRNN, 32 units": lambda: keras.layers.SimpleRNN(32),
          "GRU, 16 units": lambda: keras.layers.GRU(16),
          "LSTM, 16 units": lambda: keras.layers.LSTM(16)}


def build(kind, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(T, 2)), layers[kind](), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    return model


for kind in layers:
    print(f"{kind:20s} {build(kind).layers[0].count_params():5d} parameters in the recurrent layer")

# %% [markdown]
# The GRU has three blocks of weights where the LSTM has four, and the SimpleRNN one; with twice the units the SimpleRNN has about as many parameters as the gated cells.
# (Counting them yourself is Exercise 2 of the assignment.)
#
# The two gated models train with Adam (learning rate 0.02) on batches of 64 fresh sequences until their validation error, measured every 32 updates on 500 sequences, is below 0.01, or for at most 800 updates; the SimpleRNN then gets as many updates as the slower of them.
# This takes about 15 seconds on a laptop.

# %%
SEED = 0
models, curves = {}, {}
for kind in ("GRU, 16 units", "LSTM, 16 units"):
    models[kind] = build(kind, SEED)
    curves[kind] = [gradient_tasks.fit_adding(models[kind], T, max_steps=800, stop_below=0.01, seed=SEED)]
updates = max(int(runs[0][0][-1]) for runs in curves.values())
models["SimpleRNN, 32 units"] = build("SimpleRNN, 32 units", SEED)
curves["SimpleRNN, 32 units"] = [gradient_tasks.fit_adding(models["SimpleRNN, 32 units"], T, max_steps=updates, seed=SEED)]

# %%
gated.learning_curves(curves, baseline=gradient_tasks.BASELINE_MSE, title=f"The adding problem, T = {T}")
plt.show()
x_test, y_test = gradient_tasks.adding_problem(1000, T, seed=20_000)
for kind, model in models.items():
    print(f"{kind:20s} {int(curves[kind][0][0][-1]):4d} updates, MSE on 1000 fresh sequences: "
          f"{gradient_tasks.mse(model, x_test, y_test):.4f}")

# %% [markdown]
# We ran the same comparison with ten seeds (`SEED` = 0 to 9: the initial weights and the sequences).
# On every one of them the GRU got below 0.01 within 160 updates and the LSTM within 320 to 448, while the SimpleRNN, given as many updates as the LSTM, ended at the constant predictor's error (0.162 to 0.170 on fresh sequences).
# The parameter counts are about equal, so it is not size that makes the difference.
# What differs is the path the gradient takes back to the first marked value, 25 to 49 steps before the end.
#
# ## 3. Inside the trained cells: how much gradient reaches step $k$
#
# Section 1 of unit 06 measured $\lVert \partial h_{T-1} / \partial h_k \rVert_2$ with the tape, running $H$ copies of a sequence and sending $e_i$ back into copy $i$ to get row $i$ of every Jacobian.
# The next cell does the same for the trained cells, following $h$ for the SimpleRNN and the GRU, and the cell state $c$ for the LSTM, through **all** paths.
# For the LSTM it also records, at every step, the Jacobian of $c_t$ with respect to $c_{t-1}$ with $h_{t-1}$ fixed: by section 1 its diagonal is the forget gate $f_t$, read off the tape.
# The cell path alone then has Jacobian $\mathrm{diag}(f_{T-1} \odot \cdots \odot f_{k+1})$, whose spectral norm is its largest entry.

# %%
def state_jacobians(cell, xs, which=0):
    """Jacobians (T, H, H) of a Keras cell's last state with respect to each earlier one, through all paths, and
    the per-step diagonal of d state_t / d state_{t-1} with the other states held fixed (for an LSTM's c: f_t).

    which=0 follows the hidden state h; which=1 the LSTM's cell state c.
    """
    H = cell.units
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    states = [tf.zeros((H, size)) for size in sizes]
    tracked, one_step = [], []
    with tf.GradientTape() as tape:
        tape.watch(states)
        for x_t in xs:
            with tf.GradientTape() as step_tape:
                step_tape.watch(states[which])
                _, new = cell(np.repeat(x_t, H, axis=0), states)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            one_step.append(step_tape.gradient(new[which], states[which])[0].numpy())  # copy 0: sum over rows
            states = new
            tracked.append(states[which])
        last = tf.identity(tracked[-1])
    rows = tape.gradient(last, tracked, output_gradients=tf.eye(H))
    return np.stack([g.numpy() for g in rows]), np.array(one_step)


def spectral_norms(jacobians):
    return np.linalg.norm(jacobians, ord=2, axis=(1, 2))


x_seq, _ = gradient_tasks.adding_problem(1, T, seed=7)
xs = [x_seq[:, t] for t in range(T)]
cell_of = {kind: model.layers[0].cell for kind, model in models.items()}
jac_simple, _ = state_jacobians(cell_of["SimpleRNN, 32 units"], xs)
jac_gru, _ = state_jacobians(cell_of["GRU, 16 units"], xs)
jac_lstm_c, forget = state_jacobians(cell_of["LSTM, 16 units"], xs, which=1)
# The cell path alone: products of the forget gates of steps k+1 .. T-1, unit by unit; entry T-1 is the identity.
cell_path = np.array([np.prod(forget[k + 1:], axis=0).max() for k in range(T)])

# %% [markdown]
# A check before the figure: what the tape recorded must lie between 0 and 1, as the values of a sigmoid gate do.

# %%
print(f"forget gates read off the tape: between {forget.min():.3f} and {forget.max():.3f}, "
      f"mean {forget.mean():.3f} over {T} steps and 16 units")

# %%
norms = {"SimpleRNN: $\\|\\partial h_{T-1} / \\partial h_k\\|_2$": spectral_norms(jac_simple),
         "GRU: $\\|\\partial h_{T-1} / \\partial h_k\\|_2$": spectral_norms(jac_gru),
         "LSTM: $\\|\\partial c_{T-1} / \\partial c_k\\|_2$, all paths": spectral_norms(jac_lstm_c),
         "LSTM: the cell path alone, $\\max_j \\prod f_{t,j}$": cell_path}
gated.norms_by_distance(norms, title="Trained on the adding problem, one of its sequences",
                        ylabel="gradient reaching step $k$ (norm)")
plt.show()
for label, values in norms.items():
    print(f"{label:60s} 25 steps back: {values[T - 26]:.1e}   49 steps back: {values[0]:.1e}")

# %% [markdown]
# Read the figure from the right (the last step) to the left (49 steps back, the start of the sequence).
# The trained SimpleRNN's Jacobian norm falls by orders of magnitude: from the first marked value, 25 to 49 steps back, almost no gradient reaches the end, so nothing tells its weights to keep that value.
# The trained LSTM's $\lVert \partial c_{T-1} / \partial c_k \rVert_2$ stays of order 1 over the whole sequence, even a little above 1: the paths through $h$ and $W_h$ add to the cell path.
# The cell path alone, the product of the forget gates of the unit that forgets least, stays within an order of magnitude of 1: training pushed some forget gates close to 1, and through those units the gradient is carried back almost undamaged.
# The GRU's state behaves like the LSTM's cell state, for a reason section 4 shows.
# On the ten seeds, 49 steps back, the SimpleRNN's norm was at most $5 \cdot 10^{-4}$ (and as small as $10^{-9}$), the LSTM's between 1.4 and 4.3, its cell path alone between 0.13 and 0.77, and the GRU's between 0.22 and 0.84.
#
# ## 4. The GRU: two gates, one state
#
# Cho et al. (2014) proposed a lighter gated cell: it keeps a gated, additive update of the state, and has no separate cell state and no output gate.
# In Keras's convention (`reset_after=True`, the default; notation in `docs/notation.md`):
#
# $$u_t = \sigma(x_t W_{xu} + b_u + h_{t-1} W_{hu} + b'_u), \qquad r_t = \sigma(x_t W_{xr} + b_r + h_{t-1} W_{hr} + b'_r),$$
# $$\tilde h_t = \tanh\big(x_t W_{x\tilde h} + b_{\tilde h} + r_t \odot (h_{t-1} W_{h\tilde h} + b'_{\tilde h})\big), \qquad h_t = u_t \odot h_{t-1} + (1 - u_t) \odot \tilde h_t .$$
#
# Set it beside the LSTM's $c_t = f_t \odot c_{t-1} + i_t \odot g_t$:
#
# | LSTM | GRU |
# |---|---|
# | cell state $c_t$ and output $h_t = o_t \odot \tanh(c_t)$ | one state $h_t$, shown as it is (no output gate) |
# | forget gate $f_t$ and input gate $i_t$, independent | update gate $u_t$ plays $f_t$, and $1 - u_t$ plays $i_t$: keeping and writing are tied |
# | candidate $g_t$ from $h_{t-1}$ | candidate $\tilde h_t$ from $r_t \odot (h_{t-1} W_{h\tilde h} + b'_{\tilde h})$: the reset gate decides how much of the old state the candidate sees |
# | 4 blocks of weights, one bias | 3 blocks of weights, two biases (Keras, `reset_after=True`) |
#
# With $h_{t-1}$ held fixed in the gates, $\partial h_t / \partial h_{t-1}$ has the diagonal part $\mathrm{diag}(u_t)$, the GRU's version of $\mathrm{diag}(f_t)$, plus the terms through the candidate.
# Where $u_t$ is near 1 the state and its gradient pass through unchanged, which is what the trained GRU does in section 3.
#
# Keras's conventions are easy to get wrong, and they matter: Keras's `reset_after=False` (the original paper's form) multiplies $h_{t-1}$ by $r_t$ **before** the product with $W_{h\tilde h}$, and has a single bias.
# The same weights in both forms give different states, as the tape-free check below shows with Keras itself; your GRU step must compute the default one.

# %%
rng = np.random.default_rng(3)
x_try, h_try, Wx_try, Wh_try, b_try = gated.random_gru_inputs(rng, 2, 3, 4)
after = gated.gru_step(x_try, h_try, Wx_try, Wh_try, b_try)
before = gated.gru_step(x_try, h_try, Wx_try, Wh_try, b_try[0] + b_try[1], reset_after=False)
print("reset_after=True (Keras's default):\n", after)
print("reset_after=False, the two biases added into one:\n", before)
print("largest difference:", np.abs(after - before).max())

# %% [markdown]
# ## Summary
#
# - The LSTM's gates read $x_t$ and $h_{t-1}$, not $c_{t-1}$; so with $h_{t-1}$ fixed, $\partial c_t / \partial c_{t-1} = \mathrm{diag}(f_t)$. Backward, the gradient of $c_{t-1}$ is $f_t \odot dc_t$ plus what comes back through $h_{t-1}$; $dc_t$ itself is the sum of what the next cell state and $h_t$ send.
# - Measured in trained networks on the adding problem ($T = 50$), the LSTM's $\lVert \partial c_{T-1}/\partial c_k \rVert_2$ stays of order 1 across the sequence, and its cell path alone, carried by forget gates close to 1, still passes 0.13 to 0.77 of it 49 steps back, while the SimpleRNN's $\lVert \partial h_{T-1}/\partial h_k \rVert_2$ vanishes.
# - The GRU ties the LSTM's forget and input gates into one update gate ($u$ and $1-u$), drops the output gate and the separate cell state, and adds a reset gate on the candidate's recurrent term; Keras applies it after the matrix product (`reset_after=True`) and keeps the old state where $u$ is near 1.
# - With about the same number of parameters (a SimpleRNN of 32 units, a GRU and an LSTM of 16), on ten seeds out of ten the SimpleRNN stayed at the constant predictor's error on the adding problem at $T = 50$ while both gated cells solved it.
#
# In the assignment you write Keras's GRU step, count the three cells' parameters, and write the LSTM step's backward pass, whose $dc_{prev} = dc \odot f$ is the cell path measured here.
