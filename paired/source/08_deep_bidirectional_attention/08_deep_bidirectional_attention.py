# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 08 assignment: deep, bidirectional and attention
#
# In this assignment you write, in NumPy, the three ways of going beyond one recurrent layer that reads left to right: stacking layers, reading in both directions, and attending over all the states at once.
# Each of your functions must compute exactly what a Keras layer computes when it is given the same weights.
#
# **Learning goals.** After it you can
# - run a stack of recurrent layers, each reading the states of the layer below, with different hidden sizes per layer;
# - run a bidirectional RNN: a forward and a backward layer, each with its own weights, and line their states up in time as `keras.layers.Bidirectional` does;
# - use it to tag a word whose tag depends on a later word, which no left-to-right tagger can do;
# - compute dot-product attention for one query, with a mask, stably for large scores, as `keras.layers.Attention` does;
# - build an encoder-decoder whose decoder reads the source only through attention, and see it learn in a few epochs what unit 05's translator could not;
# - read an attention heatmap and say why attention helps an encoder-decoder more as its inputs get longer.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests that compare your functions with Keras in float32.
# When you submit, the same cells also run hidden tests on fresh sizes and values in float64; each exercise states how closely your results must agree there, so make your code work for any sizes, not only the ones shown.
# One test runs your bidirectional RNN with the weights of a tagger that Keras trained (a few seconds); one trains your translator of Exercise 4 (about 20 seconds).
# One question is answered in words and graded by a person.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import keras
from rnncourse import arch_data, attention_data, checks, oracles

np.set_printoptions(precision=4, suppress=True)
TOLERANCE = dict(rtol=1e-4, atol=1e-5)  # Keras computes in float32: agreement to about 1e-5 is all we can ask


def random_layer(rng, D, H, scale=0.6):
    """(Wx (D, H), Wh (H, H), b (H,)): the weights of one SimpleRNN layer."""
    return scale * rng.normal(size=(D, H)), scale * rng.normal(size=(H, H)), scale * rng.normal(size=H)


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: a deep RNN (3 points)
#
# A deep (stacked) RNN puts recurrent layers on top of each other: layer $\ell$ reads, at every step, the state of the layer below at that step, and layer 0 reads the input.
# With $h^{(-1)}_t = x_t$ standing for the input, layer $\ell = 0, 1, \dots$ computes
#
# $$h^{(\ell)}_t = \tanh\big(h^{(\ell-1)}_t W^{(\ell)}_{xh} + h^{(\ell)}_{t-1} W^{(\ell)}_{hh} + b^{(\ell)}_h\big), \qquad h^{(\ell)}_{-1} = 0 .$$
#
# Each layer has its own weights and its own hidden size $H_\ell$; its input size is the hidden size of the layer below ($D$ for layer 0).
#
# Write `deep_rnn_forward(x, params)`:
# - `x` has shape `(N, T, D)`;
# - `params` is a list of tuples `(Wx, Wh, b)`, one per layer, bottom first: layer $\ell$'s `Wx` has shape `(H_{ℓ-1}, H_ℓ)` (`(D, H_0)` for layer 0), `Wh` `(H_ℓ, H_ℓ)`, `b` `(H_ℓ,)`;
# - every layer starts from the zero state;
# - return the states of the **top** layer at every step, shape `(N, T, H_last)`.
#
# This is what stacked `keras.layers.SimpleRNN(H, return_sequences=True)` layers compute, given the weights `kernel`, `recurrent_kernel`, `bias` of each.
# Write the loop over time yourself (there is no earlier exercise to call); a helper function of your own for one layer is welcome.
#
# *Checked by:* (1 point) the shape of the output for stacks of 1, 2 and 3 layers of different hidden sizes; (2 points) the values against stacked Keras `SimpleRNN` layers: in the visible test in float32 to a relative error of $10^{-4}$ (and $10^{-5}$ absolute), in the hidden tests (fresh sizes, 1 to 3 layers) in float64 to a relative error of $10^{-10}$ (and $10^{-12}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "deep_rnn_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def deep_rnn_forward(x, params):
    """The top layer's states (N, T, H_last) of stacked tanh RNN layers, params = [(Wx, Wh, b), ...] bottom first."""
    ### BEGIN SOLUTION
    states = x
    for Wx, Wh, b in params:
        h = np.zeros((x.shape[0], Wh.shape[0]))
        layer_states = []
        for t in range(x.shape[1]):
            h = np.tanh(states[:, t] @ Wx + h @ Wh + b)
            layer_states.append(h)
        states = np.stack(layer_states, axis=1)   # the next layer reads these
    return states
    ### END SOLUTION


# %% [markdown]
# Try it: two layers, of 6 and then 2 units, on a batch of 3 sequences of 5 steps with 4 features.

# %%
rng = np.random.default_rng(0)
params_try = [random_layer(rng, 4, 6), random_layer(rng, 6, 2)]
x_try = rng.normal(size=(3, 5, 4))
print("yours:\n", deep_rnn_forward(x_try, params_try)[0])
print("Keras:\n", attention_data.stacked_simple_rnn(x_try, params_try)[0])


# %% nbgrader={"grade": false, "grade_id": "deep_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def random_stack(rng, D, sizes):
    """The weights of a stack of SimpleRNN layers with hidden sizes `sizes`, bottom first, reading D features."""
    return [random_layer(rng, below, H) for below, H in zip((D,) + tuple(sizes[:-1]), sizes)]


def check_deep_shape(x, params):
    """Fail unless deep_rnn_forward(x, params) has the top layer's shape; return the result."""
    N, T, _ = x.shape
    sizes = [Wh.shape[0] for _, Wh, _ in params]
    got = checks.call(deep_rnn_forward, x, params)
    array = checks.as_numbers("deep_rnn_forward(x, params)", got)
    name = f"deep_rnn_forward(x, params) for x of shape {x.shape} and layers of sizes {sizes}"
    if len(sizes) > 1 and array.shape == (N, T, sizes[0]):
        raise AssertionError(f"{name}: expected shape {(N, T, sizes[-1])}, got {array.shape}, the shape of the first "
                             f"layer's states: return the states of the top (last) layer")
    checks.check_shape(name, array, (N, T, sizes[-1]))
    return array


# %% nbgrader={"grade": true, "grade_id": "test_deep_rnn_forward_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""deep_rnn_forward returns the top layer's states, shape (N, T, H_last), for stacks of 1, 2 and 3 layers."""
rng = np.random.default_rng(1)
for N, T, D, sizes in [(3, 5, 4, (6,)), (3, 5, 4, (6, 2)), (2, 6, 3, (5, 7, 4))]:  # every size differs
    check_deep_shape(rng.normal(size=(N, T, D)), random_stack(rng, D, sizes))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(101)
for N, T, D, sizes in [(1, 2, 3, (4,)), (4, 9, 6, (8, 3)), (5, 3, 2, (7, 1, 10)), (6, 11, 9, (12, 4, 8))]:
    check_deep_shape(rng.normal(size=(N, T, D)), random_stack(rng, D, sizes))
### END HIDDEN TESTS
print("deep_rnn_forward returns the top layer's states")

# %% nbgrader={"grade": true, "grade_id": "test_deep_rnn_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""deep_rnn_forward equals stacked keras.layers.SimpleRNN(return_sequences=True) layers given the same weights."""
rng = np.random.default_rng(2)
for N, T, D, sizes in [(3, 5, 4, (6,)), (3, 5, 4, (6, 2)), (2, 6, 3, (5, 7, 4))]:
    x, params = rng.normal(size=(N, T, D)), random_stack(rng, D, sizes)
    got = check_deep_shape(x, params)
    checks.check_close(f"the top layer's states for layers of sizes {list(sizes)}", got,
                       attention_data.stacked_simple_rnn(x, params), **TOLERANCE)
### BEGIN HIDDEN TESTS
def keras_stack_float64(x, params):
    h = x
    for Wx, Wh, b in params:
        layer = keras.layers.SimpleRNN(Wh.shape[0], return_sequences=True, dtype="float64")
        layer.build((None, None, h.shape[-1]))
        layer.set_weights([Wx, Wh, b])
        h = np.asarray(layer(h))
    return h

rng = np.random.default_rng(102)
for N, T, D, sizes in [(1, 2, 3, (4,)), (4, 9, 6, (8, 3)), (5, 3, 2, (7, 1, 10)), (6, 11, 9, (12, 4, 8))]:
    x, params = rng.normal(size=(N, T, D)), random_stack(rng, D, sizes)
    checks.check_close(f"the top layer's states for layers of sizes {list(sizes)}", check_deep_shape(x, params),
                       keras_stack_float64(x, params), rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("deep_rnn_forward equals stacked Keras SimpleRNN layers")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: a bidirectional RNN (4 points)
#
# A left-to-right RNN's state $h_t$ has read $x_0, \dots, x_t$ only.
# A bidirectional RNN runs a second RNN, with weights of its own, from the last step back to the first, and puts the two states of each step side by side:
#
# $$\overrightarrow{h}_t = \tanh\big(x_t \overrightarrow{W}_{xh} + \overrightarrow{h}_{t-1} \overrightarrow{W}_{hh} + \overrightarrow{b}_h\big), \qquad \overrightarrow{h}_{-1} = 0,$$
# $$\overleftarrow{h}_t = \tanh\big(x_t \overleftarrow{W}_{xh} + \overleftarrow{h}_{t+1} \overleftarrow{W}_{hh} + \overleftarrow{b}_h\big), \qquad \overleftarrow{h}_{T} = 0,$$
# $$\text{output}_t = \big[\overrightarrow{h}_t, \overleftarrow{h}_t\big] .$$
#
# So at step $t$ the forward state has read $x_0, \dots, x_t$ and the backward state $x_t, \dots, x_{T-1}$: together, the whole sequence.
# The backward RNN reads $x_{T-1}$ first; its states must then be put back in time order, so that `output[:, t]` holds the two states **of step $t$**.
#
# Write `bidirectional_rnn_forward(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b)`:
# - `x` has shape `(N, T, D)`; `Wx_f`, `Wh_f`, `b_f` (shapes `(D, H)`, `(H, H)`, `(H,)`) are the forward RNN's weights, `Wx_b`, `Wh_b`, `b_b` the backward RNN's;
# - both start from the zero state;
# - return an array of shape `(N, T, 2H)`: at step $t$, entries `0..H-1` are $\overrightarrow{h}_t$ and entries `H..2H-1` are $\overleftarrow{h}_t$.
#
# This is `keras.layers.Bidirectional(keras.layers.SimpleRNN(H, return_sequences=True))`; its `get_weights()` lists the forward layer's `kernel`, `recurrent_kernel`, `bias`, then the backward layer's, in the order of the arguments above.
#
# *Checked by:* (1 point) the shape of the output; (2 points) the values against Keras's `Bidirectional` layer: in the visible test in float32 to a relative error of $10^{-4}$ (and $10^{-5}$ absolute), in the hidden tests (fresh sizes) in float64 to a relative error of $10^{-10}$ (and $10^{-12}$ absolute); (1 point) with the weights of a bidirectional tagger that Keras trained (below), your function must tag at least 95% of the words that need the future right.

# %% nbgrader={"grade": false, "grade_id": "bidirectional_rnn_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bidirectional_rnn_forward(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b):
    """[forward states, backward states] at every step, (N, T, 2H), both directions started from zero states."""
    ### BEGIN SOLUTION
    def run(inputs, Wx, Wh, b):
        h = np.zeros((inputs.shape[0], Wh.shape[0]))
        states = []
        for t in range(inputs.shape[1]):
            h = np.tanh(inputs[:, t] @ Wx + h @ Wh + b)
            states.append(h)
        return np.stack(states, axis=1)

    forward = run(x, Wx_f, Wh_f, b_f)
    backward = run(x[:, ::-1], Wx_b, Wh_b, b_b)[:, ::-1]   # read from the end, then put back in time order
    return np.concatenate([forward, backward], axis=-1)
    ### END SOLUTION


# %% [markdown]
# Try it: 2 sequences of 4 steps with 3 features, 5 units per direction.

# %%
rng = np.random.default_rng(3)
x_try = rng.normal(size=(2, 4, 3))
weights_try = random_layer(rng, 3, 5) + random_layer(rng, 3, 5)
print("yours, first sequence:\n", bidirectional_rnn_forward(x_try, *weights_try)[0])
print("Keras, first sequence:\n", attention_data.bidirectional_simple_rnn(x_try, *weights_try)[0])


# %% nbgrader={"grade": false, "grade_id": "bidirectional_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def check_bidirectional_shape(x, weights):
    """Fail unless bidirectional_rnn_forward(x, *weights) has shape (N, T, 2H); return the result."""
    N, T, _ = x.shape
    H = weights[1].shape[0]
    got = checks.call(bidirectional_rnn_forward, x, *weights)
    checks.check_shape(f"bidirectional_rnn_forward for x of shape {x.shape} and H = {H}", got, (N, T, 2 * H))
    return np.asarray(got)


def wrong_bidirectional_outputs(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b):
    """What the usual mistakes compute, in float32 as the visible oracle: {diagnosis: output}."""
    N, H = x.shape[0], Wh_f.shape[0]
    zeros = np.zeros((N, H))
    forward = oracles.simple_rnn(x, zeros, Wx_f, Wh_f, b_f)
    backward_read = oracles.simple_rnn(x[:, ::-1], zeros, Wx_b, Wh_b, b_b)   # in the order the backward RNN reads
    backward = backward_read[:, ::-1]
    return {
        "the two halves are swapped: the forward states come first (entries 0..H-1), then the backward states":
            np.concatenate([backward, forward], axis=-1),
        "the backward states are in the order the backward RNN computed them (last step first): reverse them in time "
        "so that step t holds the backward state of step t": np.concatenate([forward, backward_read], axis=-1),
        "the backward half used the forward weights: the backward RNN has weights of its own (Wx_b, Wh_b, b_b)":
            np.concatenate([forward, oracles.simple_rnn(x[:, ::-1], zeros, Wx_f, Wh_f, b_f)[:, ::-1]], axis=-1),
        "the backward RNN read the sequence from the first step: it must read x_{T-1} first and x_0 last":
            np.concatenate([forward, oracles.simple_rnn(x, zeros, Wx_b, Wh_b, b_b)], axis=-1),
        "the backward RNN started from the forward RNN's last state: both directions start from the zero state":
            np.concatenate([forward, oracles.simple_rnn(x[:, ::-1], forward[:, -1], Wx_b, Wh_b, b_b)[:, ::-1]], axis=-1),
    }


# %% nbgrader={"grade": true, "grade_id": "test_bidirectional_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""bidirectional_rnn_forward returns shape (N, T, 2H)."""
rng = np.random.default_rng(4)
N, T, D, H = 3, 6, 4, 5  # all different (and 2H = 10 too)
check_bidirectional_shape(rng.normal(size=(N, T, D)), random_layer(rng, D, H) + random_layer(rng, D, H))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(104)
for N, T, D, H in [(1, 1, 2, 3), (7, 9, 8, 2), (2, 13, 5, 11)]:
    check_bidirectional_shape(rng.normal(size=(N, T, D)), random_layer(rng, D, H) + random_layer(rng, D, H))
### END HIDDEN TESTS
print("bidirectional_rnn_forward has the right shape")

# %% nbgrader={"grade": true, "grade_id": "test_bidirectional_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""bidirectional_rnn_forward equals keras.layers.Bidirectional(SimpleRNN(H, return_sequences=True)) given its weights."""
rng = np.random.default_rng(5)
N, T, D, H = 3, 6, 4, 5
x, weights = rng.normal(size=(N, T, D)), random_layer(rng, D, H) + random_layer(rng, D, H)
got = check_bidirectional_shape(x, weights)
checks.check_close("the forward and backward states", got, attention_data.bidirectional_simple_rnn(x, *weights),
                   **TOLERANCE, likely_mistakes=wrong_bidirectional_outputs(x, *weights))
### BEGIN HIDDEN TESTS
def keras_bidirectional_float64(x, weights):
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(weights[1].shape[0], return_sequences=True, dtype="float64"),
                                       dtype="float64")
    layer.build((None, None, x.shape[-1]))
    layer.set_weights(list(weights))
    return np.asarray(layer(x))

rng = np.random.default_rng(105)
for N, T, D, H in [(1, 1, 2, 3), (7, 9, 8, 2), (2, 13, 5, 11)]:
    x, weights = rng.normal(size=(N, T, D)), random_layer(rng, D, H, scale=1.0) + random_layer(rng, D, H, scale=1.0)
    checks.check_close(f"the forward and backward states for N={N}, T={T}, D={D}, H={H}", check_bidirectional_shape(x, weights),
                       keras_bidirectional_float64(x, weights), rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("bidirectional_rnn_forward equals Keras's Bidirectional SimpleRNN")

# %% [markdown] nbgrader={"grade": false, "grade_id": "future_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### A tag that depends on a later word
#
# `attention_data.make_future_tagged` makes sentences whose first word is a person or a place, and only the verb after it tells which: "jordan often smiled" (a person), "jordan often flooded" (a place).
# A tagger that reads left to right must tag "jordan" before it reads the verb, so on these words it can do no better than guess: `attention_data.left_to_right_ceiling` computes the best accuracy that **any** left-to-right tagger can reach on a data set.

# %% nbgrader={"grade": false, "grade_id": "future_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
sentences, tags = attention_data.make_future_sentences(4, seed=0)
for words, labels in zip(sentences, tags):
    print(" ".join(f"{w}/{attention_data.FUTURE_TAGS[t]}" for w, t in zip(words, labels)))
future_ids, future_tags = attention_data.make_future_tagged(1000, seed=2)
needs_future = attention_data.ambiguous_first_words(future_ids)
print(f"best accuracy of any left-to-right tagger on the first words that need the future: "
      f"{attention_data.left_to_right_ceiling(future_ids, future_tags, needs_future):.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "tagger_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell trains a bidirectional tagger in Keras: an `Embedding` (no masking), a `Bidirectional(SimpleRNN(16, return_sequences=True))` and a `Dense` softmax over the three tags.
# `tag_with_your_rnn` then tags sentences with those weights, with your `bidirectional_rnn_forward` in place of Keras's layer.

# %% nbgrader={"grade": false, "grade_id": "tagger_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def train_bidirectional_tagger(seed=0, units=16, epochs=3):
    """A Keras tagger (Embedding, Bidirectional SimpleRNN, Dense softmax) trained on 2000 sentences."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              keras.layers.Embedding(len(attention_data.FUTURE_VOCAB), 12),
                              keras.layers.Bidirectional(keras.layers.SimpleRNN(units, return_sequences=True)),
                              keras.layers.Dense(len(attention_data.FUTURE_TAGS), activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    ids, tags = attention_data.make_future_tagged(2000, seed=1)
    model.fit(ids, tags, epochs=epochs, batch_size=64, verbose=0)
    return model


def tag_with_your_rnn(model, token_ids):
    """The tags (N, T) that the trained model gives, computed with your bidirectional_rnn_forward and its weights."""
    embedding = model.layers[0].get_weights()[0].astype(float)                  # (vocabulary, 12)
    rnn_weights = [w.astype(float) for w in model.layers[1].get_weights()]      # forward kernel, ..., backward bias
    Wy, by = (w.astype(float) for w in model.layers[2].get_weights())
    states = checks.call(bidirectional_rnn_forward, embedding[token_ids], *rnn_weights)
    checks.check_shape("bidirectional_rnn_forward's states", states, token_ids.shape + (2 * rnn_weights[1].shape[0],))
    return (np.asarray(states) @ Wy + by).argmax(axis=-1)


# %% nbgrader={"grade": true, "grade_id": "test_bidirectional_tagger", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""With the weights of a bidirectional tagger that Keras trained, your bidirectional_rnn_forward tags at least 95% of the first words that need the future right, where no left-to-right tagger can pass about 55%."""
LEVEL = 0.95  # the trained taggers tag all of them right with every seed we tried (0 to 9)
tagger = train_bidirectional_tagger(seed=0)

def check_tagger(ids, tags, what):
    where = attention_data.ambiguous_first_words(ids)
    ceiling = attention_data.left_to_right_ceiling(ids, tags, where)
    accuracy = attention_data.tag_accuracy(tag_with_your_rnn(tagger, ids), tags, where)
    print(f"{what}: your bidirectional RNN tags {accuracy:.3f} of the first words that need the future right "
          f"(any left-to-right tagger: at most {ceiling:.3f})")
    if accuracy < LEVEL:
        keras_accuracy = attention_data.tag_accuracy(np.asarray(tagger(ids, training=False)).argmax(axis=-1), tags, where)
        raise AssertionError(f"{what}: with the trained weights your bidirectional_rnn_forward tags {accuracy:.3f} of the "
                             f"first words that need the future right; expected at least {LEVEL}, as Keras's own run of "
                             f"the same weights gives {keras_accuracy:.3f}. Your function must compute what "
                             f"keras.layers.Bidirectional computes: see the tests above.")

check_tagger(future_ids, future_tags, "1000 fresh sentences")
### BEGIN HIDDEN TESTS
hidden_ids, hidden_tags = attention_data.make_future_tagged(500, seed=300)
check_tagger(hidden_ids, hidden_tags, "500 other fresh sentences")
### END HIDDEN TESTS
print("your bidirectional RNN reads the future")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: dot-product attention (5 points)
#
# Attention lets a model look at all the states $k_0, \dots, k_{T-1}$ of a sequence at once (the *keys*), and take from them a weighted mean of *values* $v_0, \dots, v_{T-1}$, with weights that depend on a *query* $q$.
# For one query, dot-product attention computes
#
# $$e_t = q \cdot k_t \quad \text{(the scores)}, \qquad \alpha_t = \frac{\exp(e_t)}{\sum_{j} \exp(e_j)} \quad \text{(the weights, a softmax over } t\text{)}, \qquad a = \sum_{t} \alpha_t v_t \quad \text{(the context)} .$$
#
# A mask leaves positions out (padding, say): where the mask is False, the weight must be **exactly 0**, and the other weights still sum to 1.
#
# Write `dot_product_attention(query, keys, values, mask=None)`, for a batch of $N$ queries, one per sequence:
# - `query` has shape `(N, H)`, `keys` `(N, T, H)`, `values` `(N, T, V)`;
# - `mask` is `None` (no position left out) or a boolean array `(N, T)`; every row of a mask has at least one True;
# - return `(context, weights)`: `context` of shape `(N, V)`, `weights` of shape `(N, T)` (each row sums to 1 over the $T$ positions).
#
# This is `keras.layers.Attention()` with its defaults (`score_mode="dot"`, `use_scale=False`: the scores are **not** divided by anything) for one query step, called as `Attention()([query[:, None], values, keys], mask=[None, mask])`.
# Keras lowers the scores of masked positions by $10^9$, so that their exponential is exactly 0.
# Scores can be large: make the softmax stable (subtract each row's largest score among the positions kept before taking `np.exp`), so that scores of size up to 2000 give finite, correct weights.
#
# *Checked by:* (1 point) the shapes of `context` and `weights`; (1 point) the values without a mask, against Keras; (2 points) the values with a mask, against Keras, and every masked weight exactly 0; (1 point) stability: scores up to 2000 in size, with masked positions whose scores are far larger than the others.
# The visible tests compare with Keras in float32 to a relative error of $10^{-4}$ (and $10^{-5}$ absolute), and, for large scores, with weights known exactly to a relative error of $10^{-10}$; the hidden tests (fresh sizes) compare with Keras in float64 to a relative error of $10^{-10}$ (and $10^{-12}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "dot_product_attention", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dot_product_attention(query, keys, values, mask=None):
    """(context (N, V), weights (N, T)) of dot-product attention of query (N, H) over keys (N, T, H) and values (N, T, V)."""
    ### BEGIN SOLUTION
    scores = np.einsum("nh,nth->nt", query, keys)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)            # exp(-inf) = 0: masked weights are exactly 0
    scores = scores - scores.max(axis=1, keepdims=True)      # stable: the largest kept score becomes 0
    exp = np.exp(scores)
    weights = exp / exp.sum(axis=1, keepdims=True)
    context = np.einsum("nt,ntv->nv", weights, values)
    return context, weights
    ### END SOLUTION


# %% [markdown]
# Try it: 2 queries of size 3 over 4 positions with values of size 5; in the second row the last position is masked.

# %%
rng = np.random.default_rng(6)
query_try, keys_try, values_try = rng.normal(size=(2, 3)), rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 5))
mask_try = np.array([[True, True, True, True], [True, True, True, False]])
print("yours:", *dot_product_attention(query_try, keys_try, values_try, mask_try), sep="\n")
print("Keras:", *attention_data.keras_attention(query_try, keys_try, values_try, mask_try), sep="\n")


# %% nbgrader={"grade": false, "grade_id": "attention_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def random_attention_inputs(rng, N, T, H, V):
    """query (N, H), keys (N, T, H), values (N, T, V)."""
    return rng.normal(size=(N, H)), rng.normal(size=(N, T, H)), rng.normal(size=(N, T, V))


def random_mask(rng, N, T):
    """A boolean mask (N, T) with about a third of the positions False, and at least one True per row."""
    mask = rng.random((N, T)) < 0.65
    mask[np.arange(N), rng.integers(T, size=N)] = True
    return mask


def check_attention(query, keys, values, mask=None):
    """Call dot_product_attention, check it returns (context (N, V), weights (N, T)); return both as arrays."""
    N, T, V = values.shape
    result = checks.call(dot_product_attention, query, keys, values, mask)
    checks.check_returns("dot_product_attention", result, ("context", "weights"))
    context, weights = result
    sizes = f"for query {query.shape}, keys {keys.shape}, values {values.shape}"
    checks.check_shape(f"weights {sizes}", weights, (N, T))
    checks.check_shape(f"context {sizes}", context, (N, V))
    return np.asarray(context, dtype=float), np.asarray(weights, dtype=float)


def wrong_attention_outputs(query, keys, values, mask=None):
    """What the usual mistakes compute, with Keras in float32: {diagnosis: (context, weights)}."""
    H = query.shape[1]
    scores = np.einsum("nh,nth->nt", query, keys)
    over_batch = np.asarray(oracles.softmax(scores if mask is None else np.where(mask, scores, -1e9), axis=0))
    wrong = {
        "the scores were divided by sqrt(H): Keras's Attention() with use_scale=False does not scale them":
            attention_data.keras_attention(query / np.sqrt(H), keys, values, mask),
        "the softmax was taken over the batch (axis 0): it must be over the T positions of each row (axis 1)":
            (np.einsum("nt,ntv->nv", over_batch, values), over_batch),
    }
    if mask is not None:
        unmasked_context, unmasked = attention_data.keras_attention(query, keys, values)
        cut = unmasked * mask
        wrong.update({
            "the mask was ignored: positions where the mask is False must get weight 0": (unmasked_context, unmasked),
            "the mask was applied after the softmax: the masked weights are 0 but the others no longer sum to 1; leave "
            "the masked positions out before the softmax": (np.einsum("nt,ntv->nv", cut, values), cut),
            "the masked positions got a score of 0 (the scores were multiplied by the mask), not weight 0":
                attention_data.keras_attention(query, keys * mask[..., None], values),
        })
    return wrong


def check_attention_values(query, keys, values, mask=None, expected=None, **tolerance):
    """Compare dot_product_attention with `expected` (context, weights) (Keras in float32 if not given)."""
    context, weights = check_attention(query, keys, values, mask)
    expected_context, expected_weights = expected or attention_data.keras_attention(query, keys, values, mask)
    wrong = wrong_attention_outputs(query, keys, values, mask) if expected is None else {}
    checks.check_close("weights", weights, expected_weights, **tolerance,
                       likely_mistakes={sentence: w for sentence, (_, w) in wrong.items()})
    checks.check_close("context", context, expected_context, **tolerance, likely_mistakes={
        "the context is the mean of the values, not their sum weighted by the weights": values.mean(axis=1),
        "the context is the sum of the values times the scores: weight them by the softmax of the scores":
            np.einsum("nt,ntv->nv", np.einsum("nh,nth->nt", query, keys), values),
    })
    if mask is not None and np.any(weights[~mask] != 0):
        raise AssertionError(f"the weights of the masked positions must be exactly 0; the largest is "
                             f"{np.abs(weights[~mask]).max():.3g}. A large negative score such as -100 is not "
                             f"enough: use -np.inf (np.where) or lower the masked scores by 1e9, as Keras does")


# %% nbgrader={"grade": true, "grade_id": "test_attention_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""dot_product_attention returns (context (N, V), weights (N, T))."""
rng = np.random.default_rng(7)
N, T, H, V = 2, 7, 3, 5  # all different
check_attention(*random_attention_inputs(rng, N, T, H, V))
check_attention(*random_attention_inputs(rng, N, T, H, V), random_mask(rng, N, T))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(107)
for N, T, H, V in [(1, 2, 3, 4), (6, 4, 9, 8), (3, 12, 5, 1)]:
    check_attention(*random_attention_inputs(rng, N, T, H, V))
    check_attention(*random_attention_inputs(rng, N, T, H, V), random_mask(rng, N, T))
### END HIDDEN TESTS
print("dot_product_attention returns arrays of the right shapes")

# %% nbgrader={"grade": true, "grade_id": "test_attention_values", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""dot_product_attention without a mask equals keras.layers.Attention() for one query step."""
rng = np.random.default_rng(8)
check_attention_values(*random_attention_inputs(rng, 4, 6, 3, 2), **TOLERANCE)
### BEGIN HIDDEN TESTS
def keras_attention_float64(query, keys, values, mask=None):
    layer = keras.layers.Attention(dtype="float64")
    context, weights = layer([query[:, None], values, keys], mask=None if mask is None else [None, mask],
                             return_attention_scores=True)
    return np.asarray(context)[:, 0], np.asarray(weights)[:, 0]

rng = np.random.default_rng(108)
for N, T, H, V in [(1, 2, 3, 4), (6, 4, 9, 8), (3, 12, 5, 1), (5, 8, 4, 7)]:
    inputs = random_attention_inputs(rng, N, T, H, V)
    check_attention_values(*inputs, expected=keras_attention_float64(*inputs), rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("dot_product_attention equals Keras's Attention")

# %% nbgrader={"grade": true, "grade_id": "test_attention_mask", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""dot_product_attention with a mask equals keras.layers.Attention() with that mask, and masked weights are exactly 0."""
rng = np.random.default_rng(9)
N, T, H, V = 4, 6, 3, 2
check_attention_values(*random_attention_inputs(rng, N, T, H, V), random_mask(rng, N, T), **TOLERANCE)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(109)
for N, T, H, V in [(1, 3, 2, 4), (6, 4, 9, 8), (3, 12, 5, 1), (5, 8, 4, 7)]:
    inputs, mask = random_attention_inputs(rng, N, T, H, V), random_mask(rng, N, T)
    check_attention_values(*inputs, mask, expected=keras_attention_float64(*inputs, mask), rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("dot_product_attention leaves the masked positions out")


# %% nbgrader={"grade": false, "grade_id": "large_scores_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def inputs_with_scores(rng, scores, H, V):
    """query (N, H), keys (N, T, H), values (N, T, V) whose scores query . keys are exactly `scores` (N, T).

    Each query is 2 times a unit vector, and the keys hold half the score along it (random entries elsewhere):
    every product and sum is exact in floating point, so the expected weights are known exactly.
    """
    N, T = scores.shape
    axis = rng.integers(H, size=N)
    query = np.zeros((N, H))
    query[np.arange(N), axis] = 2.0
    keys = rng.normal(size=(N, T, H))
    keys[np.arange(N), :, axis] = scores / 2
    return query, keys, rng.normal(size=(N, T, V))


# %% nbgrader={"grade": true, "grade_id": "test_attention_large_scores", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""dot_product_attention is stable for scores up to 2000 in size, also when masked positions have far larger scores than the others."""
rng = np.random.default_rng(10)
scores = np.array([[700.0, 699.0, -300.0, 1500.0, -100.0],    # position 3 masked: a far larger score than the rest
                   [-900.0, -901.0, -2000.0, -1999.0, -901.0],  # all negative and large
                   [1200.0, 1200.0, 400.0, 0.0, 1900.0]])     # position 4 masked
mask = np.array([[True, True, True, False, True], [True] * 5, [True, True, True, True, False]])
query, keys, values = inputs_with_scores(rng, scores, H=4, V=2)  # N, T, H, V = 3, 5, 4, 2
# exp(-1) for a score 1 below the largest; exp(-745) and less is exactly 0 in float64
p, q2 = 1 / (1 + np.exp(-1.0)), 1 / (1 + 2 * np.exp(-1.0))
expected_weights = np.array([[p, 1 - p, 0, 0, 0], [q2, np.exp(-1.0) * q2, 0, 0, np.exp(-1.0) * q2], [0.5, 0.5, 0, 0, 0]])
with np.errstate(all="ignore"):  # a softmax that is not stable overflows here: the checks below say so
    context, weights = check_attention(query, keys, values, mask)
checks.check_finite("weights", weights, "Subtract each row's largest kept score before np.exp, and leave the masked "
                                        "positions out before the softmax, not after it.")
checks.check_close("weights", weights, expected_weights, rtol=1e-10, atol=0)
checks.check_close("context", context, np.einsum("nt,ntv->nv", expected_weights, values), rtol=1e-10, atol=0)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(110)
for N, T, H, V in [(2, 9, 6, 3), (7, 4, 3, 5)]:
    query, keys, values = inputs_with_scores(rng, rng.uniform(-2000, 2000, size=(N, T)), H, V)
    mask = random_mask(rng, N, T)
    with np.errstate(all="ignore"):
        context, weights = check_attention(query, keys, values, mask)
    checks.check_finite("weights", weights, "Subtract each row's largest kept score before np.exp.")
    expected_context, expected_weights = keras_attention_float64(query, keys, values, mask)
    checks.check_close("weights", weights, expected_weights, rtol=1e-10, atol=1e-12)
    checks.check_close("context", context, expected_context, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("dot_product_attention is stable for large scores")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: a dates translator with attention (3 points)
#
# Unit 05's translator hands the source to its decoder through one state, the encoder's last.
# Here you build one whose decoder gets the source **only** through attention: its recurrent layer starts from the zero state, and at every step it attends over all the states of a bidirectional encoder.
#
# Write `build_attention_translator(source_vocab_size, target_vocab_size)` that returns a compiled Keras model with two inputs, `[source_ids, decoder_inputs]` of shapes `(N, T_in)` and `(N, T_out)` (int32), and one output, the probabilities of the next target token, `(N, T_out, target_vocab_size)`:
# - the encoder: `keras.layers.Embedding(source_vocab_size, 16, mask_zero=True)` on the source, then `keras.layers.Bidirectional(keras.layers.GRU(32, return_sequences=True))`: its states, `(N, T_in, 64)`, are the keys and the values;
# - the decoder: `keras.layers.Embedding(target_vocab_size, 16)` on the decoder inputs, then `keras.layers.GRU(64, return_sequences=True)` (no initial state): its states, `(N, T_out, 64)`, are the queries;
# - `keras.layers.Attention()([queries, encoder_states])` (the values are also the keys): one context per decoder step, `(N, T_out, 64)`; the embedding's mask reaches it, so the source's padding gets weight 0;
# - `keras.layers.Concatenate()` of the decoder states and the contexts, then `keras.layers.Dense(target_vocab_size, activation="softmax")`;
# - compile with `optimizer=keras.optimizers.Adam(learning_rate=0.01)` and `loss="sparse_categorical_crossentropy"`.
#
# The decoder is trained with teacher forcing: its inputs are the targets shifted one step right, after `<start>` (`arch_data.make_dates` makes both, as in unit 05).
#
# *Checked by:* (1 point) the shape of the outputs for several `T_in` and `T_out`; outputs that depend on the source (other sources change some output by more than $10^{-7}$); an output at step $t$ that does not depend on the decoder inputs after $t$ (unchanged to $10^{-5}$ when only later decoder inputs change).
# (2 points) Trained for 3 epochs on 3000 dates (batches of 64, seed 0), the model translates at least 60% of 300 held-out dates exactly (all ten characters), decoded greedily by the test's own loop; the hidden test asks the same of 300 other dates.
# Unit 05's translator without attention (an LSTM encoder-decoder with 32 units), trained on the same dates for as long, translated at most 5% of them exactly with every seed from 0 to 9; the lecture shows both.

# %% nbgrader={"grade": false, "grade_id": "build_attention_translator", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_attention_translator(source_vocab_size, target_vocab_size):
    """A compiled Keras model: [source ids (N, T_in), decoder inputs (N, T_out)] -> target probabilities (N, T_out, V)."""
    ### BEGIN SOLUTION
    source = keras.Input(shape=(None,), dtype="int32")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32")
    words = keras.layers.Embedding(source_vocab_size, 16, mask_zero=True)(source)
    encoder_states = keras.layers.Bidirectional(keras.layers.GRU(32, return_sequences=True))(words)
    previous = keras.layers.Embedding(target_vocab_size, 16)(decoder_inputs)
    queries = keras.layers.GRU(64, return_sequences=True)(previous)
    contexts = keras.layers.Attention()([queries, encoder_states])
    both = keras.layers.Concatenate()([queries, contexts])
    probabilities = keras.layers.Dense(target_vocab_size, activation="softmax")(both)
    model = keras.Model([source, decoder_inputs], probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    return model
    ### END SOLUTION


# %% [markdown]
# Try it on four dates: one distribution over the target tokens per decoder step.

# %%
try_source, try_in, _ = arch_data.make_dates(4, seed=0)
translator_try = build_attention_translator(len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB))
print(np.asarray(translator_try([try_source, try_in], training=False)).shape)


# %% nbgrader={"grade": false, "grade_id": "translator_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
SV, TV = len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB)


def translator_outputs(model, inputs):
    """The model's outputs as a NumPy array; a call that fails becomes a failed check that says so."""
    try:
        return np.asarray(model(inputs, training=False))
    except (ValueError, TypeError) as error:
        shapes = " and ".join(str(np.shape(a)) for a in inputs)
        raise AssertionError(f"calling the model on inputs of shapes {shapes} failed with {type(error).__name__}: "
                             f"{str(error).strip().splitlines()[0][:300]}") from None


def check_translator(model):
    """Fail unless `model` is a Keras model whose outputs have the right shapes, read the source and never look ahead."""
    checks.check_type("build_attention_translator(...)", model, keras.Model)
    source, decoder_in, _ = arch_data.make_dates(8, seed=0)
    outputs = translator_outputs(model, [source, decoder_in])
    checks.check_shape(f"the outputs for a source of shape {source.shape} and decoder inputs of shape {decoder_in.shape}",
                       outputs, (8, decoder_in.shape[1], TV))
    checks.check_shape("the outputs for a source of shape (8, 5) and decoder inputs of shape (8, 3)",
                       translator_outputs(model, [source[:, -5:], decoder_in[:, :3]]), (8, 3, TV))
    if np.allclose(translator_outputs(model, [source[::-1], decoder_in]), outputs, atol=1e-7):
        raise AssertionError("the outputs do not depend on the source: the decoder must attend over the encoder's states")
    changed = decoder_in.copy()
    changed[:, 5:] = arch_data.START
    if not np.allclose(translator_outputs(model, [source, changed])[:, :5], outputs[:, :5], atol=1e-5):
        raise AssertionError("the outputs at steps 0 to 4 changed when only the decoder inputs after step 4 changed: the "
                             "decoder must read its inputs left to right only (a GRU, not a bidirectional layer)")


def greedy_translations(model, spelled):
    """The test's greedy decoding: from <start>, append the most probable token for TARGET_LENGTH steps, then cut at <end>."""
    source_ids = arch_data.encode_source(spelled)
    written = np.full((len(spelled), 1), arch_data.START)
    for _ in range(arch_data.TARGET_LENGTH):
        next_token = translator_outputs(model, [source_ids, written])[:, -1].argmax(axis=-1)
        written = np.concatenate([written, next_token[:, None]], axis=1)
    return arch_data.decode_target(written[:, 1:])


# %% nbgrader={"grade": true, "grade_id": "test_attention_translator_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_attention_translator: [source (N, T_in), decoder inputs (N, T_out)] in, (N, T_out, V) out; the outputs depend on the source and never on later decoder inputs."""
check_translator(checks.call(build_attention_translator, SV, TV))
### BEGIN HIDDEN TESTS
model = checks.call(build_attention_translator, 17, 6)  # other vocabularies, N, T_in and T_out
checks.check_shape("the outputs of build_attention_translator(17, 6) for a source of shape (2, 7) and decoder inputs of "
                   "shape (2, 4)", translator_outputs(model, [np.arange(1, 15).reshape(2, 7) % 17,
                                                              np.full((2, 4), 3)]), (2, 4, 6))
### END HIDDEN TESTS
print("the translator has the right shapes, reads the source and never looks ahead")

# %% nbgrader={"grade": true, "grade_id": "test_attention_translator_learns", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained for 3 epochs on 3000 dates, the translator with attention translates at least 60% of 300 held-out dates exactly; without attention, unit 05's translator stays at or below 5%."""
LEVEL = 0.6  # the reference translates 0.97 to 1.00 of them with seeds 0 to 9; unit 05's, without attention, 0.01 to 0.05
date_translator = None  # the trained model
model = checks.call(build_attention_translator, SV, TV)
check_translator(model)
if not getattr(model, "compiled", True):
    raise AssertionError("build_attention_translator must return a compiled model: call model.compile(...) first")
keras.utils.set_random_seed(0)  # the same initial weights and batches in every run
date_translator = checks.call(build_attention_translator, SV, TV)
source, decoder_in, decoder_out = arch_data.make_dates(3000, seed=1)
date_translator.fit([source, decoder_in], decoder_out, epochs=3, batch_size=64, verbose=0)

def check_exact(seed):
    spelled, iso = arch_data.make_date_texts(300, seed=seed)
    translations = greedy_translations(date_translator, spelled)
    exact = float(np.mean([got == wanted for got, wanted in zip(translations, iso)]))
    print(f"exactly right: {exact:.3f} of 300 held-out dates; '{spelled[0]}' -> {translations[0]} (expected {iso[0]})")
    if exact < LEVEL:
        raise AssertionError(f"exactly translated held-out dates: expected at least {LEVEL}, got {exact:.3f}. Check the "
                             f"layers and their sizes against the prompt, and the compile step")

check_exact(seed=3)
### BEGIN HIDDEN TESTS
check_exact(seed=4)
### END HIDDEN TESTS
print("attention makes the translator learn the dates in 3 epochs")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: reading attention (3 points, graded by hand)
#
# The lecture trains unit 05's dates translator with and without attention and draws the attention weights of the translator with attention: one row per output character of "2021-03-03", one column per source word of "the third of march twenty twenty one".
# Answer in a few sentences each.
#
# 1. When the decoder writes the two digits of the month, which source words should carry most of the weight, and why those? What about the digits of the year, and the `-` characters?
# 2. Without attention, the decoder gets the source only through the encoder's last state. Why does attention help more as the sources get longer (say, dates inside sentences of 30 words)?
# 3. Could the decoder of a translator be a bidirectional RNN? Say why or why not, and say where a bidirectional RNN does fit in an encoder-decoder.

# %% [markdown] nbgrader={"grade": true, "grade_id": "attention_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).*
#
# **1. (1 point.)** The month's digits depend only on the month's word ("march" gives "03"), so the weights of those two rows should sit on the month word (or on the word right after it, whose encoder state has just read it: the encoder's state at a step summarises the words up to that step). The year's digits should look at the year words ("twenty twenty one"; the last two digits mostly at the last one or two words), the day's digits at the day words ("third"). The `-` characters are the same in every date: they need no source word, so their weights may be spread anywhere (or sit on a word that the decoder also uses to know where it is). Full point for the month word with the reason "only that word decides the month"; half a point for the right word without a reason.
#
# **2. (1 point.)** Without attention the whole source must be squeezed into one fixed-size vector, the encoder's last state, and the information about early words must survive every later step of the encoder: the longer the source, the more has to fit and the further it has to travel (and the gradient with it, unit 06). With attention the decoder reads every encoder state directly at every step, so a word's information reaches the output through one weighted sum, whatever the length: the path does not grow with the source. Full point for both the fixed-size bottleneck and the distance (or one of them explained well).
#
# **3. (1 point.)** No: the decoder writes one token at a time and reads what it wrote so far; the tokens after step $t$ do not exist yet when it writes token $t$, so there is nothing for a backward RNN to read (in training with teacher forcing it would read the answer it has to predict: it would cheat, then fail when decoding). The encoder, which reads the whole source before anything is written, can be bidirectional, so that each of its states (the keys and values of attention) describes a word with its context on both sides. Full point for "no, the future outputs are not known yet" and "the encoder can be".
# ### END SOLUTION
