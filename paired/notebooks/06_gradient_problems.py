# %% [markdown]
# # Unit 06: gradient problems, measured and fixed
#
# At the end of unit 03 the gradient that reached earlier states of an RNN shrank, or grew, step by step.
# This lecture measures that effect exactly, says when it must happen, and reproduces on a laptop what the research papers found:
# a simple RNN fails to learn a dependency 100 steps long that an LSTM learns in a few hundred updates, gradients that explode ruin training unless they are clipped, and gated cells (the LSTM and the GRU) carry the gradient across long distances.
#
# **What you will learn**
# - why the gradient that reaches step $k$ from step $T-1$ is a product of $T-1-k$ Jacobians, one per step;
# - when its norm is exactly $\rho^{T-1-k}$, with $\rho$ the spectral radius of the recurrent matrix (the largest absolute value of its eigenvalues): for a linear RNN whose recurrent matrix is normal, such as $\rho$ times an orthogonal matrix; and how far from it a non-normal matrix can be;
# - the condition of Pascanu, Mikolov and Bengio (2013): when the gradient must vanish, and when it can explode;
# - how exploding gradients wreck training, and how clipping by global norm rescues it, with a threshold $\tau$ chosen from the gradient norms you observe;
# - where each remedy named in the literature fits: clipping, truncated BPTT, identity initialisation with ReLU, input reversal, the LSTM and the GRU;
# - why the LSTM's cell state carries the gradient, and how much that matters on the adding problem.
#
# **Prerequisites.** Unit 02 (the forward pass), unit 03 (backpropagation through time), the singular values of a matrix.
#
# This unit's assignment asks you to compute the Jacobian norms, write both kinds of clipping and an LSTM step yourself.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before TensorFlow because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
import keras
from rnncourse import gradient_tasks, gradient_plots

np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# ## 1. The gradient is a product of Jacobians
#
# The RNN of units 02 and 03 computes, for $t = 0, \dots, T-1$,
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h).$$
#
# How much does the last state $h_{T-1}$ depend on an earlier state $h_k$?
# The code multiplies rows, but Jacobians are easier to read for column vectors.
# The entry $(i, j)$ of the Jacobian of one step is $\partial h_{t,i} / \partial h_{t-1,j} = (1 - h_{t,i}^2)\,(W_{hh})_{j,i}$, so
#
# $$J_t = \frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(1 - h_t^2)\, W_{hh}^\top,$$
#
# and by the chain rule
#
# $$\frac{\partial h_{T-1}}{\partial h_k} = J_{T-1} J_{T-2} \cdots J_{k+1},$$
#
# a product of $T-1-k$ matrices, the latest step on the left (for $k = T-1$ it is the identity).
# It is the same product as in unit 03: one backward step there was $dh_{t-1} = (dh_t \odot (1 - h_t^2))\, W_{hh}^\top = dh_t\, J_t$.
# A loss $\mathcal{L}$ computed from the last state sends back $\partial \mathcal{L} / \partial h_k = (\partial \mathcal{L} / \partial h_{T-1})\, \partial h_{T-1} / \partial h_k$, so the spectral norm $\lVert \partial h_{T-1} / \partial h_k \rVert_2$ bounds how much gradient reaches step $k$.
# The **spectral norm** $\lVert A \rVert_2$ of a matrix is its largest singular value $\sigma_{max}(A)$: the largest factor by which $A$ can stretch a vector, $\lVert A \rVert_2 = \max_{v \ne 0} \lVert A v \rVert / \lVert v \rVert$.
#
# The cause of vanishing and exploding gradients in an RNN is this repeated multiplication by the Jacobians of the time steps, all built from the same $W_{hh}$.
# The network need not be deep in layers: one recurrent layer run for 100 steps multiplies 100 Jacobians.
#
# TensorFlow can compute these Jacobians for us.
# A tape gives the gradient of a scalar, $\sum_i u_i\, h_{T-1,i}$ for an upstream gradient $u$ (`output_gradients`), with respect to every state at once; with $u$ the $i$-th unit vector that is row $i$ of every $\partial h_{T-1} / \partial h_k$.
# Instead of asking $H$ times, run $H$ copies of the sequence as a batch and send the unit vector $e_i$ back into copy $i$: the copies do not interact, so copy $i$ of the result is row $i$ of the Jacobian.

# %%
def jacobians(step, h_start, xs):
    """Run h_t = step(x_t, h_{t-1}) over the inputs xs (T, 1, D) from h_start (1, H) in TensorFlow.

    Returns jac of shape (T, H, H): jac[k] is the Jacobian dh_{T-1}/dh_k, from tf.GradientTape.
    """
    H = h_start.shape[1]
    with tf.GradientTape() as tape:
        h = tf.constant(np.repeat(h_start, H, axis=0))   # H copies of the sequence, as a batch
        tape.watch(h)
        states = []
        for x_t in xs:
            h = step(np.repeat(x_t, H, axis=0), h)
            states.append(h)
        last = tf.identity(h)   # a copy, so that the tape also differentiates h_{T-1} with respect to itself
    rows = tape.gradient(last, states, output_gradients=tf.eye(H, dtype=last.dtype))  # copy i gets e_i
    return np.stack([g.numpy() for g in rows])


def spectral_norms(jac):
    """The spectral norm (largest singular value) of each matrix jac[k]."""
    return np.linalg.norm(jac, ord=2, axis=(1, 2))


# %% [markdown]
# ## 2. A linear RNN: exactly $\rho^{T-1-k}$, when $W_{hh}$ is normal
#
# The **spectral radius** $\rho(A)$ of a square matrix is the largest absolute value of its eigenvalues.
# It is never larger than the spectral norm, $\rho(A) \le \lVert A \rVert_2$, and the two are equal when $A$ is **normal**, $A A^\top = A^\top A$ (symmetric and orthogonal matrices and their multiples are normal).
#
# Take a linear RNN, $h_t = x_t W_{xh} + h_{t-1} W_{hh}$, whose recurrent matrix is $W_{hh} = \rho Q$ with $Q$ orthogonal ($Q^\top Q = I$, all singular values 1, all eigenvalues of absolute value 1), so that $\rho$ is its spectral radius.
# Every Jacobian is $W_{hh}^\top = \rho Q^\top$, the product of $T-1-k$ of them is $\rho^{T-1-k} (Q^\top)^{T-1-k}$, and a product of orthogonal matrices is orthogonal, so
#
# $$\left\lVert \frac{\partial h_{T-1}}{\partial h_k} \right\rVert_2 = \rho^{T-1-k}$$
#
# exactly: it **vanishes** geometrically for $\rho < 1$ and **explodes** geometrically for $\rho > 1$.
# The same holds for any normal $W_{hh}$ (its powers are normal too, so $\lVert W_{hh}^n \rVert_2 = \rho(W_{hh}^n) = \rho^n$), but not in general for a non-normal one: section 2b shows how far off it can be.
# Check it with TensorFlow over 60 steps:

# %%
rng = np.random.default_rng(0)
T, D, H = 60, 4, 16
Q, _ = np.linalg.qr(rng.normal(size=(H, H)))            # a random orthogonal matrix
xs = rng.normal(size=(T, 1, D))                          # one sequence, fed one step at a time
Wx = rng.normal(scale=0.5, size=(D, H))
h_start = np.zeros((1, H))
distance = np.arange(T)[::-1]                            # T-1-k for k = 0..T-1
linear, with_tanh = {}, {}
for rho in (0.9, 1.0, 1.1):
    linear[rho] = spectral_norms(jacobians(lambda x, h: x @ Wx + h @ (rho * Q), h_start, xs))
    with_tanh[rho] = spectral_norms(jacobians(lambda x, h: tf.tanh(x @ Wx + h @ (rho * Q)), h_start, xs))
    print(f"rho = {rho}: largest relative difference from rho**(T-1-k): {np.max(np.abs(linear[rho] / rho ** distance - 1)):.1e}")

# %% [markdown]
# Float64 rounding, nothing more.
# Now the same weights with tanh.
# Each factor $\mathrm{diag}(1 - h_t^2)$ has entries between 0 and 1, so $\lVert J_t \rVert_2 \le \lVert W_{hh} \rVert_2 = \rho$ (this $W_{hh}$ is normal), and the norm of the product is at most $\rho^{T-1-k}$: with tanh it can only be smaller.

# %%
print("tanh never above rho**(T-1-k):", all(np.all(with_tanh[rho] <= rho ** distance * (1 + 1e-9)) for rho in with_tanh))
gradient_plots.norms_by_distance({f"tanh, $\\rho = {rho}$": norms for rho, norms in with_tanh.items()},
                                 references={f"linear, $\\rho = {rho}$: $\\rho^{{T-1-k}}$": norms for rho, norms in linear.items()},
                                 paired=True, title="Linear RNN (dashed) and tanh RNN (dots), $W_{hh} = \\rho Q$")
plt.show()

# %% [markdown]
# The dashed lines are straight on the log scale: $0.9^{59} \approx 0.002$, $1^{59} = 1$, $1.1^{59} \approx 277$.
# With tanh, the gradient vanishes even for $\rho = 1.1$: these inputs push the states towards $\pm 1$, where $1 - h_t^2$ is small.
# From 59 steps away, less than $10^{-8}$ of the gradient arrives: whatever the loss says about $h_0$ is drowned by what it says about the recent states, and a weight update cannot learn to use an input that far back.
#
# ### 2b. A non-normal matrix: far from $\rho^{T-1-k}$
#
# The argument above used $Q^\top Q = I$.
# For a matrix that is not normal, the spectral radius only says how fast the powers shrink (or grow) *in the end*; over tens of steps $\lVert W^n \rVert_2$ can be orders of magnitude larger than $\rho^n$ (transient growth).
# The smallest example is a triangular $2 \times 2$ matrix, whose eigenvalues are its diagonal entries:
#
# $$W = \begin{pmatrix} 0.5 & 3 \\ 0 & 0.5 \end{pmatrix}, \qquad \rho(W) = 0.5, \qquad W^n = \begin{pmatrix} 0.5^n & 3n \cdot 0.5^{n-1} \\ 0 & 0.5^n \end{pmatrix}.$$
#
# The off-diagonal entry grows like $n$ before the $0.5^{n-1}$ wins:

# %%
W_small = np.array([[0.5, 3.0], [0.0, 0.5]])
print(f"spectral radius {np.max(np.abs(np.linalg.eigvals(W_small))):.2f}, spectral norm {np.linalg.norm(W_small, 2):.2f}")
for n in (1, 2, 4, 8, 16, 32):
    print(f"n = {n:2d}: rho**n = {0.5 ** n:.2e}   ||W**n||_2 = {np.linalg.norm(np.linalg.matrix_power(W_small, n), 2):.2e}")

# %% [markdown]
# Now a linear RNN with $H = 16$ whose $W_{hh}$ has spectral radius $0.9$, as the dashed $\rho = 0.9$ line above, but is not normal: $W_{hh} = Q (E + 0.5 S) Q^\top$ with $E$ diagonal (the eigenvalues, from 0.9 down to 0.5), $S$ the matrix with ones just above the diagonal and $Q$ the orthogonal matrix of before.
# Its eigenvalues are those of the triangular matrix $E + 0.5 S$, its diagonal; only its eigenvectors are no longer orthogonal.
# TensorFlow measures the Jacobian norms as in section 1:

# %%
W_non_normal = Q @ (np.diag(np.linspace(0.9, 0.5, H)) + 0.5 * np.eye(H, k=1)) @ Q.T
print(f"spectral radius {np.max(np.abs(np.linalg.eigvals(W_non_normal))):.3f}, spectral norm {np.linalg.norm(W_non_normal, 2):.3f}, "
      f"W W^T - W^T W has norm {np.linalg.norm(W_non_normal @ W_non_normal.T - W_non_normal.T @ W_non_normal, 2):.2f} (0 if normal)")
non_normal_norms = spectral_norms(jacobians(lambda x, h: x @ Wx + h @ W_non_normal, h_start, xs))
print(f"59 steps back: {non_normal_norms[0]:.3g}, while rho**59 = {0.9 ** 59:.3g}")
gradient_plots.norms_by_distance({"linear RNN, non-normal $W_{hh}$, $\\rho = 0.9$": non_normal_norms,
                                  "linear RNN, $W_{hh} = 0.9 Q$": linear[0.9]},
                                 references={"$\\rho^{T-1-k} = 0.9^{T-1-k}$": 0.9 ** distance,
                                             f"$\\|W_{{hh}}\\|_2^{{T-1-k}} = {np.linalg.norm(W_non_normal, 2):.2f}^{{T-1-k}}$":
                                                 np.linalg.norm(W_non_normal, 2) ** distance},
                                 title="Same spectral radius, different norms")
plt.show()

# %% [markdown]
# Both matrices have spectral radius 0.9, and for the orthogonal one the gradient from 59 steps back is $0.9^{59} \approx 0.002$; for the non-normal one it is about 2000, six orders of magnitude more, and near its largest.
# It lies between the two dashed lines: never above $\lVert W_{hh} \rVert_2^{T-1-k}$ (the norm of a product is at most the product of the norms), and only in the long run does it fall like $\rho^{T-1-k}$.
# A trained recurrent matrix is in general not normal, so its spectral radius alone does not tell whether the gradient vanishes over a few dozen steps; the condition of the next section uses the spectral norm instead.
#
# ## 3. When it must vanish, and when it can explode
#
# Pascanu, Mikolov and Bengio (2013) turned this into a condition.
# Write the step as $h_t = \phi(z_t)$ with $z_t = x_t W_{xh} + h_{t-1} W_{hh} + b_h$, and let $\gamma$ bound the derivative: $|\phi'| \le \gamma$, so $\gamma = 1$ for tanh and $\gamma = 1/4$ for the sigmoid.
# Then $\lVert J_t \rVert_2 \le \gamma\, \sigma_{max}$, with $\sigma_{max} = \lVert W_{hh} \rVert_2$ the largest singular value of $W_{hh}$ (its spectral norm, not its spectral radius: section 2b), and
#
# $$\left\lVert \frac{\partial h_{T-1}}{\partial h_k} \right\rVert_2 \le (\gamma\, \sigma_{max})^{T-1-k}.$$
#
# - If $\sigma_{max} < 1/\gamma$, the gradient **must** vanish, at least geometrically: a sufficient condition.
# - So a gradient can only explode if $\sigma_{max} > 1/\gamma$: a necessary condition, not a sufficient one (saturated units have tiny derivatives).
#
# For the sigmoid the threshold is $\sigma_{max} = 4$, not 1.
# Check both sides with the sigmoid and with tanh:

# %%
cases = {"sigmoid, $\\sigma_{max} = 3.5 < 4$": (tf.sigmoid, 3.5), "tanh, $\\sigma_{max} = 0.9 < 1$": (tf.tanh, 0.9),
         "sigmoid, $\\sigma_{max} = 10 > 4$": (tf.sigmoid, 10.0), "tanh, $\\sigma_{max} = 3 > 1$": (tf.tanh, 3.0)}
measured, bounds = {}, {}
for label, (phi, sigma) in cases.items():
    measured[label] = spectral_norms(jacobians(lambda x, h: phi(x @ Wx + h @ (sigma * Q)), h_start, xs))
    gamma = 0.25 if phi is tf.sigmoid else 1.0
    if gamma * sigma < 1:
        bounds[f"bound $(\\gamma \\sigma_{{max}})^{{T-1-k}}$ = ${gamma * sigma:g}^{{T-1-k}}$"] = (gamma * sigma) ** distance
    print(f"{label:40s} 59 steps back: {measured[label][0]:.2e}")
gradient_plots.norms_by_distance(measured, references=bounds, paired=True,  # each bound in the colour of its curve
                                 title="The condition of Pascanu, Mikolov and Bengio (2013)")
plt.show()

# %% [markdown]
# Below the threshold both curves stay under their dashed bounds and vanish.
# Above it the gradient can grow: with $\sigma_{max} = 3$ the tanh RNN's grows to about $10^4$; with $\sigma_{max} = 10$ the sigmoid RNN's grows to about $10^2$ within ten steps, and then saturated units (tiny $\sigma'$) pull it back down.
# Not every network above the threshold explodes; only networks above it can.
#
# ## 4. ReLU and identity initialisation
#
# A ReLU, $\phi(z) = \max(0, z)$, has derivative 1 for the units that are active and 0 for the others, so $J_t = \mathrm{diag}(\text{active}_t)\, W_{hh}^\top$.
# Le, Jaitly and Hinton (2015) start from $W_{hh} = I$: for the units that stay active, every Jacobian is the identity and the gradient reaches every step undiminished, like the linear RNN with $\rho = 1$.
# That initialisation sits on a knife's edge.
# With positive inputs all units stay active, and a gain $\alpha$ in $W_{hh} = \alpha I$ gives exactly $\alpha^{T-1-k}$:

# %%
positive_xs, positive_Wx = np.abs(xs), 0.1 * np.abs(Wx)
relu_norms = {f"ReLU, $W_{{hh}} = {gain} I$": spectral_norms(jacobians(lambda x, h: tf.nn.relu(x @ positive_Wx + h @ (gain * np.eye(H))), h_start, positive_xs))
              for gain in (0.9, 1.0, 1.1)}
gradient_plots.norms_by_distance(relu_norms, title="ReLU RNN started from $\\alpha I$")
plt.show()

# %% [markdown]
# Exactly $0.9^{T-1-k}$, $1$ and $1.1^{T-1-k}$.
# With the gain at 1 nothing vanishes, which is why identity initialisation with ReLU lets a plain RNN learn longer dependencies than a tanh RNN.
# But the edge is narrow: training moves $W_{hh}$, and a recurrent matrix slightly above the identity makes the gradients explode.
# Le et al. therefore train with gradient clipping, the next remedy.
#
# ## 5. Exploding gradients, and clipping
#
# `gradient_tasks.train_relu_rnn` trains a ReLU RNN of 32 units started from $W_{hh} = 1.1 I$ with plain gradient descent (learning rate 0.002, batches of 64) on sequences of 50 numbers drawn from $[-1, 1]$; the target is their sum divided by $\sqrt{50/3}$, so that predicting 0 scores a mean squared error of 1.
# Every input counts, the first as much as the last, so the network must pass information across all 50 steps.
# Without clipping:

# %%
losses, norms = gradient_tasks.train_relu_rnn(clip=None, seed=0)
print("losses:", losses)
print("global norms of the gradients:", norms)

# %% [markdown]
# The first gradient has a norm of about $7 \cdot 10^4$: 50 Jacobians of norm up to 1.1 multiply it by up to $1.1^{49} \approx 107$, and the states grow by the same factors.
# One update of size $0.002 \times 7 \cdot 10^4 \approx 130$ throws the weights so far that the next loss overflows.
# That is an exploding gradient: not a slow drift but a single catastrophic step.
#
# **Clipping** bounds the step.
# There are two ways ($g$ is the list of all gradient arrays, $\tau$ the threshold):
# - **by value**: replace every entry by $\min(\max(g, -\tau), \tau)$ (`tf.clip_by_value`);
# - **by global norm** (Pascanu et al., 2013): compute $\lVert g \rVert = \sqrt{\sum g^2}$ over **all** the arrays together and multiply every array by $\tau / \max(\lVert g \rVert, \tau)$ (`tf.clip_by_global_norm`). Below the threshold nothing changes; above it the gradient keeps its direction and gets length $\tau$.
#
# Clipping by value changes the direction.
# Compare the two on the first gradient of this network, with the cosine of the angle between the clipped and the original gradient:

# %%
x0, y0 = gradient_tasks.running_sum(64, 50, seed=0)
loss0, grads0, norm0 = gradient_tasks.relu_rnn_loss_and_gradients(gradient_tasks.relu_rnn(gain=1.1, seed=0), x0, y0)
flat = lambda arrays: np.concatenate([np.ravel(a) for a in arrays])
by_value = [g.numpy() for g in (tf.clip_by_value(g, -1.0, 1.0) for g in grads0)]
by_norm, _ = tf.clip_by_global_norm(grads0, 10.0)
for name, clipped in (("by value at 1", by_value), ("by global norm at 10", [g.numpy() for g in by_norm])):
    cosine = flat(clipped) @ flat(grads0) / (np.linalg.norm(flat(clipped)) * np.linalg.norm(flat(grads0)))
    print(f"clipped {name:21s}: norm {np.linalg.norm(flat(clipped)):8.2f}, cosine with the gradient {cosine:.3f}")


# %% [markdown]
# Clipping by value turned the update by a large angle: almost every entry was larger than 1 in size and became exactly $\pm 1$ (the clipped norm is close to $\sqrt{1121}$, for the 1121 weights of this network), so what is left is mostly the signs. Clipping by global norm keeps the direction exactly.
# Train again, clipping by global norm at 10:

# %%
def clip_at(threshold):
    return lambda grads: [g.numpy() for g in tf.clip_by_global_norm(grads, threshold)[0]]

runs = {"no clipping": (losses, norms), "global norm clipped at 10": gradient_tasks.train_relu_rnn(clip=clip_at(10.0), seed=0)}
gradient_plots.clipping_runs(runs, threshold=10.0)
plt.show()
clipped_losses, clipped_norms = runs["global norm clipped at 10"]
print(f"with clipping: loss {clipped_losses[0]:.1f} -> {clipped_losses[-50:].mean():.3f} (mean of the last 50 updates)")

# %% [markdown]
# The loss falls from hundreds to about 0.2, well below the 1 of predicting 0, and stays finite.
# The right panel shows what happened: the first updates had norms of $10^3$ to $10^5$ and were cut to 10; as the network brought its recurrent weights below the explosive regime, the norms settled around a few tens.
#
# ### Choosing the threshold
#
# With plain gradient descent, as here, the threshold $\tau$ and the learning rate $\eta$ together bound the step: the update is $-\eta g$, so a clipped update moves the weights by exactly $\eta \tau$ and no update moves them further.
# That holds for plain gradient descent only.
# Momentum adds up earlier updates, so its steps can grow beyond $\eta \tau$; Adam divides every entry by a running estimate of its own size, so its step hardly depends on $\tau$ at all (its very first step moves every weight by about $\eta$).
# Apply the same clipped gradient three times with each optimizer, learning rate 0.002, and measure how far the weights move:

# %%
clipped0 = [g.numpy() for g in tf.clip_by_global_norm(grads0, 10.0)[0]]
print(f"clipped gradient: global norm {np.linalg.norm(flat(clipped0)):.2f}; learning rate times threshold: {0.002 * 10.0:.3f}")
for name, optimizer in (("SGD", keras.optimizers.SGD(0.002)), ("SGD, momentum 0.9", keras.optimizers.SGD(0.002, momentum=0.9)),
                        ("Adam", keras.optimizers.Adam(0.002))):
    variables = [tf.Variable(w) for w in gradient_tasks.relu_rnn(gain=1.1, seed=0)]
    moves = []
    for _ in range(3):
        before = flat([v.numpy() for v in variables])
        optimizer.apply_gradients(zip([tf.constant(g) for g in clipped0], variables))
        moves.append(np.linalg.norm(flat([v.numpy() for v in variables]) - before))
    print(f"{name:18s} moves the weights by " + ", ".join(f"{m:.3f}" for m in moves))

# %% [markdown]
# Plain gradient descent moves the weights by exactly $\eta \tau = 0.02$ every time.
# With momentum the clipped gradients add up, and the steps grow past $\eta \tau$.
# Adam moves them by about $\eta \sqrt{1121} \approx 0.067$ (every one of the 1121 weights by about $\eta$), whatever the threshold: dividing by the running size of each entry cancels the scale that clipping set.
#
# Pascanu et al. suggest a threshold of about the average norm over many updates: large enough to leave ordinary updates (nearly) alone, small enough to cut the explosions down to an ordinary size.
# Read it off the norms of a run that survived, once the first explosive updates are over:

# %%
settled = clipped_norms[50:]
print(f"norms after the first 50 updates: median {np.median(settled):.1f}, 10th to 90th percentile "
      f"{np.percentile(settled, 10):.1f} to {np.percentile(settled, 90):.1f}; first update {clipped_norms[0]:.3g}")

# %% [markdown]
# So a threshold of about 10 to 30.
# Does the choice matter much?
# Train with thresholds spread over five orders of magnitude (this takes a few seconds):

# %%
thresholds = [0.1, 3.0, 30.0, 1e4]
final = {10.0: clipped_losses[-50:].mean()}
for threshold in thresholds:
    run_losses, _ = gradient_tasks.train_relu_rnn(clip=clip_at(threshold), seed=0)
    final[threshold] = run_losses[-50:].mean() if np.all(np.isfinite(run_losses)) else np.inf
for threshold in sorted(final):
    print(f"threshold {threshold:8g}: mean loss over the last 50 updates {final[threshold]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(8, 3.6))
shown = {c: v for c, v in final.items() if np.isfinite(v)}
ax.semilogx(list(sorted(shown)), [shown[c] for c in sorted(shown)], "o-", label="mean loss, last 50 updates")
for c in final:
    if not np.isfinite(final[c]):
        ax.plot(c, 2.0, "rx", markersize=10, mew=2, label=f"threshold {c:g}: loss not finite")
ax.axhline(1.0, color="grey", linestyle=":", label="predicting 0")
ax.axvspan(np.percentile(settled, 10), np.percentile(settled, 90), color="tab:green", alpha=0.2,
           label="10th to 90th percentile of the settled norms")
ax.set(xlabel="clipping threshold $\\tau$", ylabel="loss", title="Loss after 300 updates, by threshold", ylim=(0, 2.3))
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
plt.show()

# %% [markdown]
# Thresholds from 3 to 30, from somewhat below the typical norm up to it, all train this network.
# Far below it, every update is cut to a tiny step $\eta \tau$ and training is slow: after 300 updates the loss at a threshold of 0.1 is still well above theirs.
# Far above it, the first updates pass unclipped and the loss overflows, as without clipping.
# In practice: log the global norm (`clip_by_global_norm` returns it for free), look at its typical size once training is under way, and set the threshold near it.
#
# ## 6. Truncated BPTT
#
# Unit 03 introduced truncated BPTT to bound the cost of long sequences: the state is carried from chunk to chunk, but the gradient is stopped at the chunk boundaries.
# That also bounds the length of every product of Jacobians to the chunk length $m$, and with it how far a gradient can grow.
# Measure the global norm of the first gradient of the exploding ReLU RNN, truncated at different chunk lengths:

# %%
weights = [tf.constant(w) for w in gradient_tasks.relu_rnn(gain=1.1, seed=0)]
x0_tf, y0_tf = tf.constant(x0), tf.constant(y0)

def first_gradient_norm(chunk):
    with tf.GradientTape() as tape:
        tape.watch(weights)
        Wx_r, Wh_r, b_r, Wy_r, by_r = weights
        h = tf.zeros((64, 32))
        for t in range(50):
            if t > 0 and t % chunk == 0:
                h = tf.stop_gradient(h)       # the value is carried, the gradient is cut
            h = tf.nn.relu(x0_tf[:, t] @ Wx_r + h @ Wh_r + b_r)
        loss = tf.reduce_mean((h @ Wy_r + by_r - y0_tf) ** 2)
    return float(tf.linalg.global_norm(tape.gradient(loss, weights)))

for chunk in (5, 10, 25, 50):
    print(f"chunks of {chunk:2d} steps: global norm of the first gradient {first_gradient_norm(chunk):10.1f}")

# %% [markdown]
# Shorter chunks, smaller gradients; chunks of 50 are full BPTT.
# Truncation is a remedy for cost and a partial guard against explosion; it does nothing against vanishing, because it throws away exactly the long-range part of the gradient: a dependency longer than $m$ steps gets no gradient at all.
# The states themselves still grow by factors up to $1.1^{49}$ (the forward pass is not truncated), so truncation alone would not rescue this network; clipping did.
#
# ## 7. Input reversal
#
# Sutskever, Vinyals and Le (2014) trained an encoder-decoder LSTM to translate: the encoder reads the source sentence, then the decoder writes the target sentence (unit 05 builds one).
# They found that feeding the source sentence **reversed** improved translation markedly.
# Count the steps between reading source word $j$ and writing target word $j$, for a sentence of $S$ words whose words roughly align in order:

# %%
S = 10
j = np.arange(S)
forward = (S - 1 - j) + 1 + j            # read at step j; the decoder writes word j at step S + j
reversed_ = j + 1 + j                    # read at step S-1-j
print("forward :", forward, "mean", forward.mean())
print("reversed:", reversed_, "mean", reversed_.mean())


# %% [markdown]
# The mean distance is unchanged, but reversal makes the first words of the sentence very close to their translations.
# Since the gradient that crosses $d$ steps shrinks roughly geometrically in $d$ (sections 2 and 3), a few short dependencies give strong gradients that get training started; the early words are then translated well, and the rest of the sentence follows from them.
# Reversal fits tasks whose input and output are aligned in order.
# It does nothing for the adding problem below: the target is a sum, and reversing the sequence only swaps which marked value is far from the end.
#
# ## 8. The LSTM: an additive path through time
#
# Hochreiter and Schmidhuber (1997) designed the LSTM against vanishing gradients.
# Besides $h_t$, the cell carries a cell state $c_t$.
# With Keras's weights ($W_x$ of shape $(D, 4H)$, $W_h$ of shape $(H, 4H)$, $b$ of shape $(4H,)$, blocks in the order **i, f, c, o**):
#
# $$[\,z_i \mid z_f \mid z_c \mid z_o\,] = x_t W_x + h_{t-1} W_h + b,$$
# $$i_t = \sigma(z_i), \quad f_t = \sigma(z_f), \quad g_t = \tanh(z_c), \quad o_t = \sigma(z_o),$$
# $$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).$$
#
# The cell state is updated by **adding** the new candidate $i_t \odot g_t$ to a gated copy of the old one.
# Holding the gates fixed, $\partial c_t / \partial c_{t-1} = \mathrm{diag}(f_t)$, and along this path $k$ steps multiply the gradient entrywise by $f_t \odot f_{t-1} \odot \cdots$: no multiplication by $W_h$, no derivative of a squashing function.
# With forget gates near 1 the gradient is carried across many steps (the "constant error carousel"; the original LSTM had no forget gate at all, $f = 1$, which Gers, Schmidhuber and Cummins added in 2000).
# The gates themselves depend on $h_{t-1} = o_{t-1} \odot \tanh(c_{t-1})$, which adds paths through $W_h$; those can vanish as in a simple RNN, but the direct path does not need them.
#
# The forget gate must start near 1 for this to help from the beginning.
# Keras initialises the forget gate's bias to 1 (`unit_forget_bias=True`), so $f \approx \sigma(1) \approx 0.73$: the cell keeps about 73 % per step, a memory of a few steps.
# The "chrono" initialisation of Tallec and Ollivier (2018) sets the forget biases to $\log u$ with $u$ drawn from $[1, T-1]$ (and the input biases to $-\log u$), so that $f = u / (1 + u)$: the cell leaks a fraction $1/(1+u)$ per step, and the time scales span about 2 to $T$ steps (`gradient_tasks.long_memory_bias`).
# Measure $\lVert \partial c_{T-1} / \partial c_k \rVert_2$ at initialisation, through all the paths, for both, against $\lVert \partial h_{T-1} / \partial h_k \rVert_2$ of a Keras `SimpleRNN` cell:

# %%
def cell_jacobians(cell, xs, which=0):
    """Jacobians (T, H, H) of the last state of a Keras RNN cell with respect to each earlier one.

    which=0 follows the hidden state h; which=1 the LSTM's cell state c. H copies, as in section 1.
    """
    H = cell.units
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    with tf.GradientTape() as tape:
        state = [tf.zeros((H, size)) for size in sizes]
        tape.watch(state)
        tracked = []
        for x_t in xs:
            _, state = cell(np.repeat(x_t, H, axis=0), state)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            tracked.append(state[which])
        last = tf.identity(tracked[-1])
    rows = tape.gradient(last, tracked, output_gradients=tf.eye(H))
    return np.stack([g.numpy() for g in rows])


def new_cell(kind, units=16, seed=0, T=100):
    keras.utils.set_random_seed(seed)
    if kind == "simple":
        cell = keras.layers.SimpleRNNCell(units)
    elif kind == "lstm, Keras default":
        cell = keras.layers.LSTMCell(units)
    else:
        cell = keras.layers.LSTMCell(units, unit_forget_bias=False,
                                     bias_initializer=keras.initializers.Constant(gradient_tasks.long_memory_bias(units, T)))
    cell.build((None, 2))
    return cell


# %%
x_seq, _ = gradient_tasks.adding_problem(1, 100, seed=0)
xs_adding = [x_seq[:, t] for t in range(100)]
at_init = {
    "SimpleRNN: $h$": spectral_norms(cell_jacobians(new_cell("simple"), xs_adding)),
    "LSTM, Keras's forget bias 1: $c$": spectral_norms(cell_jacobians(new_cell("lstm, Keras default"), xs_adding, which=1)),
    "LSTM, chrono forget biases: $c$": spectral_norms(cell_jacobians(new_cell("lstm, chrono"), xs_adding, which=1)),
}
gradient_plots.norms_by_distance(at_init, references={"$\\sigma(1)^{T-1-k} = 0.73^{T-1-k}$": 1 / (1 + np.exp(-1.0)) ** np.arange(99, -1, -1)},
                                 title="At initialisation, on a sequence of the adding problem",
                                 ylabel="$\\| \\partial s_{T-1} / \\partial s_k \\|_2$, $s = h$ or $c$")
plt.ylim(1e-15, 10)
plt.show()
for label, norms in at_init.items():
    print(f"{label:36s} average factor per step over 99 steps: {norms[0] ** (1 / 99):.3f}")

# %% [markdown]
# With Keras's default the cell path vanishes geometrically too, here even faster than the SimpleRNN's state: the forget gates start near $\sigma(1) \approx 0.73$, some a little higher (the bias 1 plus small input and recurrent terms), and the largest of them set the slope, a factor of about 0.84 per step, flatter than the dashed $0.73^{T-1-k}$ but still $10^{-7}$ over 99 steps.
# With chrono forget biases, the units with a long time scale carry the gradient across the whole sequence from the first update on.
# Section 10 shows what that buys.
#
# ## 9. The GRU
#
# Cho et al. (2014) proposed a lighter gated cell with no separate cell state.
# In Keras's convention,
#
# $$u_t = \sigma(x_t W_{xu} + h_{t-1} W_{hu} + b_u), \quad r_t = \sigma(x_t W_{xr} + h_{t-1} W_{hr} + b_r), \quad \tilde h_t = \tanh(x_t W_{x\tilde h} + r_t \odot (h_{t-1} W_{h\tilde h} + b'_{\tilde h}) + b_{\tilde h}),$$
# $$h_t = u_t \odot h_{t-1} + (1 - u_t) \odot \tilde h_t ,$$
#
# with $u_t$ the update gate (Keras and Cho et al. call it $z$; this course keeps $z_t$ for the pre-activation) and $r_t$ the reset gate.
# The new state is a gated mix of the old state and a candidate, so again one path has Jacobian $\mathrm{diag}(u_t)$ (holding the gates fixed): with the update gate $u_t$ near 1, the state, and its gradient, pass through unchanged.
# Keras starts the GRU with zero biases, $u \approx 0.5$, a short memory; the gate has to learn to open.
#
# ## 10. The adding problem
#
# Hochreiter and Schmidhuber (1997) made up the adding problem to test long memories.
# Each sequence has two channels: values drawn from $[0, 1)$, and markers, 1 at exactly two steps and 0 elsewhere, one in each half of the sequence.
# The target is the sum of the two marked values.

# %%
T = 100
x_example, y_example = gradient_tasks.adding_problem(1, T, seed=3)
fig, ax = plt.subplots(figsize=(9, 2.8))
ax.bar(np.arange(T), x_example[0, :, 0], color="lightgrey", label="values")
marked = np.flatnonzero(x_example[0, :, 1])
ax.bar(marked, x_example[0, marked, 0], color="tab:red", label="marked values")
ax.set(xlabel="step t", ylabel="value", title=f"One sequence: target {x_example[0, marked, 0][0]:.3f} + {x_example[0, marked, 0][1]:.3f} = {y_example[0, 0]:.3f}")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()

# %% [markdown]
# A model that remembers nothing can only predict the mean of the target, 1.
# Its mean squared error is the variance of a sum of two independent $U(0, 1)$ values, $2 \cdot \frac{1}{12} = \frac{1}{6}$; remembering only the second marked value, at most 50 steps back, would leave the variance of the first, $\frac{1}{12}$.

# %%
x_many, y_many = gradient_tasks.adding_problem(50_000, T, seed=1)
print(f"always predicting 1: MSE {np.mean((1 - y_many) ** 2):.4f}; 1/6 = {1 / 6:.4f}")


# %% [markdown]
# Three models with 16 recurrent units and one linear output unit, trained the same way: Adam with learning rate 0.02, batches of 64 fresh sequences of length 100, the validation error measured every 32 updates.
# The gated models stop once their validation error is below 0.02; the SimpleRNN gets as many updates as the slower of the two.
# This takes about half a minute.

# %%
def build(kind, units=16, seed=0):
    keras.utils.set_random_seed(seed)
    recurrent = {"SimpleRNN": lambda: keras.layers.SimpleRNN(units),
                 "LSTM (chrono forget biases)": lambda: keras.layers.LSTM(
                     units, unit_forget_bias=False,
                     bias_initializer=keras.initializers.Constant(gradient_tasks.long_memory_bias(units, T))),
                 "GRU": lambda: keras.layers.GRU(units)}[kind]()
    model = keras.Sequential([keras.Input(shape=(T, 2)), recurrent, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    return model

models, curves = {}, {}
for kind in ("LSTM (chrono forget biases)", "GRU"):
    models[kind] = build(kind)
    curves[kind] = gradient_tasks.fit_adding(models[kind], T, max_steps=640, stop_below=0.02)
updates = max(int(steps[-1]) for steps, _ in curves.values())
models["SimpleRNN"] = build("SimpleRNN")
curves["SimpleRNN"] = gradient_tasks.fit_adding(models["SimpleRNN"], T, max_steps=updates)

# %%
gradient_plots.learning_curves(curves, levels={"constant prediction, 1/6": 1 / 6, "remembering one value, 1/12": 1 / 12},
                               title="The adding problem, T = 100")
plt.show()
x_test, y_test = gradient_tasks.adding_problem(2000, T, seed=20_000)
for kind, model in models.items():
    print(f"{kind:28s} {int(curves[kind][0][-1]):4d} updates, MSE on 2000 fresh sequences {gradient_tasks.mse(model, x_test, y_test):.4f}")

# %% [markdown]
# The SimpleRNN stays at the constant predictor's $1/6$: it learns the mean and nothing else, not even the second marked value.
# The LSTM and the GRU sit on the same plateau for a while, then find the markers and drive the error far below it, to a tenth of it or less.
# (With Keras's default forget bias of 1 the LSTM gets there too, but in our runs only after 450 to 1000 updates instead of 200 to 300: at the start its cell path forgets like the SimpleRNN's state, section 8.)
#
# Why?
# Measure the Jacobian norms of the three **trained** models on a sequence of the adding problem:

# %%
trained = {
    "SimpleRNN: $h$": spectral_norms(cell_jacobians(models["SimpleRNN"].layers[0].cell, xs_adding)),
    "LSTM: $c$": spectral_norms(cell_jacobians(models["LSTM (chrono forget biases)"].layers[0].cell, xs_adding, which=1)),
    "GRU: $h$": spectral_norms(cell_jacobians(models["GRU"].layers[0].cell, xs_adding)),
}
gradient_plots.norms_by_distance(trained, title="After training, on a sequence of the adding problem",
                                 ylabel="$\\| \\partial s_{T-1} / \\partial s_k \\|_2$, $s = h$ or $c$")
plt.show()

# %% [markdown]
# In the trained SimpleRNN the gradient from the last state fades geometrically, by orders of magnitude every ten steps; from 50 to 99 steps back, where the first marker lies, essentially none of it arrives, so nothing tells its weights how to keep the first value.
# In the trained LSTM and GRU the norm stays close to 1 across the whole sequence: the gated paths carry the value forward and its gradient back.
#
# ## Summary
#
# - The gradient that reaches step $k$ is multiplied by $\partial h_{T-1}/\partial h_k = J_{T-1} \cdots J_{k+1}$, with $J_t = \mathrm{diag}(\phi'(z_t))\, W_{hh}^\top$: repeated multiplication by the recurrent Jacobians, one per time step.
# - For a linear RNN with a normal $W_{hh}$, such as $\rho Q$, its norm is exactly $\rho^{T-1-k}$, $\rho$ the spectral radius; tanh's factors $1 - h_t^2 \le 1$ only make it smaller. For a non-normal $W_{hh}$ it can be orders of magnitude larger over tens of steps; the norm $\lVert W_{hh} \rVert_2^{T-1-k}$ bounds it.
# - Pascanu et al. (2013): $\sigma_{max}(W_{hh}) < 1/\gamma$ ($\gamma = 1$ for tanh, $1/4$ for the sigmoid) is sufficient for vanishing; exploding requires $\sigma_{max} > 1/\gamma$.
#
# The remedies, each where it fits:
#
# | remedy | against | how | seen in |
# |---|---|---|---|
# | clipping by global norm | exploding | caps the gradient's norm at $\tau$ and keeps its direction (with plain gradient descent, the step at $\eta \tau$); threshold near the typical norm | section 5 |
# | truncated BPTT | cost of long sequences; limits growth | products of at most $m$ Jacobians (chunks of $m$ steps), but no gradient beyond $m$ steps | section 6, unit 03 |
# | identity initialisation with ReLU | vanishing in a plain RNN | Jacobians start as the identity; needs clipping | section 4 |
# | input reversal | long distances in encoder-decoders | makes the shortest dependencies short | section 7 |
# | LSTM | vanishing | additive cell path, Jacobian $\mathrm{diag}(f_t)$; forget gates near 1 | sections 8 and 10 |
# | GRU | vanishing | gated mix with the old state, Jacobian $\mathrm{diag}(u_t)$ | sections 9 and 10 |
#
# In the assignment you compute the Jacobian norms, write both kinds of clipping and rescue the exploding network with yours, and write the LSTM step that, with the weights Keras trains, solves the adding problem.
