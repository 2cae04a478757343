"""Short sentences whose sentiment depends on word order (introduced in unit 01).

The course generates its own sentiment data, so nothing is downloaded. A sentence is an opener
("the movie was", "it is", ...) followed by one or two clauses joined by "and". A clause is an
adjective, perhaps after "very", perhaps negated by a "not" in front; "not" negates only its own
clause:

    the movie was good                      positive
    the food is not very good               negative
    it was great and nice                   positive
    the service was not bad and not awful   positive
    the movie was good and not bad          positive   \\  the same words, so the same bag of
    the movie was not good and bad          negative   /  words, but opposite labels

Half of every data set are such *twins*: pairs of sentences made of exactly the same words in a
different order, with opposite labels. In the other half (one clause, or two clauses of the same
kind) the label follows from which words occur and how often. So any function of the bag of
words, however large the network that computes it, gets exactly one sentence of each twin pair
wrong: its accuracy is at most 1 - (n // 4) / n, which is 0.75 when n is a multiple of 4
(`bag_ceiling` computes the bound for any set of sentences).

Conventions: a sentence is a list of words; `encode` turns sentences into an integer array of
shape (N, T) with one word id per position. Id 0 is the padding token "<pad>": shorter sentences
are padded *on the left* (as `keras.utils.pad_sequences` does by default), so the words come last,
right before a recurrent model gives its answer. Labels are 1 (positive) and 0 (negative).
"""
import numpy as np

PAD = 0
"""The id of the padding token: it fills the positions before a short sentence's first word."""

SUBJECTS = (("the", "movie"), ("the", "food"), ("the", "service"), ("it",), ("this",))
VERBS = ("was", "is")
POSITIVE = ("good", "great", "nice", "fine", "pleasant")
NEGATIVE = ("bad", "awful", "boring", "poor", "dull")

VOCAB = (("<pad>", "not", "and", "very") + POSITIVE + NEGATIVE
         + ("the", "movie", "food", "service", "it", "this", "was", "is"))
"""Every word the sentences use; a word's id is its index here, and id 0 is padding."""

VOCAB_SIZE = len(VOCAB)
WORD_TO_ID = {word: index for index, word in enumerate(VOCAB)}
MAX_LEN = 10
"""The longest sentence: a three-word opener and two negated clauses ("not very bad and not very poor")."""


def _opener(rng):
    return list(SUBJECTS[rng.integers(len(SUBJECTS))]) + [VERBS[rng.integers(len(VERBS))]]


def _adjective(rng, words):
    """An adjective from `words`, after "very" one time in four."""
    return (["very"] if rng.random() < 0.25 else []) + [str(rng.choice(words))]


def _single(rng):
    """One clause: '[not] adjective'. Positive if a positive word is not negated, or a negative one is."""
    positive_word, negated = bool(rng.integers(2)), bool(rng.integers(2))
    clause = (["not"] if negated else []) + _adjective(rng, POSITIVE if positive_word else NEGATIVE)
    return _opener(rng) + clause, int(positive_word != negated)


def _same_kind_pair(rng):
    """Two clauses of the same kind: 'a and b' or 'not a and not b', with a, b of one polarity."""
    positive_words, negated = bool(rng.integers(2)), bool(rng.integers(2))
    first, second = rng.choice(POSITIVE if positive_words else NEGATIVE, size=2, replace=False)
    prefix = ["not"] if negated else []
    very = [["very"] if rng.random() < 0.25 else [] for _ in range(2)]
    words = _opener(rng) + prefix + very[0] + [str(first), "and"] + prefix + very[1] + [str(second)]
    return words, int(positive_words != negated)


def _twins(rng):
    """A positive sentence and its negative twin: the same words, another order."""
    good, bad = _adjective(rng, POSITIVE), _adjective(rng, NEGATIVE)
    opener = _opener(rng)
    positive = [good + ["and", "not"] + bad, ["not"] + bad + ["and"] + good][rng.integers(2)]
    negative = [bad + ["and", "not"] + good, ["not"] + good + ["and"] + bad][rng.integers(2)]
    return [(opener + positive, 1), (opener + negative, 0)]


def make_sentences(n, seed):
    """`n` sentences (lists of words) and their labels (an int array of 0s and 1s), shuffled.

    Half of them (n // 4 twin pairs) differ from their twin only in word order; a quarter have
    one clause and a quarter two clauses of the same kind. The same seed gives the same sentences.
    """
    if n < 4:
        raise ValueError(f"n must be at least 4, got {n}")
    rng = np.random.default_rng(seed)
    n_pairs = n // 4
    n_single = (n - 2 * n_pairs) // 2
    n_same_kind = n - 2 * n_pairs - n_single
    examples = [example for _ in range(n_pairs) for example in _twins(rng)]
    examples += [_single(rng) for _ in range(n_single)]
    examples += [_same_kind_pair(rng) for _ in range(n_same_kind)]
    order = rng.permutation(n)
    sentences = [examples[i][0] for i in order]
    labels = np.array([examples[i][1] for i in order], dtype=np.int64)
    return sentences, labels


def encode(sentences, max_len=MAX_LEN):
    """Word ids of sentences (strings or lists of words), left-padded with 0: shape (N, max_len)."""
    ids = np.full((len(sentences), max_len), PAD, dtype=np.int64)
    for row, sentence in enumerate(sentences):
        words = sentence.split() if isinstance(sentence, str) else list(sentence)
        unknown = [word for word in words if word not in WORD_TO_ID or word == VOCAB[PAD]]
        if unknown:
            raise ValueError(f"unknown words {unknown}; the vocabulary is {VOCAB[1:]}")
        if len(words) > max_len:
            raise ValueError(f"{' '.join(words)!r} has {len(words)} words, more than max_len={max_len}")
        if words:
            ids[row, max_len - len(words):] = [WORD_TO_ID[word] for word in words]
    return ids


def decode(token_ids):
    """The sentences (strings) of an (N, T) array of word ids; padding is left out."""
    return [" ".join(VOCAB[i] for i in row if i != PAD) for row in np.asarray(token_ids)]


def make_dataset(n, seed, max_len=MAX_LEN):
    """`n` sentences as word ids (N, max_len), left-padded with 0, and their labels (N,)."""
    sentences, labels = make_sentences(n, seed)
    return encode(sentences, max_len), labels


def _bag_keys(token_ids):
    """One hashable key per sentence that depends only on which words occur and how often."""
    return [tuple(sorted(int(i) for i in row if i != PAD)) for row in np.asarray(token_ids)]


def bag_ceiling(token_ids, labels):
    """The best accuracy ANY function of the bag of words can reach on these sentences.

    Sentences with the same bag get the same prediction from such a function, so for each
    distinct bag the best it can do is predict that bag's majority label. The result is the
    fraction of sentences that agree with their bag's majority.
    """
    labels = np.asarray(labels)
    counts = {}
    for key, label in zip(_bag_keys(token_ids), labels):
        counts.setdefault(key, [0, 0])[int(label)] += 1
    return sum(max(c) for c in counts.values()) / len(labels)


def order_sensitive(token_ids, labels):
    """Boolean mask of the sentences whose bag of words also occurs with the other label here."""
    keys = _bag_keys(token_ids)
    labels_of = {}
    for key, label in zip(keys, np.asarray(labels)):
        labels_of.setdefault(key, set()).add(int(label))
    return np.array([len(labels_of[key]) > 1 for key in keys])


def accuracy(probabilities, labels):
    """Fraction of sentences where the predicted probability of 'positive' is on the right side of 0.5."""
    probabilities = np.asarray(probabilities, dtype=float).reshape(len(labels), -1)[:, 0]
    return float(np.mean((probabilities > 0.5) == (np.asarray(labels) == 1)))


def plot_bags(bags, texts, labels=None, ax=None, title="Bags of words"):
    """Draw bag-of-words vectors as a grid: one row per sentence, one column per word of VOCAB.

    `bags` has shape (N, VOCAB_SIZE), `texts` are the N sentences (strings) written next to the
    rows, `labels` (optional) their labels. Each cell shows how often the word occurs.
    """
    import matplotlib.pyplot as plt

    bags = np.asarray(bags)
    if bags.ndim != 2 or bags.shape[1] != VOCAB_SIZE:
        raise ValueError(f"bags must have shape (N, {VOCAB_SIZE}); got shape {bags.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * len(bags) + 1.6))
    ax.imshow(bags, cmap="Blues", vmin=0, vmax=max(2, bags.max()), aspect="auto")
    for (row, column), count in np.ndenumerate(bags):
        if count:
            ax.text(column, row, f"{count:g}", ha="center", va="center",
                    color="white" if count > 1 else "black")
    ax.set_xticks(range(VOCAB_SIZE), VOCAB, rotation=60, ha="right")
    names = {1: "positive", 0: "negative"}
    ax.set_yticks(range(len(bags)), [
        text if labels is None else f"{text}  ({names[int(label)]})" for text, label in
        zip(texts, labels if labels is not None else [None] * len(bags))])
    ax.set_xticks(np.arange(-0.5, VOCAB_SIZE), minor=True)
    ax.set_yticks(np.arange(-0.5, len(bags)), minor=True)
    ax.grid(which="minor", color="lightgrey", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_title(title)
    return ax
