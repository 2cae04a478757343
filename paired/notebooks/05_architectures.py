# %% [markdown]
# # Unit 05: architecture types
#
# A recurrent layer reads a sequence one step at a time and carries a hidden state from step to step.
# Around that one idea you can build models for very different tasks: one answer per sequence, one answer per step, a whole sequence from a single seed, or a sequence of another length.
# This lecture builds each of them in Keras and trains it on data the course generates.
#
# **What you will learn**
# - the five architectures, one-to-one, one-to-many, many-to-one, many-to-many with equal lengths and the encoder-decoder, with the shapes of their inputs, hidden states and outputs;
# - what `return_sequences` changes, and how a `Dense` layer acts on every step;
# - a many-to-one classifier of reviews and a many-to-many tagger of words;
# - how a next-note model generates a melody from one note, and what the temperature of sampling trades off;
# - why different lengths and orders need an encoder-decoder, teacher forcing, greedy decoding, and why Sutskever et al. reversed their source sentences.
#
# **Prerequisites.** Units 01 and 02: a Keras model with `Embedding`, `SimpleRNN` and `Dense`, and the hidden-state equation.
#
# In the assignment you build these models yourself, and write the sampling, generation and decoding code.

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
# The sizes are named once for the whole unit:
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
# ## 2. Shapes in Keras: `return_sequences`
#
# A Keras recurrent layer computes a hidden state at every step.
# By default it returns only the last one, shape $(N, H)$; with `return_sequences=True` it returns all of them, shape $(N, T, H)$.

# %%
N, T, D, H, V = 2, 5, 3, 4, 6
x = np.random.default_rng(0).normal(size=(N, T, D)).astype("float32")
keras.utils.set_random_seed(0)
print("SimpleRNN(H):                        ", keras.layers.SimpleRNN(H)(x).shape)
print("SimpleRNN(H, return_sequences=True): ", keras.layers.SimpleRNN(H, return_sequences=True)(x).shape)

# %% [markdown]
# A `Dense` layer acts on the last axis only.
# On a batch of states $(N, H)$ it gives one output per sequence; on $(N, T, H)$ it gives one per step, with the same weights $W$ of shape $(H, V)$ at every step.
# That is all the difference between many-to-one and many-to-many.

# %%
dense = keras.layers.Dense(V, activation="softmax")
states = keras.layers.SimpleRNN(H, return_sequences=True)(x)
print("Dense on (N, H):   ", dense(states[:, -1]).shape)
print("Dense on (N, T, H):", dense(states).shape, "with one kernel of shape", tuple(dense.kernel.shape))

# %% [markdown]
# The softmax runs over the last axis, the $V$ classes: each position gets its own distribution, summing to 1.

# %%
dense(states).numpy().sum(axis=-1)  # (N, T): a 1 for every example and step

# %% [markdown]
# ## 3. One-to-one
#
# One input vector, one output, no sequence and no state carried over: a feedforward network.
# Turning "march" into 3 is such a task: the answer depends on the current input only, so memory would not help.

# %%
arch_plots.architecture_diagram("one_to_one")
plt.show()

# %%
one_to_one = keras.Sequential([keras.Input((D,)), keras.layers.Dense(H, activation="tanh"),
                               keras.layers.Dense(V, activation="softmax")])
print(one_to_one(x[:, 0]).shape)  # (N, D) -> (N, V)

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
# The model is the classifier of unit 01 with two changes.
# `GRU(32)` replaces `SimpleRNN`: a recurrent layer with gates that decide what to keep in the state (unit 06 opens it up), with the same interface.
# The output is a softmax over the three classes, trained with `sparse_categorical_crossentropy`, the cross-entropy for integer labels.

# %%
def review_classifier(vocab_size, num_classes):
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),              # (N, T) word ids, any T
        keras.layers.Embedding(vocab_size, 16, mask_zero=True),  # (N, T, 16); id 0 is skipped
        keras.layers.GRU(32),                                    # (N, 32): the last state only
        keras.layers.Dense(num_classes, activation="softmax"),   # (N, 3)
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model

keras.utils.set_random_seed(0)
reviews_model = review_classifier(len(arch_data.REVIEW_VOCAB), len(arch_data.CLASSES))
reviews_model.fit(x_reviews, y_reviews, epochs=2, batch_size=32, verbose=0);

# %%
predicted = np.asarray(reviews_model(x_reviews_test, training=False)).argmax(axis=-1)
correct = predicted == y_reviews_test
print(f"accuracy on 1000 fresh reviews: {correct.mean():.3f}")
print(f"  on the twins: {correct[arch_data.twins(x_reviews_test, y_reviews_test)].mean():.3f}")
for c, name in enumerate(arch_data.CLASSES):
    print(f"  on the {name} reviews: {correct[y_reviews_test == c].mean():.3f}")

# %% [markdown]
# The same words in another order get other labels, and the model tells them apart:

# %%
tricky = ["it was good and not bad", "it was not good and bad", "it was good and bad", "it was not good but not bad"]
probs = np.asarray(reviews_model(arch_data.encode(tricky, arch_data.REVIEW_VOCAB, arch_data.REVIEW_LENGTH),
                                 training=False))
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
# The tagger is the review classifier with `return_sequences=True`: the GRU passes on its state at every step, and the `Dense` layer turns each into a distribution over the five tags.
# For comparison, a word-by-word tagger drops the GRU: it is a one-to-one model applied to every word separately.

# %%
def tagger(vocab_size, num_tags, recurrent=True):
    model = keras.Sequential(
        [keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(vocab_size, 16, mask_zero=True)]
        + ([keras.layers.GRU(32, return_sequences=True)] if recurrent else [])  # (N, T, 32)
        + [keras.layers.Dense(num_tags, activation="softmax")])                   # (N, T, 5)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model

taggers = {}
for name, recurrent in [("word by word", False), ("GRU tagger", True)]:
    keras.utils.set_random_seed(0)
    taggers[name] = tagger(len(arch_data.TAGGED_VOCAB), len(arch_data.TAGS), recurrent)
    taggers[name].fit(x_tags, y_tags, epochs=2, batch_size=64, verbose=0)
    tags = np.asarray(taggers[name](x_tags_test, training=False)).argmax(axis=-1)
    print(f"{name:>12}: {arch_data.tag_accuracy(tags, y_tags_test, x_tags_test):.3f} of all words, "
          f"{arch_data.tag_accuracy(tags, y_tags_test, np.where(ambiguous, x_tags_test, 0)):.3f} of the ambiguous ones")

# %% [markdown]
# The word-by-word tagger stops at its ceiling; the GRU tagger gets the ambiguous words right too.
# Here it is on two sentences where "jordan" plays both parts:

# %%
examples = ["jordan met georgia in jordan", "in georgia jordan met florence smith"]
ids = arch_data.encode(examples, arch_data.TAGGED_VOCAB, arch_data.TAGGED_LENGTH, pad="right")
tags = np.asarray(taggers["GRU tagger"](ids, training=False)).argmax(axis=-1)
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
# It is exactly the tagger of section 5, with notes for words and the next note for the tag.
# Feeding the true previous notes during training is called *teacher forcing*.

# %%
inputs, targets = melodies[:, :-1], melodies[:, 1:]  # (1000, 15) each: target t is the note after input t
print(inputs[0], targets[0], sep="\n")
keras.utils.set_random_seed(0)
note_model = tagger(arch_data.NUM_NOTES, arch_data.NUM_NOTES)
note_model.fit(inputs, targets, epochs=4, batch_size=32, verbose=0);

# %% [markdown]
# Given the notes so far, the model returns a distribution over the next note at every position; the last one is its guess for the note to come.
# Here are two melodies that both end on F4, one going up and one going down.
# In the training melodies, the first goes on to G4 with probability 0.7 and the second to E4:

# %%
two_melodies = [np.array([[2, 3, 4]]), np.array([[7, 6, 5, 4]])]  # D4 E4 F4 (up) and B4 A4 G4 F4 (down)
p_both = [np.asarray(note_model(m, training=False))[0, -1] for m in two_melodies]  # the next note's distribution
for melody, p in zip(two_melodies, p_both):
    print(f"{' '.join(arch_data.NOTES[i] for i in melody[0]):>12} -> E4 {p[3]:.2f}, G4 {p[5]:.2f}, others {1 - p[3] - p[5]:.2f}")
p_next = p_both[0]


# %% [markdown]
# The estimates are close to 0.7 and 0.3, and they differ between the two melodies although both end on F4: the hidden state remembers which way the melody was going.

# %% [markdown]
# Generation runs the model one step at a time: take the distribution for the next note, pick a note, append it, and run again on the longer melody.
# Starting from one note, the model writes a whole melody: one-to-many.
# Running the model on the whole melody at every step recomputes the earlier states, which is simple and fast enough for 16 notes; a longer generation would carry the state forward instead.
# Keras can also build a one-to-many model without feedback: `RepeatVector(T)` copies the one input vector to all $T$ steps (the model of Exercise 1 of the assignment).
# Without feedback, though, a step cannot know which notes were drawn before it, so sampled notes would not fit together.
#
# How to pick? Always the most probable note (greedy) gives the same melody every time.
# Sampling gives variety, and a **temperature** $\tau$ sets how much, by reshaping the distribution $p$ before drawing from it:
#
# $$p^{(\tau)}_i = \frac{\exp(\log p_i / \tau)}{\sum_j \exp(\log p_j / \tau)} = \frac{p_i^{1/\tau}}{\sum_j p_j^{1/\tau}}.$$
#
# $\tau = 1$ leaves $p$ as it is; $\tau < 1$ sharpens it towards the most probable note ($\tau \to 0$ is greedy); $\tau > 1$ flattens it towards uniform.

# %%
def with_temperature(p, tau):
    weights = (p / p.max(axis=-1, keepdims=True)) ** (1 / tau)  # p ** (1 / tau), kept between 0 and 1
    return weights / weights.sum(axis=-1, keepdims=True)

arch_plots.plot_distributions({f"temperature {tau}": with_temperature(p_next[1:], tau) for tau in (0.5, 1, 2)},
                              arch_data.NOTES[1:], title="The next note after D4 E4 F4, at three temperatures")
plt.show()


# %% [markdown]
# At temperature 2 the notes the model all but ruled out get visible probabilities: the melody will jump where the rules allow only one step.
# Here is generation for a batch of melodies, drawing one uniform number per melody and picking the first note whose cumulative probability passes it:

# %%
def generate(model, first_notes, length, tau, rng):
    melodies = np.asarray(first_notes)[:, None]
    while melodies.shape[1] < length:
        p = np.asarray(model(melodies, training=False))[:, -1]             # (N, NUM_NOTES)
        if tau == 0:
            notes = p.argmax(axis=-1)                                      # greedy
        else:
            cumulative = with_temperature(p, tau).cumsum(axis=-1)
            notes = (rng.random((len(p), 1)) > cumulative).sum(axis=-1)   # a draw from p^(tau)
            notes = np.minimum(notes, p.shape[-1] - 1)                      # in case of rounding
        melodies = np.concatenate([melodies, notes[:, None]], axis=1)
    return melodies

rng = np.random.default_rng(0)
samples = {tau: generate(note_model, np.full(100, 4), 16, tau, rng) for tau in (0, 0.5, 1, 2)}
arch_plots.plot_melodies(np.stack([samples[tau][0] for tau in (0, 1, 2)]), arch_data.NOTES,
                         labels=["temperature 0", "temperature 1", "temperature 2"],
                         title="Melodies generated from F4")
plt.show()

# %% [markdown]
# `arch_data.melody_stats` measures how well melodies keep the rules: the fraction of moves that go one scale step (1.0 in the training melodies), and how often a melody turns where it is free to go on (0.3 in the training melodies).

# %%
for tau, generated in samples.items():
    stats = arch_data.melody_stats(generated)
    print(f"temperature {tau}: one-step moves {stats['steps']:.3f}, turns {stats['turns']:.3f}")

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
# The encoder reads the whole source; its last state, the *context* $c$, summarises it.
# The decoder starts from $c$ and writes the target one token at a time, reading at each step the token it wrote before, until it writes `<end>`.

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
# The encoder is an `LSTM`, a recurrent layer whose state has two parts, `h` and `c` (unit 06 opens it up); `return_state=True` makes it return them.
# The decoder `LSTM` starts from that state through `initial_state`, and returns its state at every step for the `Dense` layer.

# %%
def encoder_decoder(source_vocab_size, target_vocab_size, units=64):
    source = keras.Input(shape=(None,), dtype="int32")          # (N, T_in)
    decoder_inputs = keras.Input(shape=(None,), dtype="int32")  # (N, T_out)
    words = keras.layers.Embedding(source_vocab_size, 32, mask_zero=True)(source)
    _, h, c = keras.layers.LSTM(units, return_state=True)(words)          # the context: (N, 64) twice
    previous = keras.layers.Embedding(target_vocab_size, 32)(decoder_inputs)
    states = keras.layers.LSTM(units, return_sequences=True)(previous, initial_state=[h, c])  # (N, T_out, 64)
    probabilities = keras.layers.Dense(target_vocab_size, activation="softmax")(states)      # (N, T_out, V)
    model = keras.Model([source, decoder_inputs], probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model

keras.utils.set_random_seed(0)
date_model = encoder_decoder(len(arch_data.SOURCE_VOCAB), len(arch_data.TARGET_VOCAB))
date_model.fit([source, decoder_in], decoder_out, epochs=4, batch_size=64, verbose=0);

# %% [markdown]
# With teacher forcing, the model predicts almost every character of fresh dates:

# %%
test_source, test_in, test_out = arch_data.make_dates(500, seed=2)
probs = np.asarray(date_model([test_source, test_in], training=False))
print(f"teacher-forced token accuracy: {np.mean(probs.argmax(axis=-1) == test_out):.3f}")


# %% [markdown]
# After training there is no true previous token: the decoder must read its own outputs.
# **Greedy decoding** starts from `<start>`, takes the most probable token at every step and feeds it back in.
# This simple version runs a fixed number of steps for the whole batch and cuts each row at its first `<end>` afterwards; the assignment's version also stops as soon as every row has ended.

# %%
def decode_dates(model, source_ids, steps=arch_data.TARGET_LENGTH):
    tokens = np.full((len(source_ids), 1), arch_data.START)
    for _ in range(steps):
        p = np.asarray(model([source_ids, tokens], training=False))[:, -1]    # the next token's distribution
        tokens = np.concatenate([tokens, p.argmax(axis=-1)[:, None]], axis=1)  # fed back at the next step
    return arch_data.decode_target(tokens)  # stops at <end>, drops <start>

spelled, iso = arch_data.make_date_texts(300, seed=3)
translations = decode_dates(date_model, arch_data.encode_source(spelled))
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
# - **Many-to-one** (a review's sentiment) reads the whole sequence and answers once; **many-to-many with equal lengths** (a tag for every word) answers at every step, from the words so far.
# - **One-to-many** generation uses a next-note model trained with teacher forcing, run one step at a time with its own outputs fed back; the temperature of sampling trades variety against faithfulness.
# - When lengths differ or the order changes, an **encoder-decoder** reads the whole source into a context and a decoder writes the target from it, trained with teacher forcing and decoded greedily.
# - Reversing the source shortens the path from the first outputs to the first source words, which is why it helped English-to-French translation.
#
# **Next, unit 06: gradient problems.**
# Why do gated layers such as the GRU and the LSTM learn long-range dependencies that a SimpleRNN struggles with?
# You will measure vanishing and exploding gradients, clip them, and write an LSTM cell yourself.
