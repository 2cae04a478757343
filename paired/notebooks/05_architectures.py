# %% [markdown]
# # Unit 05: architecture types
#
# A recurrent layer reads a sequence one step at a time and carries a hidden state from step to step.
# Around that one idea you can build models for very different tasks: one answer per sequence, one answer per step, a whole sequence from a single seed, or a sequence of another length.
# This lecture builds each of them in Keras and trains it on data the course generates.
#
# **What you will learn**
# - the five architectures, one-to-one, one-to-many, many-to-one, many-to-many with equal lengths and the encoder-decoder, with the shapes of their inputs, hidden states and outputs;
# - what `return_sequences`, `return_state`, `initial_state`, `RepeatVector` and masking do to shapes and states, shown on single Keras layers;
# - a many-to-one classifier of reviews and a many-to-many tagger of words, reading one-hot words;
# - how a next-note model generates a melody from one note, carrying its state from step to step, and what the temperature of sampling trades off;
# - why different lengths and orders need an encoder-decoder, teacher forcing, greedy decoding, and why Sutskever et al. reversed their source sentences.
#
# **Prerequisites.** Units 01 and 02: a Keras model with `Embedding`, `SimpleRNN` and `Dense`, and the hidden-state equation.
#
# In the assignment you build these models yourself in another form (with `Embedding` layers and softmax outputs), and write the sampling, generation and decoding code the other way round: reading the whole sequence so far at every step.

# %% [markdown]
# Run the next cell first.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import keras
from rnncourse import arch_data, arch_plots

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Five architectures
#
# The figure shows the five, unrolled in time: inputs at the bottom, the recurrent steps in the middle, outputs on top.
# A grey arrow carries the hidden state from one step to the next.

# %%
arch_plots.architecture_overview()
plt.show()

# %% [markdown]
# The sizes are named once for the whole unit (as in the course's notation table):
# $N$ examples in a batch, $T$ time steps, $D$ numbers per input vector, $H$ hidden units, $V$ classes per output, and $T_\text{in}$, $T_\text{out}$ for a source and a target of different lengths.
#
# | architecture | input | output | example in this unit |
# |---|---|---|---|
# | one-to-one | $(N, D)$ | $(N, V)$ | a month name to its number |
# | one-to-many | $(N, D)$ | $(N, T, V)$ | a melody from one note |
# | many-to-one | $(N, T, D)$ | $(N, V)$ | the sentiment of a review |
# | many-to-many, equal lengths | $(N, T, D)$ | $(N, T, V)$ | a tag for every word |
# | many-to-many, unequal lengths | $(N, T_\text{in}, D)$ | $(N, T_\text{out}, V)$ | a spelled-out date to an ISO date |
#
# One-to-one has no time axis at all: it is the feedforward network of unit 01, here for comparison.

# %% [markdown]
# ## 2. Shapes in Keras, one layer at a time
#
# Every model of this unit is made of a few Keras layers.
# Before building the models, here is what each layer does to the shapes, on a small batch with sizes that all differ, so that no two axes can be mixed up.
#
# ### `return_sequences`: the last state or all of them
#
# A Keras recurrent layer computes a hidden state $h_t$ at every step $t = 0, \dots, T-1$.
# By default it returns only the last one, $h_{T-1}$, shape $(N, H)$; with `return_sequences=True` it returns all of them, shape $(N, T, H)$.

# %%
N, T, D, H, V = 2, 5, 3, 4, 6
x = np.random.default_rng(0).normal(size=(N, T, D)).astype("float32")
keras.utils.set_random_seed(0)
rnn = keras.layers.SimpleRNN(H, return_sequences=True)
all_states = np.asarray(rnn(x))
rnn.return_sequences = False  # the same layer, the same weights, now returning the last state only
last_state = np.asarray(rnn(x))
print("return_sequences=True: ", all_states.shape, "  return_sequences=False:", last_state.shape)
print("the last state is the last step of the sequence of states:", np.allclose(last_state, all_states[:, -1]))

# %% [markdown]
# ### Worked numbers: one unit, three steps
#
# With $H = D = 1$ the hidden-state equation $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$ can be followed by hand.
# Take $W_{xh} = 0.5$, $W_{hh} = 0.8$, $b_h = 0$, the initial state $h_{-1} = 0$, and the inputs $1, 0, 0$:
#
# $$h_0 = \tanh(0.5) = 0.462, \qquad h_1 = \tanh(0.8 \cdot 0.462) = 0.354, \qquad h_2 = \tanh(0.8 \cdot 0.354) = 0.276.$$
#
# The first input is still visible two steps later, fading: that is the memory a many-to-one model answers from.
# Keras gives the same numbers:

# %%
tiny = keras.layers.SimpleRNN(1, return_sequences=True)
tiny.build((None, 3, 1))
tiny.set_weights([np.array([[0.5]]), np.array([[0.8]]), np.array([0.0])])  # kernel W_xh, recurrent_kernel W_hh, bias b_h
print(np.asarray(tiny(np.array([[[1.0], [0.0], [0.0]]], dtype="float32")))[0, :, 0])

# %% [markdown]
# ### `return_state` and `initial_state`: handing a state on
#
# `return_state=True` makes a layer also return its last state, so that another layer, or the same layer later, can start from it through `initial_state`.
# For `SimpleRNN` and `GRU` the output at a step *is* the state, so the extra return is the last output again.
# An `LSTM` keeps a second vector, the cell state (unit 06 opens it up): it returns its output and **two** state tensors, `h` and `c`, and takes both back as `initial_state=[h, c]`.

# %%
gru_out, gru_state = keras.layers.GRU(H, return_state=True)(x)
lstm_out, lstm_h, lstm_c = keras.layers.LSTM(H, return_state=True)(x)
print("GRU:  output", tuple(gru_out.shape), " state", tuple(gru_state.shape), " equal:", np.allclose(gru_out, gru_state))
print("LSTM: output", tuple(lstm_out.shape), " h", tuple(lstm_h.shape), " c", tuple(lstm_c.shape),
      " output equal to h:", np.allclose(lstm_out, lstm_h))

# %% [markdown]
# Reading a sequence in two halves, the second starting from the state the first handed on, gives the states of reading it in one go (up to rounding in the last digits).
# This is how a generator can go on one step at a time without reading everything again, and how a decoder starts from what an encoder read.

# %%
split = keras.layers.GRU(H, return_sequences=True, return_state=True)
whole, _ = split(x)
first_half, state = split(x[:, :2])
second_half, _ = split(x[:, 2:], initial_state=state)
print("two halves, state handed on:", np.allclose(np.concatenate([first_half, second_half], axis=1), whole, atol=1e-6))
second_alone, _ = split(x[:, 2:])  # starts from zeros: h_{-1} = 0
print("second half from zeros:     ", np.allclose(second_alone, whole[:, 2:], atol=1e-6))

# %% [markdown]
# ### `Dense` on every step
#
# A `Dense` layer acts on the last axis only.
# On a batch of states $(N, H)$ it gives one output per sequence; on $(N, T, H)$ it gives one per step, with the same weights $W_{hy}$ of shape $(H, V)$ at every step.
# That is all the difference between many-to-one and many-to-many.

# %%
dense = keras.layers.Dense(V)
per_step = np.asarray(dense(all_states))
print("Dense on (N, H):   ", tuple(dense(last_state).shape))
print("Dense on (N, T, H):", per_step.shape, "with one kernel of shape", tuple(dense.kernel.shape))
print("step 3 alone gives step 3 of the whole:", np.allclose(np.asarray(dense(all_states[:, 3])), per_step[:, 3]))

# %% [markdown]
# The outputs $y_t$ of a `Dense` layer without activation are scores (logits); $p_t = \mathrm{softmax}(y_t)$ turns each into a distribution over the $V$ classes.
# The softmax runs over the last axis: each example and each step gets its own distribution, summing to 1.

# %%
print(np.asarray(keras.ops.softmax(per_step, axis=-1)).sum(axis=-1))  # (N, T): a 1 for every example and step

# %% [markdown]
# ### `RepeatVector`: one vector at every step
#
# A one-to-many model has one input vector and an output sequence.
# `RepeatVector(T)` copies an $(N, D)$ batch to $(N, T, D)$, which a recurrent layer can then read.

# %%
seed = x[:, 0]                                      # (N, D): one vector per example
repeated = np.asarray(keras.layers.RepeatVector(T)(seed))
print(seed.shape, "->", repeated.shape, " every step a copy:", np.allclose(repeated, seed[:, None, :]))

# %% [markdown]
# ### Padding and masks
#
# Sentences have different lengths; a batch is a rectangle, so the short ones are padded with id 0.
# An `Embedding` turns each id into a vector; with `mask_zero=True` it also passes on a mask, `False` at the padding, and the recurrent layer then skips those steps: it keeps its state unchanged across them.

# %%
ids = np.array([[0, 0, 3, 1, 2],    # a sentence of 3 words, padded on the left
                [4, 2, 2, 5, 1]])   # a sentence of 5 words
embedding = keras.layers.Embedding(6, D, mask_zero=True)
print(np.asarray(embedding.compute_mask(ids)))

# %% [markdown]
# With the mask, the padded sentence ends in the same state as the sentence alone; without it, the padding is read as a word like any other:

# %%
reader = keras.layers.GRU(H)
masked = np.asarray(reader(embedding(ids)))
alone = np.asarray(reader(embedding(ids[:1, 2:])))
unmasked = np.asarray(reader(np.asarray(embedding(ids))))  # a plain array carries no mask
print("padded, masked = alone:  ", np.allclose(masked[0], alone[0], atol=1e-6))
print("padded, unmasked = alone:", np.allclose(unmasked[0], alone[0], atol=1e-6))

# %% [markdown]
# An `Embedding` is a lookup table: the vector of id $k$ is row $k$ of its weight matrix $E$, shape $(V, D)$.
# That is the same as a one-hot vector times $E$, so a model can just as well read one-hot vectors and learn $E$ as the input weights $W_{xh}$ of its recurrent layer.
# With one-hot inputs the padding becomes a vector of zeros, and a `Masking` layer makes the mask from it.
# The models below read one-hot vectors this way; the assignment's models use `Embedding`.

# %%
def one_hot_ids(ids, size):
    """(N, T) ids -> (N, T, size) one-hot vectors; the padding id 0 becomes all zeros, which Masking skips."""
    vectors = np.array(keras.ops.one_hot(ids, size))
    vectors[..., 0] = 0
    return vectors

E = np.asarray(embedding.embeddings)                  # (6, D)
print("embedding = one-hot @ E:", np.allclose(np.asarray(embedding(ids)[0, 2:]), one_hot_ids(ids, 6)[0, 2:] @ E))
print("mask from the zeros:    ", np.asarray(keras.layers.Masking().compute_mask(one_hot_ids(ids, 6)))[0])

# %% [markdown]
# ## 3. One-to-one
#
# One input vector, one output, no sequence and no state carried over: a feedforward network.
# Turning "march" into 3 is such a task: the answer depends on the current input only, so memory would not help.

# %%
arch_plots.architecture_diagram("one_to_one")
plt.show()

# %%
def show_shapes(model):
    """Each layer of a model with the shape of what it returns (None: a size that may vary)."""
    for layer in model.layers:
        shapes = [tuple(t.shape) for t in keras.tree.flatten(layer.output)]
        print(f"    {layer.__class__.__name__:>12} -> {', '.join(map(str, shapes))}")

one_to_one = keras.Sequential([keras.Input((D,)), keras.layers.Dense(H, activation="tanh"), keras.layers.Dense(V)])
show_shapes(one_to_one)  # (N, D) -> (N, H) -> (N, V)

# %% [markdown]
# ## 4. Many-to-one: the sentiment of a review
#
# A many-to-one model reads a whole sequence and gives one answer at the end.
# The course generates short reviews (`arch_data.make_reviews`) with three labels: negative, mixed (one good and one bad clause) and positive.
# "Not" negates only its own clause, so the order of the words matters.
# A third of the reviews are *twins*: two reviews made of the same words in another order, with opposite labels, as "good and not bad" (positive) and "not good and bad" (negative).

# %%
texts, labels = arch_data.make_review_texts(8, seed=0)
for text, label in zip(texts, labels):
    print(f"{arch_data.CLASSES[label]:>8} | {text}")

# %% [markdown]
# The reviews become word ids, padded on the left with 0 up to `REVIEW_LENGTH` words, so the words come last, right before the model answers.

# %%
x_reviews, y_reviews = arch_data.make_reviews(2000, seed=1)            # to train on
x_reviews_test, y_reviews_test = arch_data.make_reviews(1000, seed=2)  # fresh reviews
print(x_reviews.shape, y_reviews.shape, "reviews per class:", np.bincount(y_reviews))
print(f"bag-of-words ceiling on the test reviews: {arch_data.bag_of_words_ceiling(x_reviews_test, y_reviews_test):.3f}")


# %% [markdown]
# The ceiling is the best accuracy of any model that sees only which words occur, such as the bag-of-words network of unit 01: it gives both twins the same answer.

# %% [markdown]
# The model reads the words as one-hot vectors, $(N, T, V)$, skips the padding with `Masking`, and reads the words in order with a `GRU(32)`: a recurrent layer with gates that decide what to keep in its state (unit 06 opens it up), with the same interface as `SimpleRNN`.
# Its last state, $(N, 32)$, goes to a `Dense` layer that gives $K = 3$ scores, one per class.
# The loss is the cross-entropy of the softmax of these scores with the integer labels $y^\ast$: `SparseCategoricalCrossentropy(from_logits=True)` applies the softmax itself.

# %%
V_reviews, K = len(arch_data.REVIEW_VOCAB), len(arch_data.CLASSES)
keras.utils.set_random_seed(0)
reviews_model = keras.Sequential([keras.Input((None, V_reviews)), keras.layers.Masking(),
                                  keras.layers.GRU(32), keras.layers.Dense(K)])
show_shapes(reviews_model)  # (N, T, V) -> (N, T, V) with a mask -> (N, 32) -> (N, K)

# %%
scores_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
reviews_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=scores_loss, metrics=["accuracy"])
reviews_model.fit(one_hot_ids(x_reviews, V_reviews), y_reviews, epochs=2, batch_size=32, verbose=0);

# %%
predicted = np.asarray(reviews_model(one_hot_ids(x_reviews_test, V_reviews), training=False)).argmax(axis=-1)
correct = predicted == y_reviews_test
print(f"accuracy on 1000 fresh reviews: {correct.mean():.3f}")
print(f"  on the twins: {correct[arch_data.twins(x_reviews_test, y_reviews_test)].mean():.3f}")
for c, name in enumerate(arch_data.CLASSES):
    print(f"  on the {name} reviews: {correct[y_reviews_test == c].mean():.3f}")

# %% [markdown]
# The same words in another order get other labels, and the model tells them apart:

# %%
tricky = ["it was good and not bad", "it was not good and bad", "it was good and bad", "it was not good but not bad"]
tricky_ids = arch_data.encode(tricky, arch_data.REVIEW_VOCAB, arch_data.REVIEW_LENGTH)
probs = np.asarray(keras.ops.softmax(reviews_model(one_hot_ids(tricky_ids, V_reviews), training=False)))
for text, p in zip(tricky, probs):
    print(f"{text:30s} -> {arch_data.CLASSES[p.argmax()]:>8}  {p.round(2)}")

# %% [markdown]
# ## 5. Many-to-many with equal lengths: a tag for every word
#
# Named-entity recognition gives every word a tag: `O` for no name, `B-PER`/`I-PER` for the first and next words of a person's name, `B-LOC`/`I-LOC` for a place.
# In the course's sentences some words, such as "jordan", "georgia" or "florence", name a person in one sentence and a place in another.

# %%
words_list, tags_list = arch_data.make_tagged_sentences(5, seed=0)
for words, tags in zip(words_list, tags_list):
    print("  ".join(f"{w}/{arch_data.TAGS[t]}" for w, t in zip(words, tags)))

# %% [markdown]
# Only the words before such a word tell its tag: a person after "met", a place after "in".
# So a tagger that looks at each word alone has a ceiling: the best it can do is give every word its most frequent tag.
# `arch_data.word_only_ceiling` computes that ceiling; the sentences are padded on the right, so that word $t$ and its tag share the index $t$.

# %%
x_tags, y_tags = arch_data.make_tagged(1500, seed=1)
x_tags_test, y_tags_test = arch_data.make_tagged(1000, seed=2)
ambiguous = np.isin(x_tags_test, [arch_data.TAGGED_VOCAB.index(w) for w in arch_data.AMBIGUOUS])
print(f"word-by-word ceiling: {arch_data.word_only_ceiling(x_tags_test, y_tags_test):.3f} of all words, "
      f"{arch_data.word_only_ceiling(np.where(ambiguous, x_tags_test, 0), y_tags_test):.3f} of the ambiguous ones")


# %% [markdown]
# The tagger is the review classifier with `return_sequences=True`: the GRU passes on its state at every step, $(N, T, 32)$, and the `Dense` layer turns each into scores for the five tags, $(N, T, 5)$.
# For comparison, a word-by-word tagger drops the GRU: it is a one-to-one model applied to every word separately.

# %%
V_words, num_tags = len(arch_data.TAGGED_VOCAB), len(arch_data.TAGS)
words_in = one_hot_ids(x_tags, V_words)
taggers = {}
for name, middle in [("word by word", []), ("GRU tagger", [keras.layers.GRU(32, return_sequences=True)])]:
    keras.utils.set_random_seed(0)
    taggers[name] = keras.Sequential([keras.Input((None, V_words)), keras.layers.Masking()] + middle
                                     + [keras.layers.Dense(num_tags)])
    print(name)
    show_shapes(taggers[name])

# %%
for name, model in taggers.items():
    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=scores_loss, metrics=["accuracy"])
    model.fit(words_in, y_tags, epochs=2, batch_size=64, verbose=0)
    tags = np.asarray(model(one_hot_ids(x_tags_test, V_words), training=False)).argmax(axis=-1)
    print(f"{name:>12}: {arch_data.tag_accuracy(tags, y_tags_test, x_tags_test):.3f} of all words, "
          f"{arch_data.tag_accuracy(tags, y_tags_test, np.where(ambiguous, x_tags_test, 0)):.3f} of the ambiguous ones")

# %% [markdown]
# The word-by-word tagger stops at its ceiling; the GRU tagger gets the ambiguous words right too.
# Here it is on two sentences where "jordan" plays both parts:

# %%
examples = ["jordan met georgia in jordan", "in georgia jordan met florence smith"]
ids = arch_data.encode(examples, arch_data.TAGGED_VOCAB, arch_data.TAGGED_LENGTH, pad="right")
tags = np.asarray(taggers["GRU tagger"](one_hot_ids(ids, V_words), training=False)).argmax(axis=-1)
for sentence, row in zip(examples, tags):
    print("  ".join(f"{w}/{arch_data.TAGS[t]}" for w, t in zip(sentence.split(), row)))

# %% [markdown]
# ## 6. One-to-many: a melody from one note
#
# The course's melodies (`arch_data.make_melodies`) walk on the eight notes of the C-major scale, C4 to C5.
# At each step a melody keeps its direction with probability 0.7 and turns round with probability 0.3; at the lowest and highest note it must turn.
# So the next note depends on the last two: which note the melody is on and which way it is going.

# %%
melodies = arch_data.make_melodies(1000, seed=1)
arch_plots.plot_melodies(melodies[:3], arch_data.NOTES, title="Three training melodies")
plt.show()

# %% [markdown]
# To generate from one note, train a **next-note model**: a many-to-many model whose target at each step is the next note, the melody shifted by one.
# It is a tagger, with notes for words and the next note for the tag.
# Feeding the true previous notes during training is called *teacher forcing*.
#
# This time the layers are kept in variables, because generation below calls them one step at a time: a `GRU` that returns its states at every step **and** its last state, and a `Dense` layer that gives a score $y_t$ for each of the `NUM_NOTES` notes.

# %%
M = arch_data.NUM_NOTES
inputs, targets = melodies[:, :-1], melodies[:, 1:]  # (1000, 15) each: target t is the note after input t
print(inputs[0], targets[0], sep="\n")
keras.utils.set_random_seed(0)
note_gru = keras.layers.GRU(32, return_sequences=True, return_state=True)
note_scores = keras.layers.Dense(M)
notes_in = keras.Input((None, M))                      # (N, t, M): the notes so far, one-hot
note_states, _ = note_gru(notes_in)                    # (N, t, 32); the last state is not needed to train
note_model = keras.Model(notes_in, note_scores(note_states))  # (N, t, M): scores for the note after each note
note_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=scores_loss)
note_model.fit(one_hot_ids(inputs, M), targets, epochs=4, batch_size=32, verbose=0);

# %% [markdown]
# Given the notes so far, the model returns scores for the next note at every position; the softmax of the last ones is its guess for the note to come.
# Here are two melodies that both end on F4, one going up and one going down.
# In the training melodies, the first goes on to G4 with probability 0.7 and the second to E4:

# %%
two_melodies = [np.array([[2, 3, 4]]), np.array([[7, 6, 5, 4]])]  # D4 E4 F4 (up) and B4 A4 G4 F4 (down)
last_scores = [np.asarray(note_model(one_hot_ids(m, M), training=False))[0, -1] for m in two_melodies]
for melody, y in zip(two_melodies, last_scores):
    p = np.asarray(keras.ops.softmax(y))
    print(f"{' '.join(arch_data.NOTES[i] for i in melody[0]):>12} -> E4 {p[3]:.2f}, G4 {p[5]:.2f}, others {1 - p[3] - p[5]:.2f}")


# %% [markdown]
# The estimates are close to 0.7 and 0.3, and they differ between the two melodies although both end on F4: the hidden state remembers which way the melody was going.

# %% [markdown]
# Generation runs the model one step at a time: take the distribution of the next note, pick a note, feed it in, repeat.
# Starting from one note, the model writes a whole melody: one-to-many.
# (Keras can also build a one-to-many model without feedback: `RepeatVector(T)` copies the one input vector to all $T$ steps, as in Exercise 1 of the assignment. Without feedback, though, a step cannot know which notes were drawn before it, so sampled notes would not fit together.)
#
# How to pick? Always the most probable note (greedy) gives the same melody every time.
# Sampling gives variety, and a **temperature** $\theta > 0$ sets how much: it divides the scores by $\theta$ before the softmax,
#
# $$p^{(\theta)}_i = \frac{\exp(y_i / \theta)}{\sum_j \exp(y_j / \theta)} = \frac{p_i^{1/\theta}}{\sum_j p_j^{1/\theta}}, \qquad p = \mathrm{softmax}(y).$$
#
# The second form holds because $\log p_i = y_i - \log \sum_j \exp y_j$ differs from $y_i$ by the same number for every $i$, and the softmax ignores a shift shared by all scores.
# $\theta = 1$ leaves $p$ as it is; $\theta < 1$ sharpens it towards the most probable note ($\theta \to 0$ is greedy); $\theta > 1$ flattens it towards uniform.
# Worked numbers, for scores $y = (2, 1, 0)$ at $\theta = 0.5$: $p = (0.665, 0.245, 0.090)$, and both forms give $(0.867, 0.117, 0.016)$.

# %%
y = np.array([2.0, 1.0, 0.0])
p = np.exp(y) / np.exp(y).sum()
print("p:                          ", p.round(3))
print("softmax(y / 0.5):           ", (np.exp(y / 0.5) / np.exp(y / 0.5).sum()).round(3))
print("p ** (1 / 0.5), normalised: ", (p ** 2 / (p ** 2).sum()).round(3))

# %%
after_up = last_scores[0][1:]  # the scores of the notes C4 ... C5 after D4 E4 F4 (id 0 is padding)
arch_plots.plot_distributions({f"temperature {theta}": np.asarray(keras.ops.softmax(after_up / theta))
                               for theta in (0.5, 1, 2)},
                              arch_data.NOTES[1:], title="The next note after D4 E4 F4, at three temperatures")
plt.show()


# %% [markdown]
# At temperature 2 the notes the model all but ruled out get visible probabilities: the melody will jump where the rules allow only one step.
#
# Generation here carries the GRU's state from step to step, as in section 2: at each step the layer reads **one** note, starting from the state it handed on, so nothing is read twice.
# The state starts at zeros, $h_{-1} = 0$, as in training.
# `keras.random.categorical` draws one note per melody from the scores divided by the temperature.

# %%
def generate_carrying_state(first_notes, length, theta, seed):
    seeds = keras.random.SeedGenerator(seed)
    notes = [np.asarray(first_notes)]
    state = np.zeros((len(first_notes), 32), dtype="float32")       # h_{-1} = 0
    for _ in range(length - 1):
        _, state = note_gru(one_hot_ids(notes[-1][:, None], M), initial_state=state)  # one step: (N, 1, M) in
        scores = note_scores(state)                                  # (N, M): a GRU's state is its output
        if theta == 0:
            notes.append(np.asarray(scores).argmax(axis=-1))         # greedy
        else:
            notes.append(np.asarray(keras.random.categorical(scores / theta, 1, seed=seeds))[:, 0])
    return np.stack(notes, axis=1)                                   # (N, length)

samples = {theta: generate_carrying_state(np.full(100, 4), 16, theta, seed=0) for theta in (0, 0.5, 1, 2)}
arch_plots.plot_melodies(np.stack([samples[theta][0] for theta in (0, 1, 2)]), arch_data.NOTES,
                         labels=["temperature 0", "temperature 1", "temperature 2"],
                         title="Melodies generated from F4")
plt.show()

# %% [markdown]
# Carrying the state gives the same scores, up to rounding, as reading each whole melody again from its start, which is the simpler way the assignment takes:

# %%
melody = samples[1][:3]
again = np.asarray(note_model(one_hot_ids(melody, M), training=False))  # (3, 16, M): every position at once
state = np.zeros((3, 32), dtype="float32")
step_by_step = []
for t in range(melody.shape[1]):
    _, state = note_gru(one_hot_ids(melody[:, t:t + 1], M), initial_state=state)
    step_by_step.append(np.asarray(note_scores(state)))
print("the same scores at all 16 positions:", np.allclose(np.stack(step_by_step, axis=1), again, atol=1e-4))

# %% [markdown]
# `arch_data.melody_stats` measures how well melodies keep the rules: the fraction of moves that go one scale step (1.0 in the training melodies), and how often a melody turns where it is free to go on (0.3 in the training melodies).

# %%
for theta, generated in samples.items():
    stats = arch_data.melody_stats(generated)
    print(f"temperature {theta}: one-step moves {stats['steps']:.3f}, turns {stats['turns']:.3f}")

# %% [markdown]
# The temperature trades variety against faithfulness.
# At 0 the melody never turns freely: the same scale up and down every time.
# At 1 it turns about as often as the training melodies.
# At 2 it turns more often and starts to break the rules with jumps.

# %% [markdown]
# ## 7. Many-to-many with unequal lengths: the encoder-decoder
#
# The last task translates spelled-out dates into ISO dates, one character per token:

# %%
spelled, iso = arch_data.make_date_texts(5, seed=0)
for text, date in zip(spelled, iso):
    print(f"{text:>55} -> {date}")

# %% [markdown]
# A tagger cannot do this, for two reasons.
# - **Lengths.** A tagger gives one output per input: the dates have 4 to 9 words, the ISO form always 10 characters.
# - **Order.** A left-to-right tagger gives output $t$ having read inputs $0, \dots, t$ only; but the first characters, the year, come from the last words.
#
# An **encoder-decoder** (Cho et al. 2014; Sutskever et al. 2014) splits the work in two.
# The encoder reads the whole source; its last state, the *context*, summarises it.
# The decoder starts from the context (its initial state $h_{-1}$ is the encoder's last state) and writes the target one token at a time, reading at each step the token it wrote before, until it writes `<end>`.

# %%
arch_plots.architecture_diagram("encoder_decoder", in_steps=4, out_steps=3)
plt.show()

# %% [markdown]
# During training the decoder reads the **true** previous token (teacher forcing): its inputs are the target shifted one step right, after `<start>`.
# `arch_data.encode_target` makes both.

# %%
source, decoder_in, decoder_out = arch_data.make_dates(6000, seed=1)
print("source:         ", source[0], "=", arch_data.decode(source[:1], arch_data.SOURCE_VOCAB)[0])
print("decoder inputs: ", decoder_in[0], "= <start>", " ".join(arch_data.TARGET_VOCAB[i] for i in decoder_in[0, 1:]))
print("decoder targets:", decoder_out[0], "=", " ".join(arch_data.TARGET_VOCAB[i] for i in decoder_out[0, :-1]), "<end>")


# %% [markdown]
# Keras's functional API wires the two halves together.
# Both are `LSTM` layers, whose state has two parts, `h` and `c` (section 2).
# The encoder returns only its state (`return_state=True`): the context.
# The decoder starts from it through `initial_state`, returns its state at every step for the `Dense` layer, and its last state too, which decoding uses below.
# Here the layers are kept in variables, to be called again one step at a time after training; the assignment builds the same kind of model in one go.
#
# | tensor | shape |
# |---|---|
# | source word ids | $(N, T_\text{in})$ |
# | their embeddings | $(N, T_\text{in}, 32)$ |
# | context `[h, c]` | $(N, 64)$ and $(N, 64)$ |
# | decoder input ids, `<start>` and the target shifted right | $(N, T_\text{out})$ |
# | decoder states | $(N, T_\text{out}, 64)$ |
# | scores of the next token | $(N, T_\text{out}, V)$ with $V$ = `len(TARGET_VOCAB)` |

# %%
V_source, V_target = len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB)
keras.utils.set_random_seed(0)
layers = dict(source_words=keras.layers.Embedding(V_source, 32, mask_zero=True),
              encoder=keras.layers.LSTM(64, return_state=True),
              target_words=keras.layers.Embedding(V_target, 32),
              decoder=keras.layers.LSTM(64, return_sequences=True, return_state=True),
              scores=keras.layers.Dense(V_target))
source_in, target_in = keras.Input((None,), dtype="int32"), keras.Input((None,), dtype="int32")
_, h, c = layers["encoder"](layers["source_words"](source_in))                  # the context
decoder_states, _, _ = layers["decoder"](layers["target_words"](target_in), initial_state=[h, c])
date_model = keras.Model([source_in, target_in], layers["scores"](decoder_states))
show_shapes(date_model)

# %%
date_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=scores_loss, metrics=["accuracy"])
date_model.fit([source, decoder_in], decoder_out, epochs=4, batch_size=64, verbose=0);

# %% [markdown]
# With teacher forcing, the model predicts almost every character of fresh dates:

# %%
test_source, test_in, test_out = arch_data.make_dates(500, seed=2)
scores = np.asarray(date_model([test_source, test_in], training=False))
print(f"teacher-forced token accuracy: {np.mean(scores.argmax(axis=-1) == test_out):.3f}")


# %% [markdown]
# After training there is no true previous token: the decoder must read its own outputs.
# **Greedy decoding** starts from `<start>`, takes the most probable token at every step and feeds it back in.
# Here the decoder carries its state from step to step, as the melody generator did: the encoder reads each source once, then the decoder reads one token per step.
# It runs a fixed number of steps for the whole batch; `arch_data.decode_target` then cuts each row at its first `<end>`.
# (The assignment's version reads the whole sequence so far at each step instead, and stops as soon as every row has ended.)

# %%
spelled, iso = arch_data.make_date_texts(300, seed=3)
_, h, c = layers["encoder"](layers["source_words"](arch_data.encode_source(spelled)))  # the context, once
written = [np.full(len(spelled), arch_data.START)]
for _ in range(arch_data.TARGET_LENGTH):
    step_input = layers["target_words"](written[-1][:, None])                            # (N, 1, 32)
    out, h, c = layers["decoder"](step_input, initial_state=[h, c])                     # one step, state carried
    written.append(np.asarray(layers["scores"](out[:, -1])).argmax(axis=-1))          # fed back next step
translations = arch_data.decode_target(np.stack(written, axis=1))
print(f"exactly right: {np.mean([t == i for t, i in zip(translations, iso)]):.3f} of 300 fresh dates")
for text, got, wanted in list(zip(spelled, translations, iso))[:4]:
    print(f"{text:>55} -> {got}   (expected {wanted})")

# %% [markdown]
# A wrong character early on is fed back in and can throw off the rest: an exact match is harder than a high token accuracy.
# Greedy decoding takes the best token at each step, which is not always the best sequence; *beam search* keeps several candidates at each step, at a higher cost.

# %% [markdown]
# ### Input reversal
#
# Sutskever et al. (2014) translated English into French with an encoder-decoder of LSTMs and found a simple trick: feed every source sentence to the encoder **backwards**.
# English and French put their words in a similar order, so the first French words depend mostly on the first English words.
# Read forwards, those first English words are far from the start of decoding: between them and the first outputs lies the whole sentence, and the gradient of the first outputs has to travel back through all those steps.
# Read backwards, the first source words are read last, right next to the first outputs: the path is short, and the gradient reaches them easily.
# The average distance between a source word and the target word it matches does not change, since the last source words move farther away; but the shortest distances become very short, which makes it much easier for training to connect source and target.
# Sutskever et al. found better translations throughout, long sentences included.
# `arch_data.reverse_source` reverses the words of the dates:

# %%
example = arch_data.encode_source(["the third of march twenty twenty one"])
print(arch_data.decode(example, arch_data.SOURCE_VOCAB)[0])
print(arch_data.decode(arch_data.reverse_source(example), arch_data.SOURCE_VOCAB)[0])

# %% [markdown]
# We do not train a model on reversed dates here, to keep the lecture within a minute: the effect is not measured in this unit.
# Whether reversal would help depends on which source words each output character needs, and how far apart they are; Exercise 8 of the assignment asks you to work it out for the dates.

# %% [markdown]
# ## Summary
#
# - A recurrent layer returns its last state, $(N, H)$, or with `return_sequences=True` its state at every step, $(N, T, H)$; a `Dense` layer then gives one output per sequence or one per step.
# - `return_state` hands a layer's last state on (one tensor for `SimpleRNN` and `GRU`, `h` and `c` for `LSTM`), and `initial_state` starts a layer from it: reading in pieces with the state handed on equals reading in one go.
# - A mask (`Embedding(mask_zero=True)` or `Masking` on zero vectors) makes a recurrent layer skip the padding.
# - **Many-to-one** (a review's sentiment) reads the whole sequence and answers once; **many-to-many with equal lengths** (a tag for every word) answers at every step, from the words so far.
# - **One-to-many** generation uses a next-note model trained with teacher forcing, run one step at a time with its own outputs fed back; the temperature $\theta$ divides the scores before the softmax and trades variety against faithfulness.
# - When lengths differ or the order changes, an **encoder-decoder** reads the whole source into a context and a decoder writes the target from it, trained with teacher forcing and decoded greedily.
# - Reversing the source shortens the path from the first outputs to the first source words, which is why it helped English-to-French translation.
#
# **Next, unit 06: gradient problems.**
# Why do gated layers such as the GRU and the LSTM learn long-range dependencies that a SimpleRNN struggles with?
# You will measure vanishing and exploding gradients, clip them, and write an LSTM cell yourself.
