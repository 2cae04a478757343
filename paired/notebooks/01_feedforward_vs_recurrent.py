# %% [markdown]
# # Unit 01: feedforward versus recurrent
#
# Why does a network that reads sentences need memory?
# This lecture measures what feedforward networks can and cannot do with a sentence, and what a small recurrent network does better.
#
# **What you will learn**
# - why reading needs memory: you understand a word from the words before it;
# - what a dense layer computes, and why its output for one word ignores the words before it;
# - why a dense network needs inputs of one fixed size, and two ways to give it one: a bag of words, or a window of concatenated words;
# - why a bag of words is blind to word order, and the exact accuracy ceiling that follows on a task where order matters;
# - that a window of concatenated words can use word order, but learns it separately at every position, so it fails when the same words move;
# - that a small recurrent network passes the ceiling and, because it uses the same weights at every step, reads a sentence the same way wherever it sits.
#
# **Prerequisites.** NumPy arrays and the matrix product `@`; what a neural-network classifier is (layers, activations, training with a loss).
# You need no knowledge of recurrent networks: unit 02 explains how they work.
#
# This unit's assignment asks you to write the dense layer and the bag of words yourself, and to build both classifiers in Keras.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before Keras because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import keras
from rnncourse import sentences

np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# ## 1. Reading is remembering
#
# When you read a book, you understand each word from the words before it.
# In "the movie was not good", by the time you reach "good" you remember the "not", and you read "good" as its opposite.
# In "she put the book down; it was heavy", "it" means the book only because you remember the words before.
#
# A network that reads a sentence one word at a time needs the same thing: a memory of what it has read so far.
# Let us see what goes wrong without one.

# %% [markdown]
# ## 2. A dense layer has no memory
#
# A dense (fully connected) layer maps an input $x$ of size $D$ to an output of size $H$:
#
# $$y = f(x W + b),$$
#
# with weights $W$ of shape $(D, H)$, a bias $b$ of shape $(H,)$ and an activation function $f$, such as $\tanh$, applied to every entry.
# For a batch, the inputs are the rows of an $(N, D)$ array, and one matrix product handles them all.

# %%
def dense(x, W, b, activation=np.tanh):
    return activation(x @ W + b)  # (N, D) @ (D, H) + (H,) -> (N, H)


# %% [markdown]
# To read a sentence with it, turn each word into a vector.
# The simplest is a *one-hot* vector: as long as the vocabulary, all zeros except a 1 at the word's id.
# The course's vocabulary has `sentences.VOCAB_SIZE` words; `sentences.encode` gives the word ids of each sentence.

# %%
V, H = sentences.VOCAB_SIZE, 3
pair = ["the movie was not good", "the movie was very good"]
ids = sentences.encode(pair, max_len=5)  # (2, 5): one word id per position
one_hot = np.eye(V)[ids]                 # (2, 5, V): one one-hot vector per word
ids

# %% [markdown]
# The dense layer reads the words one at a time, $t = 0, 1, \dots, 4$, with the same weights at every step:
#
# $$y_t = f(x_t W + b).$$

# %%
rng = np.random.default_rng(0)
W, b = rng.normal(size=(V, H)), rng.normal(size=H)
y = np.stack([dense(one_hot[:, t], W, b) for t in range(5)], axis=1)  # (2, 5, H)
print("output at 'good' after 'not': ", y[0, -1])
print("output at 'good' after 'very':", y[1, -1])

# %% [markdown]
# The two outputs for "good" are the same: $y_t$ depends on $x_t$ alone, not on $x_{t-1}$.
# This is a classifier whose output at time $t$ ignores time $t-1$: whatever came before, "good" gets the same answer.
# More dense layers on top do not help, since each of them also sees only what the layer below computed from $x_t$.
#
# A recurrent layer adds one term: its output at the previous step, the *hidden state* $h_{t-1}$, goes back in through recurrent weights $W_{hh}$ of shape $(H, H)$.
# Its input weights $W_{xh}$, of shape $(D, H)$, and its bias $b_h$ play the part of the dense layer's $W$ and $b$:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h),$$
#
# so $h_t$ depends on every word read so far.
# Unit 02 studies this equation; here is the same pair of sentences through it, with the dense layer's weights as $W_{xh}$ and $b_h$, starting from the state $h_{-1} = 0$.

# %%
W_xh, b_h = W, b                                    # the input weights and bias of the dense layer above
W_hh = rng.normal(size=(H, H))                      # the recurrent weights
h = np.zeros((2, H))                                # h_{-1}
for t in range(5):
    h = np.tanh(one_hot[:, t] @ W_xh + h @ W_hh + b_h)  # the state carries the past forward
print("state after 'good' after 'not': ", h[0])
print("state after 'good' after 'very':", h[1])

# %% [markdown]
# Now the two states differ: the word read two steps earlier still shows in the state.

# %% [markdown]
# ## 3. Inputs of one fixed size
#
# Another way to use a dense network is to give it the whole sentence at once.
# But its input size $D$ is fixed when the network is built, and sentences have different lengths.
# Two common ways around that:
#
# - **Bag of words.** Count how often each word occurs: a vector of size $V$ whatever the length of the sentence.
#   It is the classic input of a feedforward text classifier.
# - **A window of concatenated words.** Pad every sentence to a window of $L$ positions and concatenate its $L$ one-hot vectors into one vector of size $L V$.
#   The network sees every word and where it is, but every position has its own weights, and a sentence longer than $L$ does not fit.
#
# Sections 5 and 6 measure what the bag of words loses, section 7 what the window gets and what it does not.
# With the course's vocabulary and a window of `sentences.MAX_LEN` words, the two input sizes are:

# %%
print("window of concatenated words:", sentences.MAX_LEN * V, "inputs")
print("bag of words:                ", V, "inputs, for a sentence of any length")

# %% [markdown]
# ## 4. The sentences of this course
#
# The course generates its own data (`rnncourse.sentences`), so nothing is downloaded.
# A sentence is an opener such as "the movie was", then one or two clauses joined by "and".
# A clause is an adjective, perhaps after "very", perhaps negated by a "not" in front; "not" negates only its own clause.
# The label is 1 for a positive sentence and 0 for a negative one.

# %%
texts, labels = sentences.make_sentences(8, seed=0)
for words, label in zip(texts, labels):
    print("positive" if label == 1 else "negative", "|", " ".join(words))

# %% [markdown]
# Half of the sentences are *twins*: two sentences made of exactly the same words in a different order, with opposite labels, such as "good and not bad" (positive) and "not good and bad" (negative).
# The other half have one clause, or two clauses of the same kind ("great and nice", "not bad and not dull").
#
# `make_dataset` gives the word ids of each sentence, padded with id 0 up to `MAX_LEN` positions.
# The padding goes on the left, as `keras.utils.pad_sequences` does by default, so the words come last, right before a recurrent model gives its answer.

# %%
x_train, y_train = sentences.make_dataset(2000, seed=1)  # to train on
x_test, y_test = sentences.make_dataset(2000, seed=2)    # fresh sentences, to measure accuracy
print(x_train.shape, y_train.shape)
print(x_train[:2])
print(sentences.decode(x_train[:2]), y_train[:2])

# %% [markdown]
# ## 5. A bag of words is blind to order
#
# The bag of a sentence counts each word id: `counts[n, j]` is how often word `j` occurs in sentence `n`.
# Keras's `CategoryEncoding` layer in `"count"` mode does the counting (the assignment asks you to write it in NumPy).
# Padding is not a word, so its column is set to zero.

# %%
count_words = keras.layers.CategoryEncoding(num_tokens=V, output_mode="count")


def bags_of(token_ids):
    bags = np.array(count_words(token_ids))  # (N, V): how often each word id occurs
    bags[:, 0] = 0                           # padding is not a word
    return bags

bags_train, bags_test = bags_of(x_train), bags_of(x_test)
bags_train.shape

# %% [markdown]
# Here are two pairs of twins: each row is a sentence, each column a word of the vocabulary, each number a count.

# %%
twins = ["the movie was good and not bad", "the movie was not good and bad",
         "it is not very dull and fine", "it is very dull and not fine"]
twin_labels = [1, 0, 1, 0]
twin_bags = bags_of(sentences.encode(twins))
sentences.plot_bags(twin_bags, twins, twin_labels, title="Twins have the same bag of words")
plt.show()

# %%
np.array_equal(twin_bags[0], twin_bags[1]), np.array_equal(twin_bags[2], twin_bags[3])

# %% [markdown]
# A model that reads only the bag gets the same input for both twins, so it gives them the same answer, whatever its size, its weights or its training.
# Their labels differ, so it gets one of the two wrong.
#
# That gives an exact ceiling for **any** function of the bag of words on a set of sentences.
# Group the sentences by their bag; the best a function of the bag can do is to predict each group's majority label.

# %%
from collections import Counter, defaultdict

votes = defaultdict(Counter)                   # bag -> how many sentences of each label have it
for bag, label in zip(map(tuple, bags_test), y_test):
    votes[bag][label] += 1
best = sum(max(count.values()) for count in votes.values())
print(f"{len(votes)} distinct bags; the best any function of the bag can do: {best / len(y_test):.3f}")

# %% [markdown]
# Every group is either pure (one label) or made of twins, half positive and half negative.
# Half of the sentences are twins, so the ceiling is $1 - \tfrac12 \cdot \tfrac12 = 0.75$.
# `sentences.bag_ceiling` computes the same number.

# %%
ceiling = sentences.bag_ceiling(x_test, y_test)
twin_mask = sentences.order_sensitive(x_test, y_test)  # True for the sentences that are twins
print(f"ceiling {ceiling:.3f}; twins: {twin_mask.mean():.0%} of the test sentences")


# %% [markdown]
# ## 6. A feedforward classifier on the bag of words
#
# The model reads a bag of $V$ counts (`inputs=V`), has a hidden layer of 32 ReLU units, and outputs the probability that the sentence is positive.
# It is trained with the binary cross-entropy loss for 10 epochs, a few seconds.

# %%
def feedforward(hidden_layers=(32,), inputs=V):
    model = keras.Sequential([keras.Input(shape=(inputs,))]
                             + [keras.layers.Dense(units, activation="relu") for units in hidden_layers]
                             + [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model

keras.utils.set_random_seed(0)
ff = feedforward()
ff.fit(bags_train, y_train, epochs=10, batch_size=32, verbose=0);


# %% [markdown]
# `sentences.accuracy` counts a sentence as right when the predicted probability is on the right side of 0.5.

# %%
def report(name, probabilities):
    overall = sentences.accuracy(probabilities, y_test)
    on_twins = sentences.accuracy(probabilities[twin_mask], y_test[twin_mask])
    others = sentences.accuracy(probabilities[~twin_mask], y_test[~twin_mask])
    print(f"{name}: {overall:.3f} overall, {on_twins:.3f} on the twins, {others:.3f} on the others")
    return overall, on_twins

ff_scores = report("feedforward, 32 units", np.asarray(ff(bags_test)))

# %% [markdown]
# It gets right every sentence that the bag can decide, and exactly half of the twins: it sits on the ceiling.
# The hidden layer is needed even for that: every word occurs about as often in positive as in negative sentences ("not" flips both "good" and "bad"), so no single count points either way, and a model linear in the counts cannot separate them.
#
# Does a bigger network do better?
# Three hidden layers of 256 units have about 140 000 weights instead of about 800.

# %%
keras.utils.set_random_seed(0)
big = feedforward(hidden_layers=(256, 256, 256))
big.fit(bags_train, y_train, epochs=10, batch_size=32, verbose=0)
print(big.count_params(), "parameters")
big_scores = report("feedforward, 3 x 256 units", np.asarray(big(bags_test)))

# %% [markdown]
# No: the order was thrown away before the network saw the sentence, and no number of units brings it back.

# %% [markdown]
# ## 7. A window of concatenated words can use order
#
# So no network that reads the bag of words can pass 0.75.
# That is a limit of the bag, not of feedforward networks: give the same network the window of section 3, the one-hot vectors of the $L = 10$ positions of `x_train` concatenated into one vector of $L V$ numbers.

# %%
L = sentences.MAX_LEN


def window_of(token_ids):
    return np.eye(V)[token_ids].reshape(len(token_ids), L * V)  # (N, L, V) one-hot, then concatenated


keras.utils.set_random_seed(0)
window = feedforward(inputs=L * V)
window.fit(window_of(x_train), y_train, epochs=10, batch_size=32, verbose=0)
window_scores = report("feedforward on the window", np.asarray(window(window_of(x_test))))

# %% [markdown]
# It gets the twins right too: its input says which word sits at which position, so "not" before "bad" and "not" before "good" are different inputs.
# A feedforward network *can* use word order, when its input keeps it.
#
# The catch is in how it keeps it: each of its $L V$ inputs is one word at one position, with weights of its own.
# Every training sentence ends at the last position of the window (the padding is on the left), so what the network learned about "not bad" it learned at the positions where those words were.
# Here are the test sentences of at most 7 words, moved 1, 2 or 3 positions to the left, with the padding after them: the same words, in the same order.

# %%
def moved(token_ids, k):
    """The sentences moved k positions to the left in the window, with k padding ids after them."""
    return np.concatenate([token_ids[:, k:], np.zeros((len(token_ids), k), dtype=token_ids.dtype)], axis=1)


fits = np.all(x_test[:, :3] == 0, axis=1)  # at most L - 3 words: room to move by 3
x_short, y_short = x_test[fits], y_test[fits]
shifts = [0, 1, 2, 3]
print(sentences.decode(moved(x_short[:1], 2)), moved(x_short[:1], 2))
window_moved = [sentences.accuracy(np.asarray(window(window_of(moved(x_short, k)))), y_short) for k in shifts]
for k, score in zip(shifts, window_moved):
    print(f"moved by {k}: the window model gets {score:.3f} of {len(y_short)} sentences right")

# %% [markdown]
# Moved by even one position, the window model falls from 1.000 to about the bag's ceiling, or below it.
# (We trained it with ten seeds: each time it got every unmoved sentence right, and between 0.5 and 0.8 of them moved by 1, 2 or 3 positions.)
# Nothing it learned at one position carries over to another: to read "not bad" anywhere, it must see "not bad" everywhere in training.
# And a sentence longer than $L$ words has no place in its input at all.

# %% [markdown]
# ## 8. A small recurrent classifier
#
# A recurrent model reads the word ids in order, one at a time, and carries a hidden state from each word to the next, with the same weights at every step.
# Here it is layer by layer, with Keras's functional API; the shapes show what each layer makes of a batch of $N$ sentences of $T$ words.
#
# - `Embedding(V, 16, mask_zero=True)` turns each word id into a learned vector of 16 numbers; `mask_zero=True` tells the next layer to skip the padding (id 0).
# - `SimpleRNN(32)` computes $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$ at every step and returns the last state.
# - `Dense(1, activation="sigmoid")` turns that state into a probability.

# %%
keras.utils.set_random_seed(0)
word_ids = keras.Input(shape=(None,), dtype="int32")  # (N, T) for any T: the None
vectors = keras.layers.Embedding(V, 16, mask_zero=True)(word_ids)
last_state = keras.layers.SimpleRNN(32)(vectors)
probability = keras.layers.Dense(1, activation="sigmoid")(last_state)
for name, tensor in [("word ids", word_ids), ("Embedding", vectors), ("SimpleRNN", last_state), ("Dense", probability)]:
    print(f"{name:10s} {tuple(tensor.shape)}")

# %% [markdown]
# `None` marks a size that is known only when data comes in: $N$, and here $T$ too.
# The model goes from the input to the probability; it is compiled and trained like the feedforward ones.

# %%
rnn = keras.Model(word_ids, probability)
rnn.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
rnn.fit(x_train, y_train, epochs=10, batch_size=32, verbose=0)
print(rnn.count_params(), "parameters")
rnn_scores = report("recurrent", np.asarray(rnn(x_test)))

# %% [markdown]
# With about 2 000 parameters it gets the twins right as well.
# Here are the three models on the twins from section 5:

# %%
twin_ids = sentences.encode(twins)
ff_p = np.asarray(ff(bags_of(twin_ids)))[:, 0]
window_p, rnn_p = np.asarray(window(window_of(twin_ids)))[:, 0], np.asarray(rnn(twin_ids))[:, 0]
print(f"{'':32s}           P(positive): bag  window  recurrent")
for text, label, p_ff, p_window, p_rnn in zip(twins, twin_labels, ff_p, window_p, rnn_p):
    print(f"{text:32s} label {label}                {p_ff:.2f}    {p_window:.2f}       {p_rnn:.2f}")

# %% [markdown]
# The bag-of-words model gives both twins of a pair the same probability, so it gets one of them wrong.
# The window model and the recurrent one tell them apart.
# Now move the sentences in the window, as in section 7:

# %%
rnn_moved = [sentences.accuracy(np.asarray(rnn(moved(x_short, k))), y_short) for k in shifts]
for k, w_score, r_score in zip(shifts, window_moved, rnn_moved):
    print(f"moved by {k}: window model {w_score:.3f}, recurrent {r_score:.3f}")
change = np.abs(np.asarray(rnn(moved(x_short, 3))) - np.asarray(rnn(x_short))).max()
print(f"largest change of the recurrent model's probabilities, moved by 3: {change:.1e}")

# %% [markdown]
# The recurrent model does not change its answers at all.
# It applies the same weights $W_{xh}$, $W_{hh}$, $b_h$ at every step and skips the padding, so the same words in the same order lead to the same last state, whatever position they start at.
# What it learned about "not" at one step, it uses at every step; and as its input shape `(None,)` says, it reads sentences of any length.
# This sharing of weights across time steps is the subject of unit 02.

# %% [markdown]
# ## 9. The comparison
#
# On the left, each model's accuracy on all the test sentences and on the twins alone; the dashed lines are the ceilings of any model that reads the bag of words: 0.75 overall, 0.5 on the twins.
# On the right, the window model and the recurrent model on the short test sentences, moved in the window.

# %%
names = ["bag of words\n32 units", "bag of words\n3 x 256 units", "window\n32 units", "recurrent\nSimpleRNN(32)"]
scores = np.array([ff_scores, big_scores, window_scores, rnn_scores])  # (models, [overall, twins])
fig, (ax, ax_moved) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [2, 1]})
positions = np.arange(len(names))
for column, (label, limit) in enumerate([("all test sentences", ceiling), ("twins only", 0.5)]):
    offset = (column - 0.5) * 0.38
    bars = ax.bar(positions + offset, scores[:, column], width=0.36, label=label)
    ax.bar_label(bars, fmt="%.2f", padding=-15, color="white")  # inside the bar, at its top
    ax.axhline(limit, linestyle="dashed", color=bars.patches[0].get_facecolor(), zorder=0,
               label=f"bag-of-words ceiling, {label}")
ax.set_xticks(positions, names)
ax.set(ylabel="accuracy", ylim=(0, 1.32), title="Models that keep the order pass the bag's ceiling")
ax.legend(loc="upper left", ncol=2, fontsize="small")
ax_moved.plot(shifts, window_moved, "o-", label="window")
ax_moved.plot(shifts, rnn_moved, "s--", label="recurrent")
ax_moved.axhline(sentences.bag_ceiling(x_short, y_short), linestyle="dotted", color="grey", label="bag-of-words ceiling")
ax_moved.set(xlabel="positions moved", ylabel="accuracy", ylim=(0, 1.32), xticks=shifts,
             title="The same sentences, moved in the window")
ax_moved.legend(loc="upper right", fontsize="small")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Summary
#
# - Reading needs memory: the meaning of a word depends on the words before it.
# - A dense layer computes $y = f(xW + b)$; applied word by word, its output at step $t$ depends on $x_t$ only, not on $x_{t-1}$.
# - A dense network needs inputs of one fixed size: a bag of words (a count per vocabulary word) or a window of $L$ concatenated words.
# - A bag of words is blind to order: twins such as "good and not bad" and "not good and bad" get the same input, so any model of the bag, of any size, gets one of each pair wrong, which caps its accuracy on our sentences at exactly 0.75.
# - A window of concatenated words keeps the order, and a dense network on it gets the twins right; but each position has its own weights, so what it learns at one position does not carry over to another: moved by one position, the same sentences get between 0.5 and 0.8 right instead of 1.0, and a sentence longer than the window does not fit.
# - A small recurrent model reads the words in order with the same weights at every step: it passes the ceiling, reads a sentence the same way wherever it starts, and takes sentences of any length.
#
# In the assignment you write the dense layer and the bag of words in NumPy, and build the bag-of-words and recurrent classifiers in Keras.
#
# **Next, unit 02: the hidden-state equation.**
# What does `SimpleRNN` compute at each step, what are its weights, and why does the same set of weights serve every step?
# You will write its forward pass in NumPy and reproduce Keras's output exactly.
