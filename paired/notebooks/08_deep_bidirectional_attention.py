# %% [markdown]
# # Unit 08: deep, bidirectional and attention
#
# So far every recurrent model had one layer that read its input left to right, and an encoder-decoder passed the whole source to its decoder through one state.
# This lecture lifts all three limits:
# stacking layers, reading in both directions, and letting the decoder look back at every state of the encoder (attention).
#
# **What you will learn**
# - how a deep (stacked) RNN feeds each layer's states to the layer above, and what `return_sequences=True` has to do with it;
# - how a bidirectional RNN lines up a forward and a backward state for every step, and why that lets it tag a word from the words that come after it;
# - dot-product attention: scores, weights $\alpha$ and a context, with a mask;
# - how attention changes unit 05's dates translator, measured, and what its weights look like.
#
# **Prerequisites.** Unit 02 (the hidden-state equation), unit 05 (Keras models, tagging, the dates translator, teacher forcing).
#
# The assignment asks you to write the deep RNN, the bidirectional RNN and dot-product attention in NumPy, and to build a dates translator whose decoder reads the source only through attention.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import keras
from rnncourse import arch_data, attention_data

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Deep RNNs: layers on top of layers
#
# A deep RNN stacks recurrent layers: layer $\ell$ reads, at step $t$, the state of the layer below at the same step, $h^{(\ell-1)}_t$ (layer 0 reads $x_t$):
#
# $$h^{(\ell)}_t = \tanh\big(h^{(\ell-1)}_t W^{(\ell)}_{xh} + h^{(\ell)}_{t-1} W^{(\ell)}_{hh} + b^{(\ell)}_h\big).$$
#
# Each layer has its own weights and its own size.
# The layer below must hand over its state at **every** step, so in Keras every layer but the last needs `return_sequences=True`.

# %%
stack = keras.Sequential([keras.Input((None, 3)),
                          keras.layers.SimpleRNN(8, return_sequences=True),   # (N, T, 8) for the layer above
                          keras.layers.SimpleRNN(4, return_sequences=True)])  # (N, T, 4): the top layer's states
x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
print("output:", stack(x).shape)
for layer in stack.layers:
    print(layer.name, [w.shape for w in layer.get_weights()])

# %% [markdown]
# Layer 1's `kernel` is $(8, 4)$: its input size is the hidden size of layer 0.
# Without `return_sequences=True` on layer 0, layer 1 would get one vector per sequence instead of a sequence, and Keras refuses:

# %%
try:
    keras.Sequential([keras.Input((None, 3)), keras.layers.SimpleRNN(8), keras.layers.SimpleRNN(4)])
except ValueError as error:
    print("ValueError:", str(error).splitlines()[0][:150])

# %% [markdown]
# Depth lets the upper layers work on features that the lower ones built, as in a deep feedforward network.
# Stacks of two to four layers are common in the literature (Sutskever et al., 2014, translated with four LSTM layers).

# %% [markdown]
# ## 2. Bidirectional RNNs: reading the future too
#
# A left-to-right state $h_t$ has read $x_0, \dots, x_t$ only.
# A bidirectional RNN runs two RNNs with weights of their own: a forward one, $\overrightarrow{h}_t$, from the first step to the last, and a backward one, $\overleftarrow{h}_t$, from the last step to the first:
#
# $$\overrightarrow{h}_t = \tanh\big(x_t \overrightarrow{W}_{xh} + \overrightarrow{h}_{t-1} \overrightarrow{W}_{hh} + \overrightarrow{b}_h\big), \qquad
# \overleftarrow{h}_t = \tanh\big(x_t \overleftarrow{W}_{xh} + \overleftarrow{h}_{t+1} \overleftarrow{W}_{hh} + \overleftarrow{b}_h\big),$$
#
# both from zero states, and puts the two states **of the same step** side by side: $[\overrightarrow{h}_t, \overleftarrow{h}_t]$, of size $2H$.
# At step $t$ the pair has read the whole sequence.
#
# `keras.layers.Bidirectional` wraps a recurrent layer and makes the backward copy itself:

# %%
bidirectional = keras.layers.Bidirectional(keras.layers.SimpleRNN(4, return_sequences=True))
print("output:", bidirectional(x).shape)
for weight in bidirectional.weights:
    print(weight.path, tuple(weight.shape))

# %% [markdown]
# The weights come in that order: the forward layer's `kernel`, `recurrent_kernel`, `bias`, then the backward layer's.
# Which steps does each half read?
# Change only the **last** input step and see which outputs move: the forward half moves only at the last step, the backward half at every step, because the backward RNN reads the last step first and carries it back to step 0.
# (Keras runs the backward layer on the reversed sequence and then reverses its states again, so that output $t$ holds the backward state of step $t$.)

# %%
changed = x.copy()
changed[:, -1] += 1.0
difference = np.abs(np.asarray(bidirectional(changed)) - np.asarray(bidirectional(x)))[0]  # (T, 2H), first sequence
print("forward half, largest change per step: ", difference[:, :4].max(axis=1))
print("backward half, largest change per step:", difference[:, 4:].max(axis=1))

# %% [markdown]
# ### A tag that depends on a later word
#
# Unit 05's tagger could always tell "jordan" the person from "jordan" the place by the words **before** it ("met jordan", "in jordan").
# Here it cannot: in `attention_data.make_future_tagged`, the first word of a sentence is a person or a place, and only the verb after it says which.

# %%
sentences, tags = attention_data.make_future_sentences(6, seed=0)
for words, labels in zip(sentences, tags):
    print(" ".join(f"{w}/{attention_data.FUTURE_TAGS[t]}" for w, t in zip(words, labels)))

# %% [markdown]
# A tagger that reads left to right must tag the first word after reading that word alone.
# Whatever it learned, it gives every sentence that starts with "jordan" the same tag: `attention_data.left_to_right_ceiling` counts, for each prefix, how often its most frequent tag is right, which bounds **any** left-to-right tagger on this data.

# %%
train_ids, train_tags = attention_data.make_future_tagged(2000, seed=1)
test_ids, test_tags = attention_data.make_future_tagged(1000, seed=2)
needs_future = attention_data.ambiguous_first_words(test_ids)   # first words that are names of people and places
ceiling = attention_data.left_to_right_ceiling(test_ids, test_tags, needs_future)
print(f"{needs_future.sum()} first words need the future; any left-to-right tagger gets at most {ceiling:.3f} of them")


# %% [markdown]
# Two taggers, the same but for the recurrent layer: an `Embedding`, a `SimpleRNN(16)` (left to right) or a `Bidirectional(SimpleRNN(16))`, and a `Dense` softmax over the three tags, trained for 3 epochs.

# %%
def tagger(bidirectional, seed):
    keras.utils.set_random_seed(seed)
    rnn = keras.layers.SimpleRNN(16, return_sequences=True)
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              keras.layers.Embedding(len(attention_data.FUTURE_VOCAB), 12),
                              keras.layers.Bidirectional(rnn) if bidirectional else rnn,
                              keras.layers.Dense(len(attention_data.FUTURE_TAGS), activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    model.fit(train_ids, train_tags, epochs=3, batch_size=64, verbose=0)
    predicted = np.asarray(model(test_ids, training=False)).argmax(axis=-1)
    return attention_data.tag_accuracy(predicted, test_tags, needs_future)


results = {"left to right": [], "bidirectional": []}
for seed in range(3):
    results["left to right"].append(tagger(False, seed))
    results["bidirectional"].append(tagger(True, seed))
print({name: np.round(values, 3) for name, values in results.items()})

# %%
ax = attention_data.accuracy_by_seed(results, "First words that need the future, 3 seeds",
                                     ylabel="tag accuracy")
ax.axhline(ceiling, color="black", linestyle="--", label="best any left-to-right tagger can do")
ax.legend(loc="center right")
plt.show()

# %% [markdown]
# The left-to-right tagger stays at the ceiling, about a coin toss, and the bidirectional one tags them all.
# We ran the same comparison with seeds 0 to 9 (3 epochs each): the bidirectional tagger tagged all of these words right with every seed (1.000), the left-to-right one between 0.493 and 0.534, never above the ceiling of 0.543; the ceiling is a bound, so no seed can beat it.
#
# A bidirectional layer needs the whole sequence before it gives any output: it fits taggers and encoders, which read a finished input, and not a decoder that writes one token at a time, nor a model that must answer as the input streams in.

# %% [markdown]
# ## 3. Attention
#
# Unit 05's translator passed the source to its decoder through one state, the encoder's last: everything about the date had to fit in it.
# With **attention**, the decoder keeps every state of the encoder and, at each step, takes from them what it needs.
#
# At decoder step $j$ its state is the **query** $q$; the encoder's states $k_0, \dots, k_{T-1}$ are the **keys** (and here also the **values** $v_t$).
# Dot-product attention (Luong et al., 2015) computes
#
# $$e_t = q \cdot k_t \quad\text{(scores)}, \qquad \alpha_t = \frac{\exp(e_t)}{\sum_{j=0}^{T-1} \exp(e_j)} \quad\text{(weights)}, \qquad a = \sum_{t=0}^{T-1} \alpha_t v_t \quad\text{(context)}.$$
#
# The weights are positive and sum to 1: the context is a weighted mean of the values, with most weight where the key is most like the query.
# A mask leaves positions out (the padding of a source): their weight is 0 and the others still sum to 1.
# `keras.layers.Attention` computes this; called as `Attention()([query, value, key])` it takes a sequence of queries, one per decoder step.

# %%
query = np.array([[[1.0, 0.0]]], dtype="float32")                            # (N, 1 step, H): one query
keys = np.array([[[2.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, 0.0]]], dtype="float32")  # (N, T, H)
values = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [5.0, 5.0, 5.0]]], dtype="float32")
mask = np.array([[True, True, True, False]])                                 # the last position is padding
context, alpha = keras.layers.Attention()([query, values, keys], mask=[None, mask], return_attention_scores=True)
print("scores q.k_t:", (keys[0] @ query[0, 0]))
print("weights alpha:", np.asarray(alpha)[0, 0], " sum", float(np.sum(alpha)))
print("context:", np.asarray(context)[0, 0])

# %% [markdown]
# The masked position had the largest score, 3, and still gets weight exactly 0: Keras lowers the scores of masked positions by $10^9$ before the softmax, and $\exp$ of such a number is 0 in floating point.
# The other weights are $e^2, e^0, e^1$ divided by their sum.
#
# Keras's `Attention()` does not scale the scores by default (`use_scale=False`).
# The Transformer's *scaled* dot-product attention divides them by $\sqrt{H}$, because dot products of long vectors grow with $H$ and push the softmax towards one position; `Attention(use_scale=True)` learns such a factor instead.

# %% [markdown]
# ## 4. The dates translator, with attention
#
# Unit 05's translator, as a reminder: an encoder LSTM reads the spelled-out date, its last state starts the decoder LSTM, which writes the ISO date one character at a time.
# **Teacher forcing**: in training, the decoder reads at each step the *true* previous character (the target shifted one step right, after `<start>`), not its own guess:

# %%
source, decoder_in, decoder_out = arch_data.make_dates(3000, seed=1)
print("source:         ", arch_data.decode(source[:1], arch_data.SOURCE_VOCAB)[0])
print("decoder inputs: ", "<start>", " ".join(arch_data.TARGET_VOCAB[i] for i in decoder_in[0, 1:]))
print("decoder targets:", " ".join(arch_data.TARGET_VOCAB[i] for i in decoder_out[0, :-1]), "<end>")


# %% [markdown]
# The translator with attention keeps the encoder's states (`return_sequences=True`), and at every decoder step attends over them with the decoder's state as the query; the context is put next to the decoder's state before the output layer.
# The embedding's mask (`mask_zero=True`) reaches the attention layer, so the padding of the source gets weight 0.
# The function below builds either translator; only the attention differs.
#
# | tensor | shape |
# |---|---|
# | encoder states (keys and values) | $(N, T_\text{in}, 32)$ |
# | decoder states (queries) | $(N, T_\text{out}, 32)$ |
# | weights $\alpha$ | $(N, T_\text{out}, T_\text{in})$ |
# | contexts | $(N, T_\text{out}, 32)$ |
# | probabilities of the next character | $(N, T_\text{out}, V)$ |

# %%
def translator(attend, seed, units=32):
    """(model, weights model): the dates translator, with or without attention; the second gives alpha (or None)."""
    keras.utils.set_random_seed(seed)
    source_in, target_in = keras.Input((None,), dtype="int32"), keras.Input((None,), dtype="int32")
    words = keras.layers.Embedding(len(arch_data.SOURCE_VOCAB), 16, mask_zero=True)(source_in)
    encoder_states, h, c = keras.layers.LSTM(units, return_sequences=True, return_state=True)(words)
    previous = keras.layers.Embedding(len(arch_data.TARGET_VOCAB), 16)(target_in)
    decoder_states = keras.layers.LSTM(units, return_sequences=True)(previous, initial_state=[h, c])
    alpha = None
    if attend:
        contexts, alpha = keras.layers.Attention()([decoder_states, encoder_states], return_attention_scores=True)
        decoder_states = keras.layers.Concatenate()([decoder_states, contexts])
    probabilities = keras.layers.Dense(len(arch_data.TARGET_VOCAB), activation="softmax")(decoder_states)
    model = keras.Model([source_in, target_in], probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    return model, (keras.Model([source_in, target_in], alpha) if attend else None)


# %% [markdown]
# Both are trained the same way, with teacher forcing: 3 epochs on 3000 dates, 32 units (a smaller budget than unit 05's, to fit this lecture in a minute).

# %%
plain, _ = translator(False, seed=0)
plain.fit([source, decoder_in], decoder_out, epochs=3, batch_size=64, verbose=0)
attentive, attention_weights = translator(True, seed=0)
attentive.fit([source, decoder_in], decoder_out, epochs=3, batch_size=64, verbose=0);


# %% [markdown]
# On 300 dates held out from training, each model writes the ISO date greedily: it starts from `<start>`, and at every step reads its own outputs so far (no teacher forcing now) and appends its most probable character.
# A date counts only if all ten characters are right.

# %%
def translate(model, spelled):
    """Greedy translations of spelled-out dates: the model reads its own outputs so far at every step."""
    source_ids = arch_data.encode_source(spelled)
    written = np.full((len(spelled), 1), arch_data.START)
    for _ in range(arch_data.TARGET_LENGTH):
        probabilities = np.asarray(model([source_ids, written], training=False))
        written = np.concatenate([written, probabilities[:, -1:].argmax(axis=-1)], axis=1)
    return arch_data.decode_target(written[:, 1:])


held_out, iso = arch_data.make_date_texts(300, seed=3)
for name, model in [("without attention", plain), ("with attention", attentive)]:
    translations = translate(model, held_out)
    print(f"{name:>18}: {np.mean([t == i for t, i in zip(translations, iso)]):.3f} exactly right;",
          f"'{held_out[0]}' -> {translations[0]} (expected {iso[0]})")

# %% [markdown]
# Under the same small budget, the translator without attention gets few dates exactly right, and the one with attention most of them.
# We measured it with seeds 0 to 9 (3000 dates, 3 epochs, 32 units, the same 300 held-out dates): without attention 0.010 to 0.043 of the dates came out exactly right, with attention 0.833 to 0.963; on every seed the translator with attention was ahead by more than 0.79.
# Trained longer (6000 dates, 4 epochs, 64 units), unit 05's translator without attention translates at least 70% of held-out dates exactly (its assignment's test checks that); attention makes the task easy to learn, because each output character can read the words it needs directly instead of through the encoder's last state.
#
# ### Where does the decoder look?
#
# The weights $\alpha$ of every decoder step, for one date, drawn as a heatmap: row $j$ is output character $j$ (the decoder writes it after reading the true character $j-1$: teacher forcing again), column $t$ is the encoder's state after source word $t$.
# The padding of the source is left out (its weights are 0).

# %%
example = ["the twenty third of march twenty twenty one"]
print("greedy translation:", translate(attentive, example)[0])
example_in, _ = arch_data.encode_target(["2021-03-23"])          # the true date, teacher-forced
weights = np.asarray(attention_weights([arch_data.encode_source(example), example_in], training=False))[0]
words = example[0].split()
attention_data.attention_heatmap(weights[:, -len(words):], words, list("2021-03-23") + ["<end>"],
                                 title="Attention weights while writing 2021-03-23")
plt.show()

# %% [markdown]
# Each row is a weighted choice of source words.
# The month's digits "03" should draw on "march" (or the state right after it, which has just read it), the day's digits on "twenty third", the year's on "twenty twenty one"; the `-` characters need no word at all.
# The encoder's state at step $t$ has read the words up to $t$, so weight often sits one word after the word that matters.
# The assignment's last question asks you to read such a heatmap.

# %% [markdown]
# ## Summary
#
# - A **deep RNN** stacks layers; every layer but the top one returns its states at every step (`return_sequences=True`) for the layer above, and each layer has its own weights and size.
# - A **bidirectional RNN** runs a forward and a backward RNN with separate weights and puts $[\overrightarrow{h}_t, \overleftarrow{h}_t]$ side by side for each step $t$; Keras lists the forward weights first and realigns the backward states in time. It tags words that depend on later words, which no left-to-right tagger can; it cannot be used where the future is not there yet (a decoder, a stream).
# - **Dot-product attention**: scores $e_t = q \cdot k_t$, weights $\alpha = \mathrm{softmax}(e)$ over the positions, context $a = \sum_t \alpha_t v_t$; masked positions get weight exactly 0; Keras's default does not scale the scores.
# - With attention, the dates translator's decoder reads the encoder's states directly at every step; under a small training budget it translates most held-out dates exactly where the translator without attention translates few.
#
# **Next, unit 09: a capstone on real data.**
