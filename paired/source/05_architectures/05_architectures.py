# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 05 assignment: architecture types
#
# In this assignment you build the architectures of the lecture in Keras, each for a task the course generates, and you write the loops that make a trained model generate and translate.
#
# **Learning goals.** After it you can
# - give the input, hidden and output shapes of the five architectures for any sizes;
# - build a many-to-one classifier (one answer per sentence) and a many-to-many tagger (one answer per word), and say what `return_sequences` changes;
# - sample from a probability distribution with a temperature, and say what the temperature trades off;
# - generate a sequence from one seed with a next-note model, one step at a time;
# - build an encoder-decoder trained with teacher forcing, and decode it greedily;
# - explain why sequences of different lengths and orders need an encoder-decoder.
#
# **How it is graded.** Each exercise says its points.
# The locked test cells below each exercise run visible tests; when you submit, the same cells also run hidden tests on fresh inputs, so make your code work for any sizes, not only the ones shown.
# You do not train the Keras models yourself: the tests train them, with fixed seeds, data and numbers of epochs, and measure what they learned on fresh data.
# All the training together takes about half a minute.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import keras
from rnncourse import arch_data, arch_plots, checks

np.set_printoptions(precision=3, suppress=True)


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def train(build, args, inputs, targets, epochs, batch_size, seed=0):
    """Build a model with build(*args), check it, and train it: the same seed, data and batches for everyone."""
    keras.utils.set_random_seed(seed)  # the same initial weights and batches in every run
    model = build(*args)
    name = f"{build.__name__}{args}"
    check_model(model, name)
    check_outputs_fit_targets(model, name, inputs, targets)
    check_loss_fits_targets(model, name, targets)
    try:
        model.fit(inputs, targets, epochs=epochs, batch_size=batch_size, verbose=0)
    except (ValueError, TypeError) as error:
        raise AssertionError(f"{name}: training failed with {type(error).__name__}: {first_line(error)}") from None
    return model


def first_line(error):
    """The first line of an error's message that says something (Keras puts "Exception encountered ..." first)."""
    import re
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Exception encountered")]
    return (lines or [""])[0][:300]


def check_loss_fits_targets(model, name, targets):
    """Fail if the targets are class ids but the loss expects one-hot vectors."""
    loss = getattr(model, "loss", None)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", "")
    if loss_name == "categorical_crossentropy" and np.issubdtype(np.asarray(targets).dtype, np.integer):
        raise AssertionError(f"{name}: the targets are class ids (integers), which the loss "
                             f"\"sparse_categorical_crossentropy\" takes; \"categorical_crossentropy\" expects "
                             f"one-hot vectors")


def check_outputs_fit_targets(model, name, inputs, targets):
    """Fail unless the model gives one distribution over the classes for every target, before training it."""
    few = [a[:2] for a in inputs] if isinstance(inputs, list) else inputs[:2]
    outputs = predict(model, few)
    wanted = np.shape(targets[:2])
    if outputs.shape[:-1] != wanted:
        hint = (" A recurrent layer without return_sequences=True gives one output per sequence, not one per step."
                if outputs.ndim == len(wanted) else "")
        shape = "(" + ", ".join(str(size) for size in wanted) + ", number of classes)"
        raise AssertionError(f"{name}: for the training targets of shape {wanted} the model must give outputs of shape "
                             f"{shape}, one distribution per target; got {outputs.shape}.{hint}")


def check_model(model, name):
    """Fail unless `model` is a compiled Keras model."""
    checks.check_type(name, model, keras.Model)
    if not getattr(model, "compiled", True):
        raise AssertionError(f"{name} must return a compiled model: call model.compile(...) before returning it")


def predict(model, inputs):
    """The model's outputs for a batch of inputs, as a NumPy array."""
    try:
        return np.asarray(model(inputs, training=False))
    except (ValueError, TypeError) as error:
        shapes = " and ".join(str(np.shape(a)) for a in inputs) if isinstance(inputs, list) else str(np.shape(inputs))
        raise AssertionError(f"calling the model on inputs of shape {shapes} failed with {type(error).__name__}: "
                             f"{first_line(error)}") from None


def optimizer_note(model):
    """A sentence if the model's optimizer is not the prompt's Adam(learning_rate=0.01), else "": said only when true."""
    try:
        rate = float(np.asarray(model.optimizer.learning_rate))
        kind = str(model.optimizer.name)
    except Exception:  # a model whose optimizer cannot be read gets no note, not a guess
        return ""
    wrong = [f"a learning rate of {rate:g}"] if abs(rate - 0.01) > 1e-6 else []
    wrong += [f"the optimizer {kind!r}"] if "adam" not in kind.lower() else []
    if not wrong:
        return ""
    return f" Your model was compiled with {' and '.join(wrong)}; the prompt asks for Adam(learning_rate=0.01)."


def check_probabilities(name, outputs, shape):
    """Fail unless `outputs` has `shape` and holds probabilities that sum to 1 over the last axis (the classes)."""
    checks.check_shape(name, outputs, shape)
    checks.check_finite(name, outputs)
    if outputs.min() < -1e-6 or outputs.max() > 1 + 1e-6:
        raise AssertionError(f"{name}: expected probabilities between 0 and 1, got values from {outputs.min():.3g} "
                             f"to {outputs.max():.3g}; end the model with a Dense layer with activation=\"softmax\"")
    sums = outputs.sum(axis=-1)
    if not np.allclose(sums, 1, atol=1e-3):
        hint = ("with a sigmoid each class gets a probability of its own, and they need not sum to 1; use "
                "activation=\"softmax\"")
        if outputs.ndim == 3 and np.allclose(outputs.sum(axis=1), 1, atol=1e-3):
            hint = "they sum to 1 over the time steps (axis 1) instead: the softmax must run over the classes, the last axis"
        elif np.allclose(outputs.sum(axis=0), 1, atol=1e-3):
            hint = "they sum to 1 over the batch (axis 0) instead: the softmax must run over the classes, the last axis"
        raise AssertionError(f"{name}: the probabilities of the classes must sum to 1 for every example, over the "
                             f"last axis; yours sum to values from {sums.min():.3g} to {sums.max():.3g}: {hint}")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: the shapes of the five architectures (5 points)
#
# Every architecture reads a batch of inputs, computes hidden states and returns a batch of outputs.
# The sizes are
# - `N` examples in a batch;
# - `T` steps in the sequence of the one-to-many, many-to-one and many-to-many models (their input sequence, output sequence or both);
# - `D` numbers in each input vector, `H` hidden units, `V` classes in each output (the output is a probability for each class);
# - `T_in` steps in the source and `T_out` steps in the target of the encoder-decoder.
#
# These are the Keras models of the lecture, on vectors:
#
# | architecture | Keras model |
# |---|---|
# | `one_to_one` | `Input((D,))` → `Dense(H, activation="tanh")` → `Dense(V, activation="softmax")` |
# | `one_to_many` | `Input((D,))` → `RepeatVector(T)` → `SimpleRNN(H, return_sequences=True)` → `Dense(V, activation="softmax")` |
# | `many_to_one` | `Input((T, D))` → `SimpleRNN(H)` → `Dense(V, activation="softmax")` |
# | `many_to_many` | `Input((T, D))` → `SimpleRNN(H, return_sequences=True)` → `Dense(V, activation="softmax")` |
# | `encoder_decoder` | encoder: `Input((T_in, D))` → `SimpleRNN(H, return_state=True)`, whose last state is the context; decoder: `Input((T_out, V))` (the previous outputs, one-hot) → `SimpleRNN(H, return_sequences=True)` started from the context → `Dense(V, activation="softmax")` |
#
# Write `architecture_shapes(N, T, D, H, V, T_in, T_out)` that returns a dict with one entry per architecture, named as in the table.
# Each entry is itself a dict of shapes, each a tuple of ints:
# - `"input"`: the batch the model reads (for the encoder-decoder, the source);
# - `"hidden"`: the hidden states the output layer reads (for one-to-one, the output of the `Dense(H)` layer; for the encoder-decoder, the decoder's states);
# - `"output"`: the probabilities the model returns;
# - for `encoder_decoder` only, also `"context"`: the encoder's last state, from which the decoder starts.
#
# For example, `architecture_shapes(2, 5, 3, 4, 6, 7, 8)["one_to_one"]` is `{"input": (2, 3), "hidden": (2, 4), "output": (2, 6)}`.
#
# *Checked by:* the tests build each model with the given sizes, call it on a batch, and compare its shapes with yours, for the sizes above and for others (1 point per architecture).

# %% nbgrader={"grade": false, "grade_id": "architecture_shapes", "locked": false, "schema_version": 3, "solution": true, "task": false}
def architecture_shapes(N, T, D, H, V, T_in, T_out):
    """{architecture: {"input": shape, "hidden": shape, "output": shape}} for the five models of the table.

    The encoder_decoder entry also has "context": the shape of the encoder's last state.
    """
    ### BEGIN SOLUTION
    return {
        "one_to_one": {"input": (N, D), "hidden": (N, H), "output": (N, V)},
        "one_to_many": {"input": (N, D), "hidden": (N, T, H), "output": (N, T, V)},
        "many_to_one": {"input": (N, T, D), "hidden": (N, H), "output": (N, V)},
        "many_to_many": {"input": (N, T, D), "hidden": (N, T, H), "output": (N, T, V)},
        "encoder_decoder": {"input": (N, T_in, D), "context": (N, H), "hidden": (N, T_out, H),
                            "output": (N, T_out, V)},
    }
    ### END SOLUTION


# %% [markdown]
# The overview of the lecture may help:

# %%
arch_plots.architecture_overview();

# %% [markdown]
# Try your function:

# %%
architecture_shapes(N=2, T=5, D=3, H=4, V=6, T_in=7, T_out=8)


# %% nbgrader={"grade": false, "grade_id": "shape_check", "locked": true, "schema_version": 3, "solution": false, "task": false}
def lecture_model_shapes(kind, N, T, D, H, V, T_in, T_out):
    """The shapes of the lecture's Keras model of `kind`, read off a call on a batch of zeros."""
    layers = keras.layers
    if kind == "encoder_decoder":
        source, previous = keras.Input((T_in, D)), keras.Input((T_out, V))
        _, context = layers.SimpleRNN(H, return_state=True)(source)
        states = layers.SimpleRNN(H, return_sequences=True)(previous, initial_state=context)
        model = keras.Model([source, previous], [context, states, layers.Dense(V, activation="softmax")(states)])
        batch = np.zeros((N, T_in, D), dtype="float32")
        context, states, outputs = model([batch, np.zeros((N, T_out, V), dtype="float32")])
        return {"input": batch.shape, "context": tuple(context.shape), "hidden": tuple(states.shape),
                "output": tuple(outputs.shape)}
    inputs = keras.Input((D,) if kind in ("one_to_one", "one_to_many") else (T, D))
    if kind == "one_to_one":
        hidden = layers.Dense(H, activation="tanh")(inputs)
    elif kind == "one_to_many":
        hidden = layers.SimpleRNN(H, return_sequences=True)(layers.RepeatVector(T)(inputs))
    elif kind == "many_to_one":
        hidden = layers.SimpleRNN(H)(inputs)
    else:
        hidden = layers.SimpleRNN(H, return_sequences=True)(inputs)
    model = keras.Model(inputs, [hidden, layers.Dense(V, activation="softmax")(hidden)])
    batch = np.zeros((N,) + tuple(inputs.shape[1:]), dtype="float32")
    hidden, outputs = model(batch)
    return {"input": batch.shape, "hidden": tuple(hidden.shape), "output": tuple(outputs.shape)}


def check_architecture(kind, N, T, D, H, V, T_in, T_out):
    """Compare architecture_shapes(...)[kind] with the shapes of the lecture's Keras model."""
    sizes = dict(N=N, T=T, D=D, H=H, V=V, T_in=T_in, T_out=T_out)
    call = f"architecture_shapes({', '.join(f'{k}={v}' for k, v in sizes.items())})"
    answer = checks.call(architecture_shapes, *sizes.values())
    checks.check_type(call, answer, dict)
    if kind not in answer:
        raise AssertionError(f"{call} has no entry {kind!r}; its keys must be 'one_to_one', 'one_to_many', "
                             f"'many_to_one', 'many_to_many' and 'encoder_decoder'")
    checks.check_type(f"{call}[{kind!r}]", answer[kind], dict)
    names = {value: name for name, value in sizes.items()}
    unique = len(names) == len(sizes)

    def symbolic(shape):
        return "(" + ", ".join(names.get(s, str(s)) for s in shape) + ")" if unique else ""

    for part, expected in lecture_model_shapes(kind, **sizes).items():
        where = f"{call}[{kind!r}][{part!r}]"
        if part not in answer[kind]:
            raise AssertionError(f"{call}[{kind!r}] has no entry {part!r}")
        try:
            got = tuple(int(s) for s in answer[kind][part])
        except (TypeError, ValueError):
            raise AssertionError(f"{where}: expected a tuple of ints such as {expected}, "
                                 f"got {answer[kind][part]!r}") from None
        if got != tuple(expected):
            detail = f" that is {symbolic(expected)}, got {got}, that is {symbolic(got)}" if unique else f", got {got}"
            raise AssertionError(f"{where}: expected {tuple(expected)}{detail}")


VISIBLE_SIZES = dict(N=2, T=5, D=3, H=4, V=6, T_in=7, T_out=8)  # all different, so a mix-up shows
HIDDEN_SIZES = [dict(N=3, T=9, D=2, H=7, V=5, T_in=4, T_out=11), dict(N=16, T=12, D=10, H=32, V=20, T_in=6, T_out=3),
                dict(N=1, T=1, D=1, H=3, V=2, T_in=1, T_out=2)]

# %% nbgrader={"grade": true, "grade_id": "test_shapes_one_to_one", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""architecture_shapes gives the shapes of the one_to_one model (one input vector, one output)."""
check_architecture("one_to_one", **VISIBLE_SIZES)
### BEGIN HIDDEN TESTS
for sizes in HIDDEN_SIZES:
    check_architecture("one_to_one", **sizes)
### END HIDDEN TESTS
print("the shapes of one_to_one are right")

# %% nbgrader={"grade": true, "grade_id": "test_shapes_one_to_many", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""architecture_shapes gives the shapes of the one_to_many model (one input vector, an output at every step)."""
check_architecture("one_to_many", **VISIBLE_SIZES)
### BEGIN HIDDEN TESTS
for sizes in HIDDEN_SIZES:
    check_architecture("one_to_many", **sizes)
### END HIDDEN TESTS
print("the shapes of one_to_many are right")

# %% nbgrader={"grade": true, "grade_id": "test_shapes_many_to_one", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""architecture_shapes gives the shapes of the many_to_one model (a sequence in, one output at the end)."""
check_architecture("many_to_one", **VISIBLE_SIZES)
### BEGIN HIDDEN TESTS
for sizes in HIDDEN_SIZES:
    check_architecture("many_to_one", **sizes)
### END HIDDEN TESTS
print("the shapes of many_to_one are right")

# %% nbgrader={"grade": true, "grade_id": "test_shapes_many_to_many", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""architecture_shapes gives the shapes of the many_to_many model (a sequence in, an output at every step)."""
check_architecture("many_to_many", **VISIBLE_SIZES)
### BEGIN HIDDEN TESTS
for sizes in HIDDEN_SIZES:
    check_architecture("many_to_many", **sizes)
### END HIDDEN TESTS
print("the shapes of many_to_many are right")

# %% nbgrader={"grade": true, "grade_id": "test_shapes_encoder_decoder", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""architecture_shapes gives the shapes of the encoder_decoder model (a source of T_in steps in, a target of T_out steps out)."""
check_architecture("encoder_decoder", **VISIBLE_SIZES)
### BEGIN HIDDEN TESTS
for sizes in HIDDEN_SIZES:
    check_architecture("encoder_decoder", **sizes)
### END HIDDEN TESTS
print("the shapes of encoder_decoder are right")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: many-to-one, the sentiment of a review (3 points)
#
# `arch_data.make_reviews` generates short reviews, each with one of three labels, 0 negative, 1 mixed or 2 positive (`arch_data.CLASSES`).
# A review is one clause, or two clauses joined by "and" or "but"; "not" negates only its own clause.
# A third of the reviews are *twins*: pairs made of the same words in another order, with opposite labels, such as "good and not bad" (positive) and "not good and bad" (negative).
# So a model must read the words in order: one that sees only which words occur gets one of each pair wrong, and `arch_data.bag_of_words_ceiling` computes the best it can do.
# Reviews come as word ids, shape `(N, T)`, padded on the left with id 0.

# %% nbgrader={"grade": false, "grade_id": "reviews_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
review_texts, review_labels = arch_data.make_review_texts(6, seed=0)
for text, label in zip(review_texts, review_labels):
    print(f"{arch_data.CLASSES[label]:>8} | {text}")
x_reviews, y_reviews = arch_data.make_reviews(6, seed=0)
x_reviews


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# A many-to-one model reads the whole review and gives one answer at the end: the probabilities of the three classes.
# Write `build_review_classifier(vocab_size, num_classes)` that returns a compiled Keras model from word ids `(N, T)`, for any length `T`, to probabilities `(N, num_classes)`.
# Use
# - `keras.Input(shape=(None,), dtype="int32")`: `None` says that the length of the reviews may vary (the tests call your model on reviews of several lengths);
# - `keras.layers.Embedding(vocab_size, 16, mask_zero=True)`, which turns each word id into a vector of 16 numbers and tells the next layer to skip the padding;
# - `keras.layers.GRU(32)`, a recurrent layer (unit 06 opens it up) that reads the vectors in order and returns only its last hidden state, shape `(N, 32)`;
# - `keras.layers.Dense(num_classes, activation="softmax")`,
#
# and compile it with `optimizer=keras.optimizers.Adam(learning_rate=0.01)`, `loss="sparse_categorical_crossentropy"` (integer labels, probabilities out) and `metrics=["accuracy"]`.
#
# The tests judge what your model does (the shapes and values of its outputs, what it learns), not which layers it is made of: the recipe above is one that reaches the accuracy below within the tests' training budget.
#
# *Checked by:* the shape of the outputs, probabilities summing to 1 over the classes, for reviews of several lengths, longer ones included, and for other vocabularies and numbers of classes (1 point); after training for 2 epochs on 2000 reviews, an accuracy of at least 0.95 on 1000 fresh reviews, well above the bag-of-words ceiling of about 0.83, and on other fresh reviews at least 0.95 overall, 0.9 on the twins and 0.85 on the mixed reviews (2 points).

# %% nbgrader={"grade": false, "grade_id": "build_review_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_review_classifier(vocab_size, num_classes):
    """A compiled Keras model: word ids (N, T), any T, left-padded with 0 -> class probabilities (N, num_classes)."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, 16, mask_zero=True),
        keras.layers.GRU(32),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% [markdown]
# Try it: untrained, it gives each class a probability near 1/3.

# %%
review_try = build_review_classifier(len(arch_data.REVIEW_VOCAB), len(arch_data.CLASSES))
predict(review_try, x_reviews[:3])

# %% nbgrader={"grade": true, "grade_id": "test_review_classifier_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_review_classifier returns a compiled model: word ids (N, T) of any length T in, class probabilities (N, C) out."""
V, C = len(arch_data.REVIEW_VOCAB), len(arch_data.CLASSES)
keras.utils.set_random_seed(0)
model = checks.call(build_review_classifier, V, C)
check_model(model, "build_review_classifier(vocab_size, num_classes)")
x, _ = arch_data.make_reviews(40, seed=0)
check_probabilities(f"the outputs for word ids of shape {x.shape}", predict(model, x), (40, C))
longer = np.concatenate([np.zeros((5, 6), dtype=int), x[:5]], axis=1)  # the same reviews, more padding: T = 16
check_probabilities(f"the outputs for word ids of shape {longer.shape}", predict(model, longer), (5, C))
### BEGIN HIDDEN TESTS
model = checks.call(build_review_classifier, 31, 4)  # another vocabulary and number of classes, other N and T
check_probabilities("the outputs of build_review_classifier(31, 4) for word ids of shape (6, 13)",
                    predict(model, np.arange(78).reshape(6, 13) % 30 + 1), (6, 4))
### END HIDDEN TESTS
print("the review classifier gives one probability per class for each review")

# %% nbgrader={"grade": true, "grade_id": "test_review_classifier_learns", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained for 2 epochs on 2000 reviews, the classifier gets at least 95% of 1000 fresh reviews right, above the bag-of-words ceiling."""
V, C = len(arch_data.REVIEW_VOCAB), len(arch_data.CLASSES)
x_tr, y_tr = arch_data.make_reviews(2000, seed=1)
x_te, y_te = arch_data.make_reviews(1000, seed=2)
review_model = train(build_review_classifier, (V, C), x_tr, y_tr, epochs=2, batch_size=32)
outputs = predict(review_model, x_te)
check_probabilities("the outputs for the test reviews", outputs, (len(x_te), C))

ceiling = arch_data.bag_of_words_ceiling(x_te, y_te)

def check_review_accuracy(outputs, labels, what, minimum=0.95):
    accuracy = float(np.mean(outputs.argmax(axis=-1) == labels))
    print(f"accuracy on {what}: {accuracy:.3f} (bag-of-words ceiling on the test reviews: {ceiling:.3f})")
    if accuracy < minimum:
        # Only what was measured, and the optimizer when it is not the prompt's: a guessed cause could be wrong.
        blind = (f" That is no better than the bag-of-words ceiling ({ceiling:.3f}), the best any model that sees only "
                 f"which words occur can do: the prompt's GRU reads the words in order." if accuracy <= ceiling + 0.03
                 else "")
        raise AssertionError(f"accuracy on {what}: expected at least {minimum}, got {accuracy:.3f}.{blind}"
                             f"{optimizer_note(review_model)}")

check_review_accuracy(outputs, y_te, "1000 fresh reviews")
### BEGIN HIDDEN TESTS
x_h, y_h = arch_data.make_reviews(1000, seed=3)
outputs = predict(review_model, x_h)
check_review_accuracy(outputs, y_h, "other fresh reviews")
twin_mask = arch_data.twins(x_h, y_h)
check_review_accuracy(outputs[twin_mask], y_h[twin_mask], "the twins among them", 0.9)
check_review_accuracy(outputs[y_h == 1], y_h[y_h == 1], "the mixed reviews among them", 0.85)
### END HIDDEN TESTS
print("the review classifier learned the sentiment of the reviews")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: many-to-many with equal lengths, a tag for every word (3 points)
#
# `arch_data.make_tagged` generates sentences with a tag for every word, as in named-entity recognition: `O` for no name, `B-PER` and `I-PER` for the first and next words of a person's name, `B-LOC` and `I-LOC` for a place (`arch_data.TAGS`).
# Some words, such as "jordan" or "georgia", name a person in one sentence and a place in another: only the words before them tell which.
# Word ids and tag ids both have shape `(N, T)`; sentences are padded on the right with id 0, so word `t` and its tag share the index `t`.

# %% nbgrader={"grade": false, "grade_id": "tagged_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
tagged_sentences, sentence_tags = arch_data.make_tagged_sentences(4, seed=0)
for words, tags in zip(tagged_sentences, sentence_tags):
    print("  ".join(f"{word}/{arch_data.TAGS[tag]}" for word, tag in zip(words, tags)))
x_tagged, y_tagged = arch_data.make_tagged(4, seed=0)
print(x_tagged, y_tagged, sep="\n")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# A many-to-many model gives an answer at every step: here, the probabilities of the tags of every word.
# Write `build_tagger(vocab_size, num_tags)` that returns a compiled Keras model from word ids `(N, T)`, for any `T`, to tag probabilities `(N, T, num_tags)`.
# Use the layers of Exercise 2, with two changes:
# - `keras.layers.GRU(32, return_sequences=True)` returns the hidden state of every step, shape `(N, T, 32)`, not only the last one;
# - `keras.layers.Dense(num_tags, activation="softmax")` then acts on every step's state with the same weights, giving `(N, T, num_tags)`.
#
# Compile it as in Exercise 2.
# As there, the tests judge what the model does, not its layers.
# Exercise 5 reuses this function as a next-note model.
#
# *Checked by:* the shape of the outputs, probabilities summing to 1 over the tags at every position, for sentences of several lengths and for other vocabularies and numbers of tags (1 point); after training for 2 epochs on 1500 sentences, at least 97% of the words of 1000 fresh sentences tagged right, more than any tagger that looks at each word alone can reach, and on other fresh sentences at least 97% of all words and 90% of the words that name a person or a place (2 points).

# %% nbgrader={"grade": false, "grade_id": "build_tagger", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_tagger(vocab_size, num_tags):
    """A compiled Keras model: word ids (N, T), any T -> tag probabilities (N, T, num_tags), one distribution per word."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, 16, mask_zero=True),
        keras.layers.GRU(32, return_sequences=True),
        keras.layers.Dense(num_tags, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% [markdown]
# Try it: one distribution over the five tags for every word.

# %%
tagger_try = build_tagger(len(arch_data.TAGGED_VOCAB), len(arch_data.TAGS))
predict(tagger_try, x_tagged[:1]).round(2)

# %% nbgrader={"grade": true, "grade_id": "test_tagger_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_tagger returns a compiled model: word ids (N, T) of any length T in, tag probabilities (N, T, K) out."""
V, K = len(arch_data.TAGGED_VOCAB), len(arch_data.TAGS)
keras.utils.set_random_seed(0)
model = checks.call(build_tagger, V, K)
check_model(model, "build_tagger(vocab_size, num_tags)")
x, _ = arch_data.make_tagged(30, seed=0)
check_probabilities(f"the outputs for word ids of shape {x.shape}", predict(model, x), x.shape + (K,))
check_probabilities("the outputs for word ids of shape (30, 4)", predict(model, x[:, :4]), (30, 4, K))
### BEGIN HIDDEN TESTS
model = checks.call(build_tagger, 14, 6)  # another vocabulary and number of tags, other N and T
check_probabilities("the outputs of build_tagger(14, 6) for word ids of shape (2, 11)",
                    predict(model, np.arange(22).reshape(2, 11) % 13 + 1), (2, 11, 6))
### END HIDDEN TESTS
print("the tagger gives one distribution over the tags for every word")

# %% nbgrader={"grade": true, "grade_id": "test_tagger_learns", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained for 2 epochs on 1500 sentences, the tagger tags at least 97% of the words of fresh sentences right, above any word-by-word tagger."""
V, K = len(arch_data.TAGGED_VOCAB), len(arch_data.TAGS)
x_tr, y_tr = arch_data.make_tagged(1500, seed=1)
x_te, y_te = arch_data.make_tagged(1000, seed=2)
tagger_model = train(build_tagger, (V, K), x_tr, y_tr, epochs=2, batch_size=64)
outputs = predict(tagger_model, x_te)
check_probabilities("the outputs for the test sentences", outputs, y_te.shape + (K,))
ceiling = arch_data.word_only_ceiling(x_te, y_te)

def check_tag_accuracy(outputs, tags, token_ids, what, minimum=0.97):
    accuracy = arch_data.tag_accuracy(outputs.argmax(axis=-1), tags, token_ids)
    print(f"tag accuracy on {what}: {accuracy:.3f} (the best a word-by-word tagger can do on the test set: {ceiling:.3f})")
    if accuracy < minimum:
        # Only what was measured, and the optimizer when it is not the prompt's: a guessed cause could be wrong.
        alone = (f" That is no better than the best tagger that looks at each word alone ({ceiling:.3f}): the tag of "
                 f"\"jordan\" depends on the words before it, which the prompt's GRU reads in order."
                 if accuracy <= ceiling + 0.01 else "")
        raise AssertionError(f"tag accuracy on {what}: expected at least {minimum}, got {accuracy:.3f}.{alone}"
                             f"{optimizer_note(tagger_model)}")

check_tag_accuracy(outputs, y_te, x_te, "1000 fresh sentences")
### BEGIN HIDDEN TESTS
x_h, y_h = arch_data.make_tagged(1000, seed=3)
outputs = predict(tagger_model, x_h)
check_tag_accuracy(outputs, y_h, x_h, "other fresh sentences")
ambiguous = np.isin(x_h, [arch_data.TAGGED_VOCAB.index(word) for word in arch_data.AMBIGUOUS])
check_tag_accuracy(outputs, y_h, np.where(ambiguous, x_h, 0), "the words that name a person or a place", 0.9)
### END HIDDEN TESTS
print("the tagger learned to tag every word from the words before it")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: sampling with a temperature (3 points)
#
# A model that generates gives, at each step, a probability distribution $p$ over the $V$ tokens it can emit next.
# Picking the most probable token every time (greedy) is repetitive; sampling from $p$ gives variety.
# The *temperature* $\theta > 0$ controls how much: it reshapes $p$ into
#
# $$p^{(\theta)}_i = \frac{\exp(\log p_i / \theta)}{\sum_j \exp(\log p_j / \theta)} = \frac{p_i^{1/\theta}}{\sum_j p_j^{1/\theta}},$$
#
# which is $p$ itself for $\theta = 1$, sharper (closer to the argmax) for $\theta < 1$ and flatter (closer to uniform) for $\theta > 1$.
# As $\theta \to 0$ it puts all its mass on the most probable token, so $\theta = 0$ means greedy: take the argmax.
#
# Write `sample_with_temperature(probs, temperature, rng)`.
# `probs` has shape `(N, V)`, one distribution per row; return an int array of shape `(N,)` with one token index per row, drawn from that row's $p^{(\theta)}$, or its argmax when `temperature == 0`.
# Draw every random number from `rng`, a `np.random.Generator` (for example `rng.random` or `rng.choice(V, p=row)`), so that the same generator state gives the same samples.
# A token of probability 0 must never be drawn.
# A tip: NumPy prints a warning when it takes the log of 0; raising $p / \max p$ to the power $1/\theta$ gives the same distribution without a log, and keeps every number between 0 and 1.
#
# *Checked by:* the argmax for temperature 0 and for very small temperatures, the shape and type of the result (1 point); over 10 000 draws, frequencies within 0.025 of $p^{(\theta)}$ for $\theta$ = 1, 0.5 and 2 (and other temperatures), the same draws from the same generator state, never a token of probability 0, and, for rows with different distributions, each row drawn from its own (frequencies within 0.03 over 5000 draws per row) (2 points).

# %% nbgrader={"grade": false, "grade_id": "sample_with_temperature", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sample_with_temperature(probs, temperature, rng):
    """One token index per row of probs (N, V), drawn from probs reshaped by the temperature; argmax if temperature == 0."""
    ### BEGIN SOLUTION
    probs = np.asarray(probs, dtype=float)
    if temperature == 0:
        return probs.argmax(axis=-1)
    weights = (probs / probs.max(axis=-1, keepdims=True)) ** (1.0 / temperature)
    weights /= weights.sum(axis=-1, keepdims=True)
    u = rng.random((len(weights), 1))                          # one uniform number per row
    index = (u > weights.cumsum(axis=-1)).sum(axis=-1)         # the first token whose cumulative weight passes u
    return np.minimum(index, probs.shape[-1] - 1)              # guards against rounding in the last cumulative sum
    ### END SOLUTION


# %% [markdown]
# Try it: the same distribution at three temperatures, 20 draws each.

# %%
p_try = np.array([[0.6, 0.3, 0.1, 0.0]])
for tau in (0, 1, 3):
    draws = [int(sample_with_temperature(p_try, tau, np.random.default_rng(seed))[0]) for seed in range(20)]
    print(f"temperature {tau}:", draws)

# %% nbgrader={"grade": true, "grade_id": "test_sample_greedy", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""sample_with_temperature returns one int index per row, and the argmax at temperature 0 and at very small temperatures."""
probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.0, 0.45, 0.55]])
result = checks.call(sample_with_temperature, probs, 0, np.random.default_rng(0))
checks.check_shape("sample_with_temperature(probs, 0, rng) for probs of shape (4, 3)", result, (4,))
if not np.issubdtype(np.asarray(result).dtype, np.integer):
    raise AssertionError(f"sample_with_temperature must return integer token indices; got dtype {np.asarray(result).dtype}")
checks.check_close("sample_with_temperature(probs, 0, rng), the argmax of each row", result, [1, 0, 2, 2])
for tau in (0.01, 0.001):
    got = np.asarray(checks.call(sample_with_temperature, probs, tau, np.random.default_rng(1)))
    if not np.array_equal(got, [1, 0, 2, 2]):
        raise AssertionError(f"sample_with_temperature(probs, {tau}, rng): expected the argmax of each row, [1, 0, 2, 2], "
                             f"got {got.tolist()}. A small temperature sharpens the distribution towards the argmax: "
                             f"p ** (1 / temperature), that is the log-probabilities divided by the temperature")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
probs = rng.dirichlet(np.ones(7), size=50)
most_likely = probs.argmax(axis=1)
checks.check_close("sample_with_temperature of 50 random rows at temperature 0",
                   checks.call(sample_with_temperature, probs, 0, rng), most_likely)
checks.check_close("sample_with_temperature of 50 random rows at temperature 1e-4",
                   checks.call(sample_with_temperature, probs, 1e-4, rng), most_likely)
### END HIDDEN TESTS
print("temperature 0 picks the most probable token")

# %% nbgrader={"grade": true, "grade_id": "test_sample_distribution", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""sample_with_temperature draws from p ** (1 / temperature), normalised: frequencies over 10 000 draws, reproducibility, zero probabilities."""
p = np.array([0.5, 0.3, 0.15, 0.05, 0.0])
probs = np.tile(p, (10_000, 1))  # 10 000 rows with the same distribution: one draw each

def reshaped(p, tau):
    weights = p ** (1 / tau)
    return weights / weights.sum()

def check_frequencies(tau, seed):
    draws = np.asarray(checks.call(sample_with_temperature, probs, tau, np.random.default_rng(seed)))
    checks.check_shape(f"sample_with_temperature(probs, {tau}, rng)", draws, (len(probs),))
    if draws.min() < 0 or draws.max() >= len(p):
        raise AssertionError(f"sample_with_temperature returned indices from {draws.min()} to {draws.max()}; they must "
                             f"index the {len(p)} tokens of a row")
    frequencies = np.bincount(draws, minlength=len(p)) / len(draws)
    if frequencies[p == 0].sum() > 0:
        raise AssertionError(f"temperature {tau}: a token of probability 0 was drawn {int(frequencies[-1] * len(draws))} "
                             f"times; it must never be")
    checks.check_close(f"the distribution of the draws at temperature {tau}", frequencies, reshaped(p, tau),
                       rtol=0, atol=0.025, likely_mistakes={
        "the temperature is ignored: reshape the distribution into p ** (1 / temperature), normalised": p,
        "the temperature multiplies the log-probabilities instead of dividing them: use p ** (1 / temperature)":
            reshaped(p, 1 / tau),
    })
    return draws

for tau, seed in [(1.0, 0), (0.5, 1), (2.0, 2)]:
    draws = check_frequencies(tau, seed)
again = np.asarray(checks.call(sample_with_temperature, probs, 2.0, np.random.default_rng(2)))
if not np.array_equal(again, draws):
    raise AssertionError("two calls with generators in the same state gave different draws: take every random "
                         "number from rng (rng.random, rng.choice), not from np.random")
### BEGIN HIDDEN TESTS
for tau, seed in [(0.25, 10), (4.0, 11)]:
    check_frequencies(tau, seed)
# Rows with different distributions: each row is drawn from its own.
rng = np.random.default_rng(12)
rows = np.array([[0.9, 0.1, 0.0], [0.0, 0.2, 0.8]])
draws = np.asarray(checks.call(sample_with_temperature, np.repeat(rows, 5000, axis=0), 1.0, rng)).reshape(2, 5000)
for i, row in enumerate(rows):
    checks.check_close(f"the distribution of the draws of row {i}", np.bincount(draws[i], minlength=3) / 5000, row,
                       rtol=0, atol=0.03)
### END HIDDEN TESTS
print("the draws follow the distribution reshaped by the temperature")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: one-to-many, a melody from one note (3 points)
#
# `arch_data.make_melodies` generates melodies on the notes C4 to C5 of the C-major scale (ids 1 to 8, `arch_data.NOTES`).
# A melody moves one scale step at a time; at each step it keeps its direction with probability 0.7 and turns round with probability 0.3, and it always turns at the lowest and highest note.
# So where it goes next depends on its last two notes.

# %% nbgrader={"grade": false, "grade_id": "melody_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
melodies = arch_data.make_melodies(3, seed=0)
print(melodies)
arch_plots.plot_melodies(melodies, arch_data.NOTES, title="Three training melodies");


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# A *next-note model* is a tagger whose tag for each note is the note that follows it: trained on the melodies `m[:, :-1]` with the targets `m[:, 1:]`, it reads notes `(N, t)` and returns `(N, t, NUM_NOTES)` probabilities, those at position `i` for the note after note `i`.
# Used one step at a time, it generates a whole melody from one seed note: a one-to-many model.
#
# Write `generate_melodies(model, first_notes, length, temperature, rng)`.
# `first_notes` is an int array `(N,)`; return the melodies, an int array `(N, length)` whose first column is `first_notes`.
# Then, until the melodies are `length` notes long:
# 1. call the model on the melodies so far: `np.asarray(model(melodies, training=False))`, shape `(N, t, NUM_NOTES)`;
# 2. take the probabilities at the last position, `[:, -1]`: the model's guess for the note after the last one;
# 3. draw the next notes with your `sample_with_temperature(..., temperature, rng)` and append them as a new column.
#
# The model reads the whole melody each time, so that its hidden state has seen every note so far.
#
# Below is a stand-in model whose probabilities follow the rules above exactly (it goes up after the first note); the first test uses it.
#
# *Checked by:* with the stand-in, the exact melodies at temperature 0, turns within 0.04 of the stand-in's rate at temperatures 1 and 0.5, melodies of length 1, and the same melodies from the same generator state (1 point); the tagger of Exercise 3 trained for 4 epochs as a next-note model on 1000 melodies, then your generator: at temperature 1, at least 95% of the moves one scale step and a turn at 20% to 40% of the notes where a melody is free to turn (30% in the training melodies); at temperature 0, at least 99% one-step moves and turns at no more than 5% of the free notes; at temperature 0.5, at least 97% one-step moves and turns at 8% to 28% of the free notes (2 points).
# Both tests first check your `sample_with_temperature` (Exercise 4), and the second one the trained model of Exercise 3: if one of them is wrong, the test says so instead of judging `generate_melodies`.

# %% nbgrader={"grade": false, "grade_id": "melody_stand_in", "locked": true, "schema_version": 3, "solution": false, "task": false}
class StandInMelodyModel:
    """A next-note model whose probabilities are known, to try generate_melodies on.

    Called on note ids (N, t), it returns probabilities (N, t, NUM_NOTES). At each position the
    melody goes on in the direction of its last move with probability 0.7 and turns round with 0.3,
    and turns for sure where going on would leave the octave; after the first note it goes up.
    """

    def __init__(self):
        self.calls = 0

    def __call__(self, melodies, training=False):
        self.calls += 1
        melodies = np.asarray(melodies, dtype=np.int64)
        previous = np.concatenate([melodies[:, :1] - 1, melodies[:, :-1]], axis=1)  # the first note "comes from below"
        direction = np.where(melodies >= previous, 1, -1)
        onward, back = melodies + direction, melodies - direction
        free = (onward >= arch_data.LOWEST) & (onward <= arch_data.HIGHEST)
        probs = np.zeros(melodies.shape + (arch_data.NUM_NOTES,))
        n, t = np.indices(melodies.shape)
        probs[n, t, np.clip(onward, 0, arch_data.HIGHEST)] += np.where(free, 0.7, 0.0)
        probs[n, t, np.clip(back, 0, arch_data.HIGHEST)] += np.where(free, 0.3, 1.0)
        return probs

    def predict(self, melodies, **kwargs):
        return self(melodies)


# %% nbgrader={"grade": false, "grade_id": "generate_melodies", "locked": false, "schema_version": 3, "solution": true, "task": false}
def generate_melodies(model, first_notes, length, temperature, rng):
    """Melodies (N, length) that start with first_notes (N,), each next note drawn from the model's last-step probabilities."""
    ### BEGIN SOLUTION
    melodies = np.asarray(first_notes, dtype=np.int64)[:, None]
    while melodies.shape[1] < length:
        probs = np.asarray(model(melodies, training=False))[:, -1]   # (N, NUM_NOTES): the note after the last one
        next_notes = sample_with_temperature(probs, temperature, rng)
        melodies = np.concatenate([melodies, next_notes[:, None]], axis=1)
    return melodies
    ### END SOLUTION


# %% [markdown]
# Try it on the stand-in: at temperature 0 it always goes on, at temperature 1 it turns now and then.

# %%
stand_in = StandInMelodyModel()
tries = None
tries = np.concatenate([generate_melodies(stand_in, np.array([3]), 16, tau, np.random.default_rng(0)) for tau in (0, 1)])
tries

# %% [markdown]
# The two melodies as notes:

# %%
if tries is None:
    print("No melodies yet: run the cell above once generate_melodies works.")
else:
    arch_plots.plot_melodies(tries, arch_data.NOTES, labels=["temperature 0", "temperature 1"],
                             title="Melodies from the stand-in model");


# %% nbgrader={"grade": false, "grade_id": "melody_checks", "locked": true, "schema_version": 3, "solution": false, "task": false}
def check_sampler_first(temperatures):
    """Fail, naming Exercise 4, unless sample_with_temperature draws from p ** (1 / temperature) at `temperatures`.

    generate_melodies draws its notes with it: a wrong sampler would make the tests below blame a right loop.
    """
    p = np.array([0.1, 0.6, 0.0, 0.3])
    for tau in temperatures:
        wanted = np.eye(4)[1] if tau == 0 else p ** (1 / tau) / (p ** (1 / tau)).sum()
        try:
            draws = np.asarray(checks.call(sample_with_temperature, np.tile(p, (4000, 1)), tau, np.random.default_rng(17)))
            problem = "" if draws.shape == (4000,) else f"it returned shape {draws.shape} for probabilities of shape (4000, 4)"
            if not problem:
                got = np.bincount(draws.astype(int).clip(0, 4), minlength=5)[:4] / 4000
                if np.abs(got - wanted).max() > 0.04:
                    problem = f"over 4000 draws from {p.tolist()} it drew the tokens {got.round(3).tolist()} of the time, not {wanted.round(3).tolist()}"
        except NotImplementedError:
            raise  # Exercise 4 not done yet: the stub's own error says so
        except Exception as error:  # whatever went wrong in Exercise 4 is reported as such
            problem = f"it failed with {type(error).__name__}: {first_line(error)}"
        if problem:
            raise AssertionError(f"Exercise 4's sample_with_temperature is wrong at temperature {tau} ({problem}), and "
                                 f"generate_melodies draws its notes with it, so this test cannot judge "
                                 f"generate_melodies: make the tests of Exercise 4 pass first")


def rule_probabilities(melodies):
    """The next-note probabilities of the rules of make_melodies after notes 1, 2, ... of `melodies`: (N, t - 1, NUM_NOTES)."""
    melodies = np.asarray(melodies, dtype=np.int64)
    direction = np.sign(np.diff(melodies, axis=1))
    notes = melodies[:, 1:]
    onward, back = notes + direction, notes - direction
    free = (onward >= arch_data.LOWEST) & (onward <= arch_data.HIGHEST)
    probs = np.zeros(notes.shape + (arch_data.NUM_NOTES,))
    n, t = np.indices(notes.shape)
    probs[n, t, np.clip(onward, 0, arch_data.HIGHEST)] += np.where(free, 1 - arch_data.TURN_PROBABILITY, 0.0)
    probs[n, t, np.clip(back, 0, arch_data.HIGHEST)] += np.where(free, arch_data.TURN_PROBABILITY, 1.0)
    return probs


def check_next_note_model_first(model, largest=0.12):
    """Fail, naming Exercise 3, unless `model` (build_tagger trained on melodies) predicts next notes as the rules do."""
    fresh = arch_data.make_melodies(300, seed=21)
    probs = predict(model, fresh[:, :-1])[:, 1:]
    distance = float(np.mean(0.5 * np.abs(probs - rule_probabilities(fresh[:, :-1])).sum(axis=-1)))
    print(f"the next-note model of Exercise 3 is {distance:.3f} away from the rules' probabilities on fresh melodies "
          f"(total variation, averaged)")
    if not distance <= largest:
        raise AssertionError(f"Exercise 3's build_tagger, trained as a next-note model, did not learn the melodies: "
                             f"its next-note probabilities are {distance:.3f} away from the rules' on fresh melodies "
                             f"(total variation, averaged; at most {largest} expected), so this test cannot judge "
                             f"generate_melodies: make the tests of Exercise 3 pass first."
                             f"{optimizer_note(model)}")


# %% nbgrader={"grade": true, "grade_id": "test_generate_melodies_loop", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""generate_melodies feeds each drawn note back in: exact melodies of the stand-in at temperature 0, its statistics at temperature 1."""
check_sampler_first((0.0, 1.0))
### BEGIN HIDDEN TESTS
check_sampler_first((0.5,))
### END HIDDEN TESTS
model = StandInMelodyModel()
got = checks.call(generate_melodies, model, np.array([3, 8, 1]), 12, 0.0, np.random.default_rng(0))
checks.check_shape("generate_melodies(model, first_notes of shape (3,), 12, ...)", got, (3, 12))
expected = np.array([[3, 4, 5, 6, 7, 8, 7, 6, 5, 4, 3, 2],
                     [8, 7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5],
                     [1, 2, 3, 4, 5, 6, 7, 8, 7, 6, 5, 4]])
checks.check_close("generate_melodies(model, [3, 8, 1], 12, 0.0, rng)", got, expected, likely_mistakes={
    "the model only ever sees the first note: call it on the whole melody so far, with each drawn note appended":
        np.array([[3] + [4] * 11, [8] + [7] * 11, [1] + [2] * 11]),
    "the model sees only the last note, so it forgets which way the melody was going: call it on the whole "
    "melody so far": np.array([[3, 4, 5, 6, 7, 8, 7, 8, 7, 8, 7, 8], [8, 7, 8, 7, 8, 7, 8, 7, 8, 7, 8, 7],
                               [1, 2, 3, 4, 5, 6, 7, 8, 7, 8, 7, 8]]),
})
model = StandInMelodyModel()
melodies = np.asarray(generate_melodies(model, np.full(1000, 4), 12, 1.0, np.random.default_rng(1)))
stats = arch_data.melody_stats(melodies)
print(f"at temperature 1: {stats['steps']:.3f} of the moves one step, turns at {stats['turns']:.3f} of the free notes")
if not 0.26 <= stats["turns"] <= 0.34:
    raise AssertionError(f"at temperature 1 the stand-in melodies should turn at about 0.3 of the free notes; yours turn "
                         f"at {stats['turns']:.3f}. Draw each next note with sample_with_temperature from the "
                         f"probabilities at the last position, [:, -1]")
again = np.asarray(generate_melodies(StandInMelodyModel(), np.full(1000, 4), 12, 1.0, np.random.default_rng(1)))
if not np.array_equal(again, melodies):
    raise AssertionError("the same generator state gave other melodies: draw every random number from rng")
### BEGIN HIDDEN TESTS
model = StandInMelodyModel()
melodies = np.asarray(checks.call(generate_melodies, model, np.arange(1, 9).repeat(250), 10, 0.5,
                                  np.random.default_rng(7)))
checks.check_shape("the melodies", melodies, (2000, 10))
checks.check_close("the first column of the melodies", melodies[:, 0], np.arange(1, 9).repeat(250))
stats = arch_data.melody_stats(melodies)
turns = 0.3 ** 2 / (0.3 ** 2 + 0.7 ** 2)  # temperature 0.5: p ** 2, normalised
assert abs(stats["turns"] - turns) < 0.04, f"at temperature 0.5 expected turns at about {turns:.3f}, got {stats['turns']:.3f}"
assert stats["steps"] == 1.0, f"the stand-in only moves one step at a time; got {stats['steps']:.3f}"
checks.check_close("a melody of length 1", checks.call(generate_melodies, StandInMelodyModel(), np.array([5, 6]), 1,
                                                       1.0, np.random.default_rng(0)), [[5], [6]])
### END HIDDEN TESTS
print("generate_melodies feeds every drawn note back into the model")

# %% nbgrader={"grade": true, "grade_id": "test_generated_melodies_keep_the_rules", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Your tagger, trained as a next-note model on 1000 melodies, generates from one note melodies that keep the rules, at temperatures 1 and 0."""
check_sampler_first((1.0, 0.0))
### BEGIN HIDDEN TESTS
check_sampler_first((0.5,))
### END HIDDEN TESTS
training_melodies = arch_data.make_melodies(1000, seed=1)
try:
    melody_model = train(build_tagger, (arch_data.NUM_NOTES, arch_data.NUM_NOTES), training_melodies[:, :-1],
                         training_melodies[:, 1:], epochs=4, batch_size=32)
except AssertionError as error:
    raise AssertionError(f"Exercise 3's build_tagger is wrong, so this test cannot judge generate_melodies: "
                         f"{error}") from None
check_next_note_model_first(melody_model)
rng = np.random.default_rng(0)

def check_generated(temperature, min_steps, turns_range, length=16, n=200):
    first = rng.integers(arch_data.LOWEST, arch_data.HIGHEST + 1, size=n)
    melodies = np.asarray(checks.call(generate_melodies, melody_model, first, length, temperature, rng))
    checks.check_shape(f"generate_melodies(model, first_notes of shape ({n},), {length}, {temperature}, rng)",
                       melodies, (n, length))
    stats = arch_data.melody_stats(melodies)
    print(f"temperature {temperature}: {stats['steps']:.3f} of the moves one step, turns at {stats['turns']:.3f} "
          f"of the free notes")
    # The model and the sampler passed their checks above: what is wrong here is wrong in generate_melodies.
    steps = "the model of Exercise 3 and your sampler passed their checks above, so generate_melodies is the cause"
    if stats["steps"] < min_steps:
        raise AssertionError(f"at temperature {temperature}: expected at least {min_steps} of the moves to be one scale "
                             f"step, got {stats['steps']:.3f}; {steps}: call the model on the whole melody so far and "
                             f"draw the next notes from the probabilities at the last position, [:, -1]")
    low, high = turns_range
    if not low <= stats["turns"] <= high:
        raise AssertionError(f"at temperature {temperature}: expected turns at {low} to {high} of the free notes, got "
                             f"{stats['turns']:.3f}; {steps}: call the model on the whole melody so far and draw the "
                             f"next notes with sample_with_temperature at the given temperature")

check_generated(1.0, 0.95, (0.2, 0.4))
check_generated(0.0, 0.99, (0.0, 0.05))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
check_generated(0.5, 0.97, (0.08, 0.28), length=12, n=150)
### END HIDDEN TESTS
print("the generated melodies keep the rules, and the temperature sets how often they turn")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex6_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 6: an encoder-decoder for dates (3 points)
#
# *Precision of the tests:* the outputs depend on the source when other sources change some output by more than 1e-7; an output does not depend on later decoder inputs when it stays the same to 1e-5 (details at the end of the task).
#
# `arch_data.make_dates` generates spelled-out dates and their ISO form, one character per token:

# %% nbgrader={"grade": false, "grade_id": "dates_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
spelled, iso = arch_data.make_date_texts(4, seed=0)
source_ids = arch_data.encode_source(spelled)                # (4, SOURCE_LENGTH), left-padded word ids
decoder_inputs, decoder_targets = arch_data.encode_target(iso)  # (4, TARGET_LENGTH) each
for text, date in zip(spelled, iso):
    print(f"{text:>55} -> {date}")
print("decoder inputs: ", decoder_inputs[0], "<start> then the characters")
print("decoder targets:", decoder_targets[0], "the characters then <end>")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex6_task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The source has 4 to 9 words and the target always 10 characters and `<end>`, in another order (the year comes last in words and first in ISO).
# An encoder-decoder reads the whole source first; its last state, the *context*, starts the decoder, which then writes the target one token at a time.
# In training, the decoder reads the true previous token at every step (*teacher forcing*): its inputs are the targets shifted one step right, after `<start>`.
#
# Write `build_encoder_decoder(source_vocab_size, target_vocab_size)` that returns a compiled Keras model with two inputs, `[source_ids, decoder_inputs]` of shapes `(N, T_in)` and `(N, T_out)`, and one output, the probabilities of the target tokens `(N, T_out, target_vocab_size)`.
# Use the functional API:
# - `source = keras.Input(shape=(None,), dtype="int32")` and `decoder_inputs = keras.Input(shape=(None,), dtype="int32")`;
# - the encoder: `keras.layers.Embedding(source_vocab_size, 32, mask_zero=True)`, then `keras.layers.LSTM(64, return_state=True)`, which returns three tensors, `output, h, c`; its state `[h, c]` is the context (an LSTM's state has two parts; unit 06 opens it up);
# - the decoder: `keras.layers.Embedding(target_vocab_size, 32)` on `decoder_inputs`, then `keras.layers.LSTM(64, return_sequences=True)` called with `initial_state=[h, c]`, then `keras.layers.Dense(target_vocab_size, activation="softmax")`;
# - `keras.Model([source, decoder_inputs], probabilities)`, compiled as in Exercise 2.
#
# As in Exercise 2, the tests judge what the model does, not its layers.
#
# *Checked by:* the shape of the outputs for several `T_in` and `T_out`, outputs that depend on the source (the decoder starts from the context: other sources must change some output by more than 1e-7), and an output at step `t` that does not depend on the decoder inputs after `t` (unchanged to 1e-5 when only later decoder inputs change) (1 point); after training for 4 epochs on 6000 dates, the most probable token right at no less than 95% of the target positions of 500 fresh dates, with teacher forcing (2 points).

# %% nbgrader={"grade": false, "grade_id": "build_encoder_decoder", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_encoder_decoder(source_vocab_size, target_vocab_size):
    """A compiled Keras model: [source ids (N, T_in), decoder inputs (N, T_out)] -> target probabilities (N, T_out, V)."""
    ### BEGIN SOLUTION
    source = keras.Input(shape=(None,), dtype="int32")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32")
    words = keras.layers.Embedding(source_vocab_size, 32, mask_zero=True)(source)
    _, h, c = keras.layers.LSTM(64, return_state=True)(words)            # the context: the encoder's last state
    previous = keras.layers.Embedding(target_vocab_size, 32)(decoder_inputs)
    states = keras.layers.LSTM(64, return_sequences=True)(previous, initial_state=[h, c])
    probabilities = keras.layers.Dense(target_vocab_size, activation="softmax")(states)
    model = keras.Model([source, decoder_inputs], probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% [markdown]
# Try it on the four dates above: one distribution over the target tokens per decoder step.

# %%
translator_try = build_encoder_decoder(len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB))
predict(translator_try, [source_ids, decoder_inputs]).shape

# %% nbgrader={"grade": true, "grade_id": "test_encoder_decoder_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_encoder_decoder: [source (N, T_in), decoder inputs (N, T_out)] in, (N, T_out, V) probabilities out; the decoder starts from the source's context and never looks ahead."""
SV, TV = len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB)
keras.utils.set_random_seed(0)
model = checks.call(build_encoder_decoder, SV, TV)
check_model(model, "build_encoder_decoder(source_vocab_size, target_vocab_size)")
source, decoder_in, _ = arch_data.make_dates(8, seed=0)
outputs = predict(model, [source, decoder_in])
check_probabilities(f"the outputs for a source of shape {source.shape} and decoder inputs of shape {decoder_in.shape}",
                    outputs, (8, decoder_in.shape[1], TV))
check_probabilities("the outputs for a source of shape (8, 5) and decoder inputs of shape (8, 3)",
                    predict(model, [source[:, -5:], decoder_in[:, :3]]), (8, 3, TV))
other_source = source[::-1]  # the same decoder inputs after other dates
if np.allclose(predict(model, [other_source, decoder_in]), outputs, atol=1e-7):
    raise AssertionError("the outputs do not depend on the source: the decoder LSTM must start from the encoder's last "
                         "state, initial_state=[h, c]")
changed = decoder_in.copy()
changed[:, 5:] = arch_data.START  # change the decoder inputs after step 4
if not np.allclose(predict(model, [source, changed])[:, :5], outputs[:, :5], atol=1e-5):
    raise AssertionError("the outputs at steps 0 to 4 changed when only the decoder inputs after step 4 changed: the "
                         "decoder must read its inputs in order, left to right, and see no later ones (no "
                         "Bidirectional layer, no go_backwards)")
### BEGIN HIDDEN TESTS
model = checks.call(build_encoder_decoder, 17, 6)  # other vocabularies, N, T_in and T_out
check_probabilities("the outputs of build_encoder_decoder(17, 6) for a source of shape (2, 7) and decoder inputs of "
                    "shape (2, 12)", predict(model, [np.arange(14).reshape(2, 7) + 1, np.arange(24).reshape(2, 12) % 5 + 1]),
                    (2, 12, 6))
### END HIDDEN TESTS
print("the encoder-decoder has the right shapes, reads the source and never looks ahead")

# %% nbgrader={"grade": true, "grade_id": "test_encoder_decoder_learns", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained for 4 epochs on 6000 dates, the encoder-decoder predicts at least 95% of the target tokens of fresh dates (teacher forcing)."""
date_model = None  # the trained model; the test of Exercise 7 decodes with it
SV, TV = len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB)
source, decoder_in, decoder_out = arch_data.make_dates(6000, seed=1)
date_model = train(build_encoder_decoder, (SV, TV), [source, decoder_in], decoder_out, epochs=4, batch_size=64)
test_source, test_in, test_out = arch_data.make_dates(500, seed=2)
outputs = predict(date_model, [test_source, test_in])
check_probabilities("the outputs for the test dates", outputs, test_out.shape + (TV,))
accuracy = float(np.mean(outputs.argmax(axis=-1) == test_out))
print(f"teacher-forced token accuracy on 500 fresh dates: {accuracy:.3f}")
if accuracy < 0.95:
    # Only what is measured, and the optimizer when it is not the prompt's: a guessed cause could be wrong.
    deaf = predict(date_model, [test_source[::-1], test_in]).argmax(axis=-1) == outputs.argmax(axis=-1)
    ignored = (" Its predictions do not change when the source does: the decoder must start from the encoder's "
               "state, initial_state=[h, c]." if deaf.all() else "")
    raise AssertionError(f"token accuracy: expected at least 0.95, got {accuracy:.3f}.{ignored}"
                         f"{optimizer_note(date_model)}")
### BEGIN HIDDEN TESTS
hidden_source, hidden_in, hidden_out = arch_data.make_dates(500, seed=3)
accuracy = float(np.mean(predict(date_model, [hidden_source, hidden_in]).argmax(axis=-1) == hidden_out))
assert accuracy >= 0.95, f"token accuracy on other fresh dates: expected at least 0.95, got {accuracy:.3f}"
### END HIDDEN TESTS
print("the encoder-decoder learned to translate dates, one token at a time")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex7_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 7: greedy decoding (4 points)
#
# After training, no true previous token is there to read: the decoder must read its own outputs.
# Greedy decoding writes the target one token at a time and always takes the most probable one.
#
# Write `greedy_decode(model, source_ids, max_len)` for a model like yours of Exercise 6.
# `source_ids` has shape `(N, T_in)`; return a list of `N` lists of token ids (Python ints), the decoded targets without `<start>` and `<end>`.
# 1. Start every sequence with `arch_data.START`: an int array of shape `(N, 1)`.
# 2. Call the model on the source and the sequences so far: `np.asarray(model([source_ids, sequences], training=False))`, shape `(N, t, V)`.
# 3. Take the argmax of the probabilities at the last position, `[:, -1]`, for every row, and append it as a new column.
# 4. Repeat steps 2 and 3 until every row has produced `arch_data.END`, or `max_len` tokens were produced.
# 5. Cut each row at its first `END` (leave it and anything after it out), and drop the `START`.
#
# A row that has not produced `END` after `max_len` tokens keeps its `max_len` tokens.
# As in Exercise 5, the model reads the whole sequence so far at every step; for a decoder that never looks ahead this gives the same probabilities as running it one step at a time with its state.
#
# Below is a stand-in model with known outputs; the first test uses it.
#
# *Checked by:* with the stand-in: the exact token lists for rows that end at different steps, an empty output, rows cut at `max_len`, and no more model calls than needed (2 points); the model trained in the test of Exercise 6 decoding 300 fresh dates, and 300 other ones: at least 70% of them exactly right, all ten characters (2 points).
# That test first checks the model of Exercise 6 (no looking ahead: its outputs before step 5 unchanged to 1e-5 when only the decoder inputs from step 5 on change; at least 95% of the tokens of fresh dates right with teacher forcing): if it fails these checks, the test says so instead of judging `greedy_decode`.

# %% nbgrader={"grade": false, "grade_id": "translator_stand_in", "locked": true, "schema_version": 3, "solution": false, "task": false}
class StandInTranslator:
    """An encoder-decoder whose outputs are known, to try greedy_decode on (a target vocabulary of 20 tokens).

    Called on [source_ids (N, T_in), sequences (N, t)], it returns probabilities (N, t, 20). After <start> it
    predicts the token source_ids[:, -1]; after a token k it predicts k + 1; but once the token it would predict
    reaches source_ids[:, 0], it predicts <end> instead, and after <end> it predicts <end>. The predicted token has
    probability 0.4, every other token 0.6 / 19: only the argmax picks it every time.
    """
    vocab_size = 20

    def __init__(self):
        self.calls = 0

    def __call__(self, inputs, training=False):
        self.calls += 1
        source, sequences = (np.asarray(a, dtype=np.int64) for a in inputs)
        following = np.where(sequences == arch_data.START, source[:, -1:], sequences + 1)
        following = np.where((following >= source[:, :1]) | (sequences == arch_data.END), arch_data.END, following)
        probs = np.full(sequences.shape + (self.vocab_size,), 0.6 / (self.vocab_size - 1))
        n, t = np.indices(sequences.shape)
        probs[n, t, np.clip(following, 0, self.vocab_size - 1)] = 0.4
        return probs

    def predict(self, inputs, **kwargs):
        return self(inputs)


# %% nbgrader={"grade": false, "grade_id": "greedy_decode", "locked": false, "schema_version": 3, "solution": true, "task": false}
def greedy_decode(model, source_ids, max_len):
    """Decode a batch greedily: a list of N lists of token ids, without <start> and <end>, at most max_len tokens each."""
    ### BEGIN SOLUTION
    source_ids = np.asarray(source_ids)
    sequences = np.full((len(source_ids), 1), arch_data.START, dtype=np.int64)
    for _ in range(max_len):
        probs = np.asarray(model([source_ids, sequences], training=False))
        next_ids = probs[:, -1].argmax(axis=-1)                      # the most probable next token of every row
        sequences = np.concatenate([sequences, next_ids[:, None]], axis=1)
        if (sequences == arch_data.END).any(axis=1).all():           # every row has ended
            break
    decoded = []
    for row in sequences[:, 1:].tolist():                             # drop <start>
        decoded.append(row[:row.index(arch_data.END)] if arch_data.END in row else row)
    return decoded
    ### END SOLUTION


# %% [markdown]
# Try it on the stand-in: the first row counts from 3 up to 7, the second from 10 to 11, the third ends at once.

# %%
greedy_decode(StandInTranslator(), np.array([[8, 0, 3], [12, 0, 10], [5, 0, 9]]), max_len=10)

# %% nbgrader={"grade": true, "grade_id": "test_greedy_decode_stand_in", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""greedy_decode feeds back its argmax, stops at <end> or max_len, and leaves <start> and <end> out (with the stand-in model)."""
def decoded_lists(result, n):
    checks.check_type("greedy_decode(...)", result, (list, tuple, np.ndarray))
    checks.check_equal("the number of decoded rows", len(result), n)
    return [[int(token) for token in row] for row in result]

source = np.array([[8, 0, 3], [12, 0, 10], [5, 0, 9], [19, 0, 4], [6, 0, 5]])
got = decoded_lists(checks.call(greedy_decode, StandInTranslator(), source, 12), len(source))
expected = [[3, 4, 5, 6, 7], [10, 11], [], list(range(4, 16)), [5]]
for row, (tokens, wanted) in enumerate(zip(got, expected)):
    if tokens == wanted:
        continue
    hint = ""
    if len(tokens) > 1 and len(set(tokens)) == 1:
        hint = (" Every token is the same: feed each chosen token back in, and take the probabilities at the last "
                "position, [:, -1]")
    elif arch_data.END in tokens or arch_data.START in tokens:
        hint = " Leave <start> and <end> out, and cut each row at its first <end>"
    elif tokens[:len(wanted)] == wanted:
        hint = " The row goes on after its <end>: cut each row at its first <end>"
    elif len(tokens) < len(wanted) and wanted[:len(tokens)] == tokens:
        hint = " The row stopped early: go on until every row has produced <end>, or max_len tokens"
    raise AssertionError(f"row {row} (source {source[row].tolist()}): expected {wanted}, got {tokens}.{hint}")
model = StandInTranslator()
greedy_decode(model, source[[0, 1, 2, 4]], 60)  # the longest of these rows ends at its 6th token
if model.calls > 4 * 6:
    raise AssertionError(f"greedy_decode called the model {model.calls} times for 4 rows that all end within 6 tokens, "
                         f"with max_len=60: stop as soon as every row has produced <end>")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
first = rng.integers(3, 19, size=30)  # 30 rows, max_len 1, 7 and 25: sizes unlike the visible ones
limit = np.minimum(first + rng.integers(0, 12, size=30), 20)
source = np.stack([limit, np.zeros(30, dtype=int), first], axis=1)
for max_len in (1, 7, 25):
    wanted = [list(range(f, l))[:max_len] for f, l in zip(first, limit)]
    got = decoded_lists(checks.call(greedy_decode, StandInTranslator(), source, max_len), 30)
    checks.check_equal(f"the decoded rows with max_len={max_len}", got, wanted)
### END HIDDEN TESTS
print("greedy_decode feeds back its choices and stops at <end>")

# %% nbgrader={"grade": true, "grade_id": "test_greedy_decode_translates_dates", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Greedy decoding with the model trained in the test of Exercise 6 translates at least 70% of 300 fresh dates exactly."""
checks.call(greedy_decode, StandInTranslator(), np.array([[8, 0, 3]]), 5)
if globals().get("date_model") is None:
    raise AssertionError("this test decodes with the model trained in the test of Exercise 6, which failed before "
                         "training it: make that test pass first")
# Exercise 6's model first: a model that looks ahead or predicts badly would make this test blame a right greedy_decode.
check_source, check_in, check_out = arch_data.make_dates(200, seed=5)
forced = predict(date_model, [check_source, check_in])
changed = check_in.copy()
changed[:, 5:] = arch_data.START
if not np.allclose(predict(date_model, [check_source, changed])[:, :5], forced[:, :5], atol=1e-5):
    raise AssertionError("the model of Exercise 6 looks ahead: its outputs at steps 0 to 4 change when only the decoder "
                         "inputs after step 4 change, so greedy decoding cannot work with it and this test cannot judge "
                         "greedy_decode: make the tests of Exercise 6 pass first")
forced_accuracy = float(np.mean(forced.argmax(axis=-1) == check_out))
if forced_accuracy < 0.95:
    raise AssertionError(f"the model of Exercise 6 predicts only {forced_accuracy:.3f} of the tokens of fresh dates "
                         f"right with teacher forcing (at least 0.95 expected), so this test cannot judge greedy_decode: "
                         f"make the tests of Exercise 6 pass first")

def check_translations(seed, n=300, minimum=0.7):
    spelled, iso = arch_data.make_date_texts(n, seed=seed)
    decoded = greedy_decode(date_model, arch_data.encode_source(spelled), arch_data.TARGET_LENGTH)
    translations = arch_data.decode_target(decoded)
    exact = float(np.mean([got == wanted for got, wanted in zip(translations, iso)]))
    print(f"exactly right: {exact:.3f} of {n} fresh dates, for example")
    for text, got, wanted in list(zip(spelled, translations, iso))[:3]:
        print(f"    {text:>55} -> {got}  (expected {wanted})")
    if exact < minimum:
        raise AssertionError(f"exactly translated dates: expected at least {minimum}, got {exact:.3f}. The model of "
                             f"Exercise 6 passed its checks above ({forced_accuracy:.3f} of the tokens right with "
                             f"teacher forcing), so greedy_decode is the cause: it must feed back its argmax and take "
                             f"the probabilities at the last position")

check_translations(seed=3)
### BEGIN HIDDEN TESTS
check_translations(seed=4)
### END HIDDEN TESTS
print("the encoder-decoder translates spelled-out dates into ISO dates")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex8_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 8: why an encoder-decoder? (3 points, graded by hand)
#
# Answer in a few sentences each.
#
# 1. Why can a tagger like the one of Exercise 3 (many-to-many with equal lengths, reading left to right) not turn "the third of march twenty twenty one" into "2021-03-03", however many units it has? Give two reasons, and say how the encoder-decoder gets around each.
# 2. Sutskever et al. (2014) reversed the order of the words of every source sentence and found that their English-to-French translations got better. Would you expect reversing the spelled-out dates to help here? Explain with the distance between each output character and the words it depends on.

# %% [markdown] nbgrader={"grade": true, "grade_id": "encoder_decoder_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).*
#
# **1. (2 points, one per reason with its remedy.)**
# - **Lengths.** A tagger gives exactly one output per input step: 7 words in, 7 tokens out. The ISO date has 10 characters whatever the number of words (4 to 9 here), so the lengths differ and vary from date to date. The decoder of an encoder-decoder writes as many tokens as the target needs, one step at a time, until it emits `<end>`, however long the source was.
# - **Order.** A left-to-right tagger must give output $t$ after reading only the inputs $0..t$. The first characters of "2021-03-03" are the year, which comes last in the words: at step 0 the tagger has not read it yet. The encoder reads the whole source before the decoder writes anything; the context then holds the year, month and day, and the decoder can write them in any order.
#
# Accept "the alignment is not one to one" or "outputs depend on later inputs" for the second reason. No marks for "a tagger has too few units": size does not help with either reason.
#
# **2. (1 point.)** Reversal shortens the path between an output and the source words it depends on when the first outputs depend on the first source words, as in English and French, which have similar word order: reversed, the first source words are read last, right before the decoder writes its first words, so the gradient of the first outputs reaches them through few steps. Here the order is already the other way round: the year, which the decoder writes first, is read last, just before decoding starts; the day, written last, is read first or second. Reversing the words would put the year at the start of the source, as far as possible from the first outputs, and the day right next to them: the path of the first outputs would get longer, so it should not help, and may hurt. (Well-trained models can reach full accuracy either way; the order changes how easily they learn.)
#
# Full point for "no, because the year is already next to the start of decoding" with the distance argument; half a point for "no" or "yes" with a reason about distances that is only partly right; none for an answer without a reason.
# ### END SOLUTION
