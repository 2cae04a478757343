"""Data, plots and oracles for unit 08, deep, bidirectional and attention (introduced in unit 08).

- **Sentences whose first word needs the future**: "jordan often smiled with anna" and "jordan often
  flooded in june": the first word is a person or a place, and only the verb, one to three words
  later, tells which. A tagger that reads left to right must tag the first word before it has seen
  the verb; a bidirectional one has read the whole sentence. `left_to_right_ceiling` gives the best
  accuracy that ANY left-to-right tagger can reach on a data set.
- **Attention heatmaps** of a dates translator (unit 05's dates, `arch_data.make_dates`).
- **Keras oracles** for the unit's graded functions: stacked SimpleRNN layers, a Bidirectional
  SimpleRNN and `keras.layers.Attention` for one query step, each given its weights.

Sentences are padded on the right, so that word t and its tag share the index t; id 0 is padding.
"""
import numpy as np

import rnncourse  # noqa: F401  (sets TensorFlow's logging environment before the import below)

# isort: split
import keras
import matplotlib.pyplot as plt

from rnncourse import arch_data

# ----------------------------------------------------------------------------------------------
# Sentences whose first word needs the future

FUTURE_TAGS = ("O", "PER", "LOC")
"""Tag ids: 0 O (not a name), 1 PER (a person), 2 LOC (a place). Padding positions get tag 0."""
PERSON_NAMES = ("alice", "bob", "maria", "omar", "anna", "david")
PLACE_NAMES = ("london", "rome", "cairo", "lima", "tokyo", "oslo")
AMBIGUOUS_NAMES = ("jordan", "georgia", "victoria", "chad", "florence", "sydney", "austin", "charlotte")
"""Names of people and of places alike: only the verb after them tells which."""
PERSON_VERBS = ("smiled", "sang", "laughed", "slept", "waved")
PLACE_VERBS = ("flooded", "froze", "prospered", "expanded", "flourished")
"""What only a place does in these sentences (and only a person does the PERSON_VERBS)."""
ADVERBS = ("often", "really", "then", "never", "quietly")
MONTH_WORDS = ("june", "july", "may")
FUTURE_VOCAB = (("<pad>", "with", "in") + PERSON_NAMES + PLACE_NAMES + AMBIGUOUS_NAMES + PERSON_VERBS + PLACE_VERBS
                + ADVERBS + MONTH_WORDS)
"""Every word of the sentences; id 0 is padding."""
FUTURE_LENGTH = 6
"""The longest sentence: 'jordan often really smiled with anna'."""


def _sentence(rng):
    """One sentence and its tags: subject, 0 to 2 adverbs, verb, and 'with <person>' or 'in <month>' or nothing."""
    person = bool(rng.integers(2))
    pool = AMBIGUOUS_NAMES if rng.random() < 0.6 else (PERSON_NAMES if person else PLACE_NAMES)
    words = [str(rng.choice(pool))]
    tags = [1 if person else 2]
    for _ in range(rng.integers(3)):
        words.append(str(rng.choice(ADVERBS)))
        tags.append(0)
    words.append(str(rng.choice(PERSON_VERBS if person else PLACE_VERBS)))
    tags.append(0)
    roll = rng.random()
    if roll < 0.4:  # a second person, whom the word "with" before it announces
        words += ["with", str(rng.choice(AMBIGUOUS_NAMES + PERSON_NAMES))]
        tags += [0, 1]
    elif roll < 0.7:
        words += ["in", str(rng.choice(MONTH_WORDS))]
        tags += [0, 0]
    return words, tags


def make_future_sentences(n, seed):
    """`n` sentences (lists of words) and their tags (lists of ints into FUTURE_TAGS).

    The first word is a person half the time and a place otherwise; 60% of the first words are
    AMBIGUOUS_NAMES, whose tag only the verb after them decides (PERSON_VERBS or PLACE_VERBS).
    """
    rng = np.random.default_rng(seed)
    pairs = [_sentence(rng) for _ in range(n)]
    return [words for words, _ in pairs], [tags for _, tags in pairs]


def make_future_tagged(n, seed):
    """`n` sentences as word ids (n, FUTURE_LENGTH) and tag ids (n, FUTURE_LENGTH), padded on the right."""
    sentences, tags = make_future_sentences(n, seed)
    tag_ids = np.zeros((n, FUTURE_LENGTH), dtype=np.int64)
    for row, labels in enumerate(tags):
        tag_ids[row, :len(labels)] = labels
    return arch_data.encode(sentences, FUTURE_VOCAB, FUTURE_LENGTH, pad="right"), tag_ids


def ambiguous_first_words(token_ids):
    """Boolean mask (N, T): True at the first word of the sentences that start with one of AMBIGUOUS_NAMES."""
    token_ids = np.asarray(token_ids)
    ids = [FUTURE_VOCAB.index(word) for word in AMBIGUOUS_NAMES]
    mask = np.zeros(token_ids.shape, dtype=bool)
    mask[:, 0] = np.isin(token_ids[:, 0], ids)
    return mask


def left_to_right_ceiling(token_ids, tags, where=None):
    """The best tag accuracy of ANY tagger that tags word t from words 0..t only, on these sentences.

    Such a tagger gives the same tag wherever two sentences start with the same words up to t, so at
    best the most frequent tag of each such prefix; the result is the fraction of the words (in
    `where`, a boolean mask (N, T); by default every word that is not padding) that get it.
    """
    token_ids, tags = np.asarray(token_ids), np.asarray(tags)
    where = token_ids != arch_data.PAD if where is None else np.asarray(where)
    counts = {}
    for n, t in zip(*np.nonzero(where)):
        key = (int(t),) + tuple(int(i) for i in token_ids[n, :t + 1])
        counts.setdefault(key, np.zeros(len(FUTURE_TAGS), dtype=int))[int(tags[n, t])] += 1
    return float(sum(c.max() for c in counts.values()) / where.sum())


def tag_accuracy(predicted_tags, tags, where):
    """Fraction of the positions in `where` (a boolean mask (N, T)) whose predicted tag is right."""
    return float((np.asarray(predicted_tags) == np.asarray(tags))[np.asarray(where)].mean())


# ----------------------------------------------------------------------------------------------
# Keras oracles, in float32 as Keras computes by default: the graded functions must keep float64
# precision, which the hidden tests check, so calling these instead of writing a function earns nothing.

def _float32(*arrays):
    return [np.asarray(a, dtype="float32") for a in arrays]


def stacked_simple_rnn(x, params):
    """Stacked `keras.layers.SimpleRNN(return_sequences=True)` layers given their weights: the top layer's states."""
    h = np.asarray(x, dtype="float32")
    for Wx, Wh, b in params:
        layer = keras.layers.SimpleRNN(np.shape(Wh)[0], return_sequences=True)
        layer.build((None, None, h.shape[-1]))
        layer.set_weights(_float32(Wx, Wh, b))
        h = np.asarray(layer(h))
    return h


def bidirectional_simple_rnn(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b):
    """`keras.layers.Bidirectional(SimpleRNN(H, return_sequences=True))` given its weights: (N, T, 2H).

    Keras orders the Bidirectional layer's weights as the forward layer's (kernel, recurrent_kernel,
    bias), then the backward layer's.
    """
    H = np.shape(Wh_f)[0]
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(H, return_sequences=True))
    layer.build((None, None, np.shape(x)[-1]))
    layer.set_weights(_float32(Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b))
    return np.asarray(layer(np.asarray(x, dtype="float32")))


def keras_attention(query, keys, values, mask=None):
    """`keras.layers.Attention()` (dot scores, no scale) for one query step: (context (N, V), weights (N, T)).

    Keras gives the positions where `mask` is False a score lowered by 1e9, so their weight is exactly 0.
    """
    layer = keras.layers.Attention()
    query, keys, values = _float32(query, keys, values)
    masks = None if mask is None else [None, np.asarray(mask, dtype=bool)]
    context, weights = layer([query[:, None, :], values, keys], mask=masks, return_attention_scores=True)
    return np.asarray(context)[:, 0], np.asarray(weights)[:, 0]


# ----------------------------------------------------------------------------------------------
# Plots

def attention_heatmap(weights, source_words, target_chars, ax=None, title="Attention weights"):
    """Draw weights (T_out, T_in): row j is how much output character j attends to each source word."""
    weights = np.asarray(weights)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.7 * weights.shape[1] + 2, 0.35 * weights.shape[0] + 1.5))
    image = ax.imshow(weights, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source_words)), source_words, rotation=45, ha="right")
    ax.set_yticks(range(len(target_chars)), target_chars)
    ax.set_xlabel("source word (encoder step)")
    ax.set_ylabel("output character (decoder step)")
    ax.set_title(title)
    plt.colorbar(image, ax=ax, fraction=0.04, label=r"weight $\alpha$")
    return ax


def accuracy_by_seed(results, title, ylabel="accuracy"):
    """Dots per seed for each model: results maps a model's name to its accuracies, one per seed."""
    _, ax = plt.subplots(figsize=(6, 3.2))
    for position, values in enumerate(results.values()):
        ax.scatter(np.full(len(values), position), values, alpha=0.7)
    ax.set_xticks(range(len(results)), list(results))
    ax.set_xlim(-0.5, len(results) - 0.5)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return ax
