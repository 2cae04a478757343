# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 01 assignment: feedforward versus recurrent
#
# In this assignment you see for yourself why a network that reads sentences needs memory.
# You write a dense layer and a bag-of-words encoding in NumPy.
# Then you build two Keras classifiers for sentences whose meaning depends on word order: a feedforward one that reads the bag of words, and a small recurrent one that reads the words in order.
#
# **Learning goals.** After it you can
# - compute a dense layer's forward pass for a batch, and say why its output for a word cannot depend on the words before it;
# - turn sentences of any length into bag-of-words vectors of one fixed size, and say what they lose;
# - build and compile a Keras classifier on bags of words, and explain the ceiling its accuracy hits whatever its size;
# - build a small recurrent classifier that reads word ids in order and passes that ceiling.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests; when you submit, the same cells also run hidden tests on fresh inputs, so make your code work for any sizes, not only the ones shown.
# Each exercise says how close your numbers must be: the visible tests compare with Keras, which computes in float32, and the hidden tests compare with exact float64 results.
# You do not train the Keras models yourself: the tests train them, with fixed seeds, data and number of epochs, and measure their accuracy on fresh sentences.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import keras
from rnncourse import checks, sentences

np.set_printoptions(precision=4, suppress=True)


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: a dense layer (3 points)
#
# A dense (fully connected) layer maps an input $x$ of size $D$ to an output of size $H$:
#
# $$y = f(x W + b),$$
#
# with weights $W$ of shape `(D, H)`, a bias $b$ of shape `(H,)` and an activation function $f$ applied to every entry.
# For a batch, `x` has shape `(N, D)`, one input per row; the result has shape `(N, H)`, and the bias is broadcast over the rows.
#
# Write `dense_forward(x, W, b, activation=None)`.
# `activation` is either `None`, meaning no activation ($f(z) = z$), or a NumPy function such as `np.tanh`, which you call on $x W + b$.
#
# Compute in the precision of the inputs: for float64 inputs, your result must match the exact one to a relative error of 1e-10.
#
# *Checked by:* the shape of the output (1 point), and its values, with and without an activation (2 points): against `keras.layers.Dense` given the same weights (to 1e-5, Keras computes in float32), and, in the hidden tests, against the exact float64 result for fresh sizes and another activation (to a relative error of 1e-10).

# %% nbgrader={"grade": false, "grade_id": "dense_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dense_forward(x, W, b, activation=None):
    """A dense layer for a batch: activation(x @ W + b), or x @ W + b if activation is None.

    x: (N, D), W: (D, H), b: (H,). Returns an array of shape (N, H).
    """
    ### BEGIN SOLUTION
    z = x @ W + b
    return z if activation is None else activation(z)
    ### END SOLUTION


# %% [markdown]
# Try it, and see that a dense layer has no memory.
# Four words are one-hot vectors of size 4, and the layer reads two sentences one word at a time.
# Its output for the last word, "good", is the same after "not" as after "very": it sees only the current word.

# %%
rng = np.random.default_rng(0)
W_try, b_try = rng.normal(size=(4, 3)), rng.normal(size=3)  # D = 4 words, H = 3 units
word_id = {"not": 0, "very": 1, "good": 2, "bad": 3}
one_hot = np.eye(4)
for sentence in (["not", "good"], ["very", "good"]):
    outputs = [dense_forward(one_hot[[word_id[w]]], W_try, b_try, np.tanh) for w in sentence]
    print(" ".join(sentence), "-> output at the last word:", outputs[-1])

# %% nbgrader={"grade": true, "grade_id": "test_dense_forward_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""dense_forward maps x of shape (N, D) to an output of shape (N, H)."""
def random_dense_inputs(rng, N, D, H):
    return rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H)

N, D, H = 4, 3, 5  # all different, so a transposed W shows up as a shape error
out = checks.call(dense_forward, *random_dense_inputs(np.random.default_rng(0), N, D, H))
checks.check_shape("dense_forward(x, W, b)", out, (N, H))
### BEGIN HIDDEN TESTS
for N, D, H in [(1, 2, 6), (7, 9, 2), (8, 1, 3)]:  # no two sizes alike, none as in the visible test
    x, W, b = random_dense_inputs(np.random.default_rng(N * D * H), N, D, H)
    checks.check_shape("dense_forward(x, W, b)", checks.call(dense_forward, x, W, b), (N, H))
    checks.check_shape("dense_forward(x, W, b, np.tanh)", checks.call(dense_forward, x, W, b, np.tanh), (N, H))
### END HIDDEN TESTS
print("the output has the right shape")

# %% nbgrader={"grade": true, "grade_id": "test_dense_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""dense_forward matches keras.layers.Dense given the same weights, with and without an activation."""
def keras_dense(x, W, b, activation=None):
    layer = keras.layers.Dense(W.shape[1], activation=activation)
    layer.build((None, W.shape[0]))
    layer.set_weights([W.astype("float32"), b.astype("float32")])  # kernel (D, H), bias (H,)
    return np.asarray(layer(x.astype("float32")))

x, W, b = random_dense_inputs(np.random.default_rng(1), 4, 3, 5)
checks.check_close("dense_forward(x, W, b)", checks.call(dense_forward, x, W, b), keras_dense(x, W, b),
                   likely_mistakes={
    "the bias b is missing: the output is x @ W + b": keras_dense(x, W, 0 * b),
    "an activation was applied although activation is None: then return x @ W + b as it is":
        keras_dense(x, W, b, "tanh"),
})
checks.check_close("dense_forward(x, W, b, np.tanh)", checks.call(dense_forward, x, W, b, np.tanh),
                   keras_dense(x, W, b, "tanh"), likely_mistakes={
    "the activation is missing: call activation on x @ W + b": keras_dense(x, W, b),
    "the activation is applied before the bias is added: compute activation(x @ W + b)": np.tanh(x @ W) + b,
    "the bias b is missing: the output is activation(x @ W + b)": keras_dense(x, W, 0 * b, "tanh"),
})
x, W, b = random_dense_inputs(np.random.default_rng(2), 3, 4, 4)  # D = H: a transposed W gives no shape error
checks.check_close("dense_forward(x, W, b) with a square W", checks.call(dense_forward, x, W, b),
                   keras_dense(x, W, b), likely_mistakes={
    "W is transposed: compute x @ W with W of shape (D, H)": keras_dense(x, W.T, b)})
### BEGIN HIDDEN TESTS
# Fresh sizes, another activation, float64 exactness (the prompt: a relative error of 1e-10).
relu = lambda z: np.maximum(z, 0.0)
for seed, (N, D, H) in enumerate([(1, 7, 2), (6, 2, 9), (2, 8, 6)]):
    x, W, b = random_dense_inputs(np.random.default_rng(100 + seed), N, D, H)
    expected, expected_relu = x @ W + b, relu(x @ W + b)
    checks.check_close("dense_forward(x, W, b) in float64", checks.call(dense_forward, x, W, b), expected,
                       rtol=1e-10, atol=1e-12)
    checks.check_close("dense_forward(x, W, b, relu) in float64", checks.call(dense_forward, x, W, b, relu),
                       expected_relu, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("dense_forward matches Keras")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: a bag of words (3 points)
#
# A dense layer needs inputs of one fixed size $D$, but sentences have different lengths.
# A *bag of words* turns a sentence of any length into a vector of one fixed size $V$, the number of words in the vocabulary: entry $j$ counts how often word $j$ occurs.
#
# Sentences come as word ids: an integer array `token_ids` of shape `(N, T)`, one sentence per row, padded on the left with id 0 up to the length $T$ of the longest one.
# Write `bag_of_words(token_ids, vocab_size)` that returns an array `counts` of shape `(N, vocab_size)` in which `counts[n, j]` is the number of times word id `j` occurs in sentence `n`.
# Padding is not a word: `counts[n, 0]` stays 0.
# Counts are whole numbers, and the tests compare them exactly; floats or integers both do (Keras turns either into float32).
#
# For example, with `vocab_size = 6` the two sentences `[0, 0, 3, 1, 3]` and `[2, 4, 4, 1, 1]` give `[0, 1, 0, 2, 0, 0]` and `[0, 2, 1, 0, 2, 0]`.
#
# *Checked by:* the counts for small and random sentences (2 points), and the same bag for the same words in any order and with any amount of padding (1 point).
# Exercise 3 does not use your function: its tests make their own bags, so a mistake here costs no points there.

# %% nbgrader={"grade": false, "grade_id": "bag_of_words", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bag_of_words(token_ids, vocab_size):
    """Word counts of each sentence: token_ids (N, T) of ints, 0 for padding -> counts (N, vocab_size).

    counts[n, j] is how often word id j occurs in sentence n; padding is not counted (column 0 is 0).
    """
    ### BEGIN SOLUTION
    one_hot = np.eye(vocab_size)[np.asarray(token_ids)]  # (N, T, V): one row of the identity per word
    counts = one_hot.sum(axis=1)                         # (N, V): how often each word occurs
    counts[:, 0] = 0.0                                   # padding is not a word
    return counts
    ### END SOLUTION


# %% [markdown]
# Try it on two sentences of the course's data (`rnncourse.sentences`); the next cell draws their bags.

# %%
twins = ["the movie was good and not bad", "the movie was not good and bad"]
bags_try = None
bags_try = bag_of_words(sentences.encode(twins), sentences.VOCAB_SIZE)
np.asarray(bags_try)

# %%
if bags_try is None:
    print("No bags yet: run the cell above once bag_of_words works.")
else:
    sentences.plot_bags(bags_try, twins, labels=[1, 0])

# %% nbgrader={"grade": true, "grade_id": "test_bag_of_words_counts", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""bag_of_words counts how often each word id occurs in each sentence, leaving out the padding id 0."""
token_ids = np.array([[0, 0, 3, 1, 3],
                      [2, 4, 4, 1, 1],
                      [0, 0, 0, 0, 2]])
expected = np.array([[0, 1, 0, 2, 0, 0],
                     [0, 2, 1, 0, 2, 0],
                     [0, 0, 1, 0, 0, 0]], dtype=float)  # vocab_size 6: word 5 occurs nowhere
padding = (token_ids == 0).sum(axis=1)
with_padding = expected + np.outer(padding, np.eye(6)[0])
checks.check_close("bag_of_words(token_ids, 6)", checks.call(bag_of_words, token_ids, 6), expected,
                   likely_mistakes={
    "padding is counted: id 0 is not a word, so counts[:, 0] must stay 0": with_padding,
    "a word that occurs twice must count 2, not 1: count the words, do not just mark them": np.minimum(expected, 1),
    "word id j must be counted in column j; yours are shifted by one column": np.roll(expected, -1, axis=1),
    "word id j must be counted in column j; yours are shifted by one column (and padding lands in the last one)":
        np.roll(with_padding, -1, axis=1),
    "divided by the sentence length: return counts, not frequencies": expected / (5 - padding)[:, None],
})
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
N, T, V = 25, 9, 13
token_ids = rng.integers(1, V, size=(N, T))
for n, length in enumerate(rng.integers(0, T + 1, size=N)):
    token_ids[n, :T - length] = 0  # left padding; some sentences are empty, some fill every position
expected = np.zeros((N, V))
for n in range(N):
    for word in token_ids[n]:
        if word != 0:
            expected[n, word] += 1
checks.check_close("bag_of_words(token_ids, 13)", checks.call(bag_of_words, token_ids, V), expected, rtol=0, atol=1e-12)
### END HIDDEN TESTS
print("bag_of_words counts the words")

# %% nbgrader={"grade": true, "grade_id": "test_bag_of_words_ignores_order_and_padding", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""bag_of_words is blind to order: the same words in any order, with any amount of padding, give the same bag."""
twins = ["the movie was good and not bad", "the movie was not good and bad"]
bags = checks.call(bag_of_words, sentences.encode(twins), sentences.VOCAB_SIZE)
checks.check_shape("bag_of_words(token_ids, VOCAB_SIZE)", bags, (2, sentences.VOCAB_SIZE))
checks.check_close(f"the bag of '{twins[1]}' (expected: the bag of '{twins[0]}')", bags[1], bags[0])
longer = checks.call(bag_of_words, sentences.encode(twins, max_len=16), sentences.VOCAB_SIZE)
if not np.allclose(longer, bags):
    raise AssertionError("bag_of_words changed when the same sentences got more padding (T = 16 instead of 10): "
                         "a bag must depend only on the words of a sentence, not on how much padding it has")
checks.check_close("counts[:, 0], the padding column", bags[:, 0], np.zeros(2))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
token_ids, _ = sentences.make_dataset(30, seed=11, max_len=12)
shuffled = np.array([rng.permutation(row) for row in token_ids])  # padding moves anywhere
lengths = (token_ids != 0).sum(axis=1)
in_order = checks.call(bag_of_words, token_ids, sentences.VOCAB_SIZE)
checks.check_close("bag_of_words of the shuffled sentences (expected: the bags of the sentences in order)",
                   checks.call(bag_of_words, shuffled, sentences.VOCAB_SIZE), in_order, rtol=0, atol=1e-12)
checks.check_close("the total count of each sentence (expected: its number of words)",
                   np.asarray(in_order).sum(axis=1), lengths, rtol=0, atol=1e-12)
### END HIDDEN TESTS
print("bag_of_words is blind to order and padding")

# %% [markdown] nbgrader={"grade": false, "grade_id": "sentences_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The sentences
#
# Exercises 3 and 4 use short sentences that the course generates (`rnncourse.sentences`), with a vocabulary of `sentences.VOCAB_SIZE` words.
# Each is an opener such as "the movie was" and one or two clauses joined by "and"; "not" negates only its own clause.
# Half of them are *twins*: two sentences made of the same words in a different order, with opposite labels, such as
#
# - "the movie was good and not bad" (positive, label 1)
# - "the movie was not good and bad" (negative, label 0).
#
# The twins have the same bag of words, so a model that sees only the bag gives them the same answer and gets one of the two wrong.
# `sentences.bag_ceiling` computes the best accuracy any function of the bag of words can reach on a set of sentences.

# %% nbgrader={"grade": false, "grade_id": "the_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
x_train, y_train = sentences.make_dataset(2000, seed=1)  # word ids (2000, 10), left-padded with 0; labels (2000,)
x_test, y_test = sentences.make_dataset(2000, seed=2)    # fresh sentences to measure accuracy on
for text, label in zip(sentences.decode(x_train[:6]), y_train[:6]):
    print("positive" if label == 1 else "negative", "|", text)
print(f"bag-of-words ceiling on the test sentences: {sentences.bag_ceiling(x_test, y_test):.3f}")


# %% [markdown] nbgrader={"grade": false, "grade_id": "training_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The tests train your models with the function below: the same seed, data, batch size and number of epochs for everyone.

# %% nbgrader={"grade": false, "grade_id": "training", "locked": true, "schema_version": 3, "solution": false, "task": false}
def train_classifier(build, inputs, labels, epochs=10, seed=0):
    """Build a model with build(VOCAB_SIZE), check it, train it for `epochs` epochs in batches of 32."""
    keras.utils.set_random_seed(seed)  # the same initial weights and batches in every run
    model = build(sentences.VOCAB_SIZE)
    check_model(model, build.__name__)
    check_one_output_per_sentence(model, build.__name__, inputs)
    try:
        model.fit(inputs, labels, epochs=epochs, batch_size=32, verbose=0)
    except (ValueError, TypeError) as error:
        raise AssertionError(f"{build.__name__}(VOCAB_SIZE): training failed with {type(error).__name__}: "
                             f"{first_line(error)}") from None
    return model


def first_line(error):
    """The first line of an error's message that says something (Keras puts "Exception encountered ..." first)."""
    import re
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Exception encountered")]
    return (lines or [""])[0][:300]


def check_one_output_per_sentence(model, name, inputs):
    """Fail unless the model gives one output per sentence, before training it."""
    try:
        outputs = predict(model, inputs[:2])
    except (ValueError, TypeError) as error:
        raise AssertionError(f"{name}(VOCAB_SIZE): calling the model on 2 sentences failed with {type(error).__name__}: "
                             f"{first_line(error)}") from None
    if outputs.shape != (2, 1):
        per_word = outputs.ndim == 3 and outputs.shape[1] == np.shape(inputs)[1]
        raise AssertionError(f"{name}(VOCAB_SIZE): for 2 sentences the model must give outputs of shape (2, 1), one "
                             f"probability per sentence; got {outputs.shape}"
                             + (": one output per word. The classifier needs one per sentence, from the state after "
                                "the last word (what SimpleRNN returns unless return_sequences=True)" if per_word else ""))


def check_model(model, name):
    """Fail unless `model` is a compiled Keras model."""
    checks.check_type(f"{name}(VOCAB_SIZE)", model, keras.Model)
    if not getattr(model, "compiled", True):
        raise AssertionError(f"{name} must return a compiled model: call model.compile(...) before returning it")


def predict(model, inputs):
    """The model's outputs for a batch of inputs, as a NumPy array."""
    return np.asarray(model(np.asarray(inputs), training=False))


def check_probabilities(name, outputs, n):
    """Fail unless `outputs` are n probabilities of shape (n, 1)."""
    checks.check_shape(name, outputs, (n, 1))
    if not np.all((outputs >= 0) & (outputs <= 1)):
        raise AssertionError(f"{name}: expected probabilities between 0 and 1, got values from "
                             f"{outputs.min():.3g} to {outputs.max():.3g} (an output layer "
                             f"keras.layers.Dense(1, activation=\"sigmoid\") gives values between 0 and 1)")


def keras_bags(token_ids):
    """The bags of words of the sentences, counted by Keras as in the lecture (not by your Exercise 2)."""
    bags = np.array(keras.layers.CategoryEncoding(num_tokens=sentences.VOCAB_SIZE, output_mode="count")(token_ids))
    bags[:, 0] = 0  # padding is not a word
    return bags


def learning_rate_of(model):
    """The learning rate the model was compiled with, or None if it cannot be read."""
    try:
        return float(np.asarray(model.optimizer.learning_rate))
    except Exception:  # only used to add a fact to a failure message
        return None


def check_accuracy(model, outputs, token_ids, labels, what, minimum):
    """Fail unless the accuracy on `what` is at least `minimum`; the message says where the model goes wrong."""
    accuracy = sentences.accuracy(outputs, labels)
    if accuracy >= minimum:
        return
    facts = [f"accuracy on {what}: expected at least {minimum:.3f}, got {accuracy:.3f}"]
    twins = sentences.order_sensitive(token_ids, labels)
    if twins.any() and (~twins).any():
        on_twins, on_others = (sentences.accuracy(outputs[mask], labels[mask]) for mask in (twins, ~twins))
        facts.append(f"{on_twins:.3f} on the twins, {on_others:.3f} on the other sentences" + (
            " (the twins differ only in word order)" if on_twins <= 0.6 and on_others >= 0.9 else ""))
    values = np.asarray(outputs, dtype=float).ravel()
    if np.ptp(values) < 1e-6:
        facts.append(f"the model gives every sentence the same output, {values[0]:.6g}" + (
            ", as a softmax over a single unit always does (it divides the unit's exponential by itself): "
            "a sigmoid gives one probability" if abs(values[0] - 1) < 1e-6 else ""))
    learning_rate = learning_rate_of(model)
    if learning_rate is not None and not np.isclose(learning_rate, 0.01):
        facts.append(f"the model was compiled with a learning rate of {learning_rate:.3g}; the suggested model, "
                     f"compiled with 0.01, passes this test after the 10 epochs of training")
    raise AssertionError("; ".join(facts))


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: a feedforward classifier on the bag of words (3 points)
#
# Write `build_feedforward_classifier(vocab_size)` that returns a compiled Keras model.
# It reads a batch of bags of words, shape `(N, vocab_size)`, and outputs for each sentence the probability that it is positive: shape `(N, 1)`, values between 0 and 1.
# This model does it; we suggest you build exactly it (another model that passes the tests earns the same points):
# - `keras.Input(shape=(vocab_size,))`,
# - a hidden layer `keras.layers.Dense(32, activation="relu")`,
# - an output layer `keras.layers.Dense(1, activation="sigmoid")`,
#
# compiled with `optimizer=keras.optimizers.Adam(learning_rate=0.01)`, `loss="binary_crossentropy"` and `metrics=["accuracy"]`.
# Do not train it: the tests do, with `train_classifier`, on the bags of words of the 2000 training sentences.
# The tests make those bags themselves, with Keras's `CategoryEncoding` as in the lecture, so this exercise does not depend on your Exercise 2.
#
# *Checked by:* the shape and range of the outputs for two vocabulary sizes (1 point), and, after training, an accuracy on 2000 fresh sentences within 0.05 of the bag-of-words ceiling (2 points); the hidden test also asks it to get at least 0.95 of the sentences that are not twins right, among 1000 other fresh sentences.

# %% nbgrader={"grade": false, "grade_id": "build_feedforward_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_feedforward_classifier(vocab_size):
    """A compiled Keras model: bags of words (N, vocab_size) -> probability of 'positive' (N, 1)."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(vocab_size,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% [markdown]
# Try it: an untrained model gives probabilities near 0.5.

# %%
ff_try = build_feedforward_classifier(sentences.VOCAB_SIZE)
print(ff_try.count_params(), "parameters")
predict(ff_try, keras_bags(x_train[:3]))

# %% nbgrader={"grade": true, "grade_id": "test_feedforward_classifier_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_feedforward_classifier returns a compiled model: bags (N, vocab_size) in, probabilities (N, 1) out."""
keras.utils.set_random_seed(0)
model = checks.call(build_feedforward_classifier, sentences.VOCAB_SIZE)
check_model(model, "build_feedforward_classifier")
bags = np.random.default_rng(0).integers(0, 3, size=(50, sentences.VOCAB_SIZE)).astype(float)
check_probabilities("the outputs for 50 bags of words", predict(model, bags), 50)
### BEGIN HIDDEN TESTS
model = checks.call(build_feedforward_classifier, 7)  # another vocabulary size
check_model(model, "build_feedforward_classifier")
check_probabilities("the outputs for 5 bags with vocab_size 7",
                    predict(model, np.random.default_rng(1).integers(0, 3, size=(5, 7)).astype(float)), 5)
### END HIDDEN TESTS
print("the feedforward model gives one probability per sentence")

# %% nbgrader={"grade": true, "grade_id": "test_feedforward_classifier_reaches_ceiling", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained on bags of words, the feedforward model comes within 0.05 of the bag-of-words ceiling on fresh sentences."""
x_tr, y_tr = sentences.make_dataset(2000, seed=1)
x_te, y_te = sentences.make_dataset(2000, seed=2)
ff_model = train_classifier(build_feedforward_classifier, keras_bags(x_tr), y_tr)
outputs = predict(ff_model, keras_bags(x_te))
check_probabilities("the outputs for the test sentences", outputs, len(x_te))
ff_accuracy, ceiling = sentences.accuracy(outputs, y_te), sentences.bag_ceiling(x_te, y_te)
print(f"feedforward accuracy on fresh sentences: {ff_accuracy:.3f} (bag-of-words ceiling {ceiling:.3f})")
check_accuracy(ff_model, outputs, x_te, y_te, "2000 fresh sentences", ceiling - 0.05)
### BEGIN HIDDEN TESTS
# On other fresh sentences, the model gets right every sentence that is not a twin (the prompt: at least 0.95).
x_h, y_h = sentences.make_dataset(1000, seed=3)
twins = sentences.order_sensitive(x_h, y_h)
outputs = predict(ff_model, keras_bags(x_h))
check_accuracy(ff_model, outputs[~twins], x_h[~twins], y_h[~twins],
               "the sentences that are not twins, among 1000 other fresh sentences", 0.95)
### END HIDDEN TESTS
print(f"the feedforward model reached {ff_accuracy:.3f}, the most a bag of words allows is {ceiling:.3f}")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: a recurrent classifier (4 points)
#
# A recurrent layer reads the words one at a time and carries a hidden state from each word to the next, so what it makes of "bad" can depend on the "not" before it.
# Unit 02 shows how it works; here you use it as a Keras layer.
#
# Write `build_recurrent_classifier(vocab_size)` that returns a compiled Keras model.
# It reads a batch of word ids, shape `(N, T)`, padded on the left with 0, and outputs for each sentence the probability that it is positive, shape `(N, 1)`.
# It must accept sentences of any length `T`: the tests give it several.
# This model does it; we suggest you build exactly it (another model that passes the tests earns the same points):
# - `keras.Input(shape=(None,), dtype="int32")`: the `None` lets `T` be any length;
# - `keras.layers.Embedding(vocab_size, 16, mask_zero=True)`: it turns each word id into a learned vector of 16 numbers, and `mask_zero=True` tells the next layer to skip the padding;
# - `keras.layers.SimpleRNN(32)`: it reads the vectors in order and returns its last hidden state, shape `(N, 32)`;
# - `keras.layers.Dense(1, activation="sigmoid")`,
#
# compiled as in Exercise 3.
# The tests train it with `train_classifier` for 10 epochs on the word ids of the 2000 training sentences.
#
# *Checked by:* the shape and range of the outputs for sentences of several lengths and two vocabulary sizes (1 point), and, after training, an accuracy of at least 0.95 on 2000 fresh sentences, well above the bag-of-words ceiling of 0.75 (3 points); the hidden test asks the same of 1000 other fresh sentences, and at least 0.9 on the twins among them.

# %% nbgrader={"grade": false, "grade_id": "build_recurrent_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_recurrent_classifier(vocab_size):
    """A compiled Keras model: word ids (N, T), any T, left-padded with 0 -> probability of 'positive' (N, 1)."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, 16, mask_zero=True),
        keras.layers.SimpleRNN(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% [markdown]
# Try it: it takes the word ids as they are, padding included.

# %%
rnn_try = build_recurrent_classifier(sentences.VOCAB_SIZE)
print(rnn_try.count_params(), "parameters")
predict(rnn_try, x_train[:3])

# %% nbgrader={"grade": true, "grade_id": "test_recurrent_classifier_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_recurrent_classifier returns a compiled model: word ids (N, T) of any length T in, probabilities (N, 1) out."""
keras.utils.set_random_seed(0)
model = checks.call(build_recurrent_classifier, sentences.VOCAB_SIZE)
check_model(model, "build_recurrent_classifier")

def check_any_length(model, n, max_len, seed, worked_for=None):
    """The model's outputs for n sentences padded to max_len words are n probabilities."""
    token_ids, _ = sentences.make_dataset(n, seed=seed, max_len=max_len)
    try:
        outputs = predict(model, token_ids)
    except Exception as error:  # whatever Keras raises, the message shows it
        raise AssertionError(
            f"the model failed on word ids of shape {token_ids.shape} with {type(error).__name__}: {first_line(error)}"
            + (f". It worked on word ids of shape {worked_for}, so something in it needs sentences of one length: "
               f"the prompt asks for any length T" if worked_for else "")) from None
    check_probabilities(f"the outputs for word ids of shape {token_ids.shape}", outputs, n)
    return token_ids.shape

first_shape = check_any_length(model, 40, sentences.MAX_LEN, seed=0)
check_any_length(model, 40, 15, seed=1, worked_for=first_shape)
### BEGIN HIDDEN TESTS
check_any_length(model, 9, 23, seed=5, worked_for=first_shape)
other = checks.call(build_recurrent_classifier, 30)  # another vocabulary size
check_model(other, "build_recurrent_classifier")
check_any_length(other, 12, 11, seed=6)
### END HIDDEN TESTS
print("the recurrent model gives one probability per sentence, for any length")

# %% nbgrader={"grade": true, "grade_id": "test_recurrent_classifier_beats_ceiling", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Trained on word ids, the recurrent model reaches at least 0.95 on fresh sentences, well above the bag-of-words ceiling."""
x_tr, y_tr = sentences.make_dataset(2000, seed=1)
x_te, y_te = sentences.make_dataset(2000, seed=2)
rnn_model = train_classifier(build_recurrent_classifier, x_tr, y_tr)
outputs = predict(rnn_model, x_te)
check_probabilities("the outputs for the test sentences", outputs, len(x_te))
rnn_accuracy, ceiling = sentences.accuracy(outputs, y_te), sentences.bag_ceiling(x_te, y_te)
print(f"recurrent accuracy on fresh sentences: {rnn_accuracy:.3f} (bag-of-words ceiling {ceiling:.3f})")
check_accuracy(rnn_model, outputs, x_te, y_te, "2000 fresh sentences", 0.95)
### BEGIN HIDDEN TESTS
x_h, y_h = sentences.make_dataset(1000, seed=4)
twins = sentences.order_sensitive(x_h, y_h)
outputs = predict(rnn_model, x_h)
check_accuracy(rnn_model, outputs, x_h, y_h, "1000 other fresh sentences", 0.95)
check_accuracy(rnn_model, outputs[twins], x_h[twins], y_h[twins], "the twins among 1000 other fresh sentences", 0.9)
### END HIDDEN TESTS
print(f"the recurrent model reached {rnn_accuracy:.3f}, above the bag-of-words ceiling of {ceiling:.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: the ceiling (2 points, graded by hand)
#
# Your feedforward model stopped at about 0.75 on the test sentences, and the recurrent one did much better.
# Would a feedforward model with 10 hidden layers of 1000 units, trained for longer, pass 0.75 on the bags of words?
# In three to five sentences, explain why no feedforward model that reads the bag of words can do better than the ceiling, whatever its size, using the twins; and say what the recurrent model has that it lacks.

# %% [markdown] nbgrader={"grade": true, "grade_id": "ceiling_answer", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).* Full marks need both points:
# 1. **The input, not the network, is the limit.** Twins such as "good and not bad" (positive) and "not good and bad" (negative) contain the same words, so their bags of words are the same vector. A feedforward model is a function of its input: whatever its size, depth, weights or training, it gives the same output, hence the same prediction, for both, and one of the two is wrong. Half of the sentences are twins, so at most 1 - 1/4 = 0.75 are right. The order was thrown away before the network saw the data; more units cannot get it back.
# 2. **Memory of the order.** The recurrent model reads the words one at a time and carries a hidden state from one word to the next, so when it reads "bad" its state already records whether "not" came just before; the twins give different states and can get different answers.
#
# One point for each. No marks for "the model is too small", "it needs more epochs" or "it overfits"; half a point for point 1 stated without the reason (the same input gives the same output).
# ### END SOLUTION
