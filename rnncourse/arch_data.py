"""Data for unit 05, architecture types: four small tasks the course generates (introduced in unit 05).

Each task is made for one architecture, and each is generated here, so nothing is downloaded:

- **Melodies** (one-to-many): walks on the C-major scale that keep going up or down and now and
  then turn. A model trained to predict the next note generates a melody from one seed note.
- **Reviews** (many-to-one): short sentences such as "the food was not bad but boring", each with
  one of three labels, negative, mixed or positive.
- **Tagged sentences** (many-to-many, equal lengths): sentences such as "jordan met alice smith in
  new york", with one tag per word (O, B-PER, I-PER, B-LOC, I-LOC). Some words are names of people
  and of places ("jordan", "georgia"): only the words before them tell which.
- **Dates** (many-to-many, unequal lengths): spelled-out dates such as "the third of march twenty
  twenty one" and their ISO form "2021-03-03", one character per token.

Conventions: id 0 is padding in every vocabulary. Reviews and spelled-out dates are padded on the
left, so the words come last, right before the model answers; tagged sentences are padded on the
right, so that the word at position t and its tag share the index t. Every generator takes a seed:
the same seed gives the same data.
"""
import datetime

import numpy as np

PAD = 0
"""The id of the padding token in every vocabulary of this module."""


def encode(texts, vocab, length, pad="left"):
    """Token ids of texts (strings or lists of words), padded with 0 to `length`: shape (N, length)."""
    lookup = {word: index for index, word in enumerate(vocab)}
    ids = np.full((len(texts), length), PAD, dtype=np.int64)
    for row, text in enumerate(texts):
        words = text.split() if isinstance(text, str) else list(text)
        unknown = [word for word in words if word not in lookup or lookup[word] == PAD]
        if unknown:
            raise ValueError(f"unknown words {unknown}; the vocabulary is {vocab[1:]}")
        if len(words) > length:
            raise ValueError(f"{' '.join(words)!r} has {len(words)} words, more than {length}")
        codes = [lookup[word] for word in words]
        if codes:
            if pad == "left":
                ids[row, length - len(codes):] = codes
            else:
                ids[row, :len(codes)] = codes
    return ids


def decode(token_ids, vocab, sep=" "):
    """The texts of rows of token ids (an array or lists of ints); padding is left out."""
    return [sep.join(vocab[int(i)] for i in row if int(i) != PAD) for row in token_ids]


# ----------------------------------------------------------------------------------------------
# Melodies (one-to-many)

NOTES = ("<pad>", "C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5")
"""The notes of one octave of the C-major scale, low to high; note id i is NOTES[i], 0 is padding."""
NUM_NOTES = len(NOTES)
LOWEST, HIGHEST = 1, len(NOTES) - 1
TURN_PROBABILITY = 0.3
"""How often a melody turns round where it is free to go on: the rest of the time it keeps its direction."""
MELODY_LENGTH = 16


def make_melodies(n, seed, length=MELODY_LENGTH, first_notes=None):
    """`n` melodies of `length` note ids (1 to 8), shape (n, length).

    A melody starts on a random note (or on `first_notes`) going up or down at random. At each
    step it turns round with probability TURN_PROBABILITY, and always when it would leave the
    octave; then it moves one scale step in its direction. So every step is one scale step,
    and where the next note goes depends on the last two notes: memory pays.
    """
    rng = np.random.default_rng(seed)
    notes = (rng.integers(LOWEST, HIGHEST + 1, size=n) if first_notes is None
             else np.broadcast_to(np.asarray(first_notes, dtype=np.int64), (n,)).copy())
    direction = rng.choice([-1, 1], size=n)
    melodies = np.zeros((n, length), dtype=np.int64)
    melodies[:, 0] = notes
    for t in range(1, length):
        direction = np.where(rng.random(n) < TURN_PROBABILITY, -direction, direction)
        outside = (notes + direction < LOWEST) | (notes + direction > HIGHEST)
        direction = np.where(outside, -direction, direction)
        notes = notes + direction
        melodies[:, t] = notes
    return melodies


def melody_stats(melodies):
    """How well melodies keep the rules: {"steps": ..., "turns": ...}.

    "steps" is the fraction of moves that go exactly one scale step up or down (1.0 in the
    training melodies). "turns" is, among two consecutive such moves around a note that is not
    the lowest or the highest, the fraction where the second goes back the other way
    (TURN_PROBABILITY = 0.3 in the training melodies; 0 for a melody that never turns freely).
    """
    melodies = np.asarray(melodies, dtype=np.int64)
    moves = np.diff(melodies, axis=1)
    steps = np.abs(moves) == 1
    both = steps[:, :-1] & steps[:, 1:]
    middle = melodies[:, 1:-1]
    free = both & (middle > LOWEST) & (middle < HIGHEST)
    turned = moves[:, :-1] != moves[:, 1:]
    return {"steps": float(steps.mean()) if steps.size else float("nan"),
            "turns": float(turned[free].mean()) if free.any() else float("nan")}


# ----------------------------------------------------------------------------------------------
# Reviews (many-to-one)

CLASSES = ("negative", "mixed", "positive")
"""Review labels: 0 negative, 1 mixed (one good and one bad clause), 2 positive."""
_OPENERS = (("the", "movie", "was"), ("the", "food", "was"), ("the", "service", "is"), ("the", "plot", "is"),
            ("it", "was"), ("it", "is"))
_GOOD = ("good", "great", "nice", "fine", "funny")
_BAD = ("bad", "awful", "boring", "poor", "dull")
REVIEW_VOCAB = (("<pad>", "the", "movie", "food", "service", "plot", "it", "was", "is", "very", "not", "and",
                 "but") + _GOOD + _BAD)
"""Every word of the reviews; a word's id is its index here, and id 0 is padding."""
REVIEW_LENGTH = 10
"""The longest review: 'the movie was not very good but not very bad'."""
NEGATION_PROBABILITY = 0.25
"""How often a clause starts with "not"."""


def _adjective(rng, good):
    """'[very] adjective', with a good or a bad adjective."""
    return (["very"] if rng.random() < 0.25 else []) + [str(rng.choice(_GOOD if good else _BAD))]


def _clause(rng, good):
    """(words, is the clause positive): '[not] [very] adjective'; 'not' flips the adjective."""
    negated = bool(rng.random() < NEGATION_PROBABILITY)
    return (["not"] if negated else []) + _adjective(rng, good), good != negated


def _review(rng):
    """One review and its label: one clause, or two clauses joined by 'and' or 'but'."""
    words = list(_OPENERS[rng.integers(len(_OPENERS))])
    first, positive = _clause(rng, bool(rng.integers(2)))
    words += first
    label = 2 if positive else 0
    if rng.random() < 0.5:
        second, second_positive = _clause(rng, bool(rng.integers(2)))
        words += [str(rng.choice(["and", "but"]))] + second
        label = label if second_positive == positive else 1
    return " ".join(words), label


def _twins(rng):
    """Two reviews made of the same words, one positive and one negative: the "not" moves to the other clause.

    "good and not bad" is positive, "not good and bad" negative.
    """
    opener = list(_OPENERS[rng.integers(len(_OPENERS))])
    first_good = bool(rng.integers(2))
    first, second = _adjective(rng, first_good), _adjective(rng, not first_good)
    joint = [str(rng.choice(["and", "but"]))]
    not_second = " ".join(opener + first + joint + ["not"] + second)   # both clauses take the first's polarity
    not_first = " ".join(opener + ["not"] + first + joint + second)    # both take the second's
    return [(not_second, 2 if first_good else 0), (not_first, 0 if first_good else 2)]


def make_review_texts(n, seed):
    """`n` reviews (strings) and their labels (ints into CLASSES), shuffled.

    A review is an opener and one clause, or two clauses joined by "and" or "but" (either word,
    whatever the clauses say). A clause is positive when a good adjective is not negated or a bad
    one is. Two positive clauses make a positive review, two negative ones a negative review, one
    of each a mixed review. "not" negates only its own clause, so word order matters: a third of
    the reviews are twins, pairs made of the same words with opposite labels, such as
    "good and not bad" (positive) and "not good and bad" (negative). Any model that sees only which
    words occur gets one of each pair wrong (compare `bag_of_words_ceiling`).
    """
    rng = np.random.default_rng(seed)
    n_pairs = n // 6
    examples = [example for _ in range(n_pairs) for example in _twins(rng)]
    examples += [_review(rng) for _ in range(n - 2 * n_pairs)]
    order = rng.permutation(n)
    return [examples[i][0] for i in order], np.array([examples[i][1] for i in order], dtype=np.int64)


def make_reviews(n, seed):
    """`n` reviews as word ids (n, REVIEW_LENGTH), left-padded with 0, and their labels (n,)."""
    texts, labels = make_review_texts(n, seed)
    return encode(texts, REVIEW_VOCAB, REVIEW_LENGTH), labels


def _bags(token_ids):
    """One hashable key per row that depends only on which words occur and how often."""
    return [tuple(sorted(int(i) for i in row if i != PAD)) for row in np.asarray(token_ids)]


def twins(token_ids, labels):
    """Boolean mask of the reviews whose words, in another order, also occur here with another label."""
    labels_of = {}
    keys = _bags(token_ids)
    for key, label in zip(keys, np.asarray(labels)):
        labels_of.setdefault(key, set()).add(int(label))
    return np.array([len(labels_of[key]) > 1 for key in keys])


def bag_of_words_ceiling(token_ids, labels):
    """The best accuracy of ANY model that sees only which words a review has and how often, not their order.

    Such a model gives reviews with the same words the same answer, so at best each group's most
    frequent label; the result is the fraction of reviews that get it.
    """
    counts = {}
    for key, label in zip(_bags(token_ids), np.asarray(labels)):
        counts.setdefault(key, np.zeros(len(CLASSES), dtype=int))[int(label)] += 1
    return float(sum(c.max() for c in counts.values()) / len(labels))


# ----------------------------------------------------------------------------------------------
# Tagged sentences (many-to-many, equal lengths)

TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
"""Tag ids: 0 O (no name), 1 B-PER / 2 I-PER (first / next word of a person's name),
3 B-LOC / 4 I-LOC (first / next word of a place). Padding positions get tag 0."""
_FIRST_NAMES = ("alice", "bob", "maria", "omar", "li", "sam", "anna", "david")
_SURNAMES = ("smith", "garcia", "chen", "khan", "jones")
_PLACES = ("london", "rome", "cairo", "lima", "tokyo", "oslo")
_LONG_PLACES = (("new", "york"), ("new", "delhi"), ("hong", "kong"), ("san", "diego"))
AMBIGUOUS = ("jordan", "georgia", "victoria", "chad", "florence", "sydney", "austin", "charlotte")
"""Words that name a person in some sentences and a place in others."""
_TEMPLATES = (
    "{P} met {P} in {L}",
    "{P} flew from {L} to {L}",
    "{P} lives in {L}",
    "{P} and {P} visited {L}",
    "yesterday {P} called {P}",
    "in {L} {P} met {P}",
    "{P} works with {P} in {L}",
)
TAGGED_VOCAB = (("<pad>", "met", "in", "flew", "from", "to", "lives", "and", "visited", "yesterday", "called",
                 "works", "with") + _FIRST_NAMES + _SURNAMES + _PLACES
                + tuple(dict.fromkeys(w for place in _LONG_PLACES for w in place)) + AMBIGUOUS)
"""Every word of the tagged sentences; id 0 is padding."""
TAGGED_LENGTH = 9
"""The longest sentence: 'alice smith works with bob chen in new york'."""


def _person(rng):
    first = str(rng.choice(AMBIGUOUS if rng.random() < 0.5 else _FIRST_NAMES))
    if rng.random() < 0.3:
        return [first, str(rng.choice(_SURNAMES))], [1, 2]
    return [first], [1]


def _place(rng):
    roll = rng.random()
    if roll < 0.25:
        return list(_LONG_PLACES[rng.integers(len(_LONG_PLACES))]), [3, 4]
    return [str(rng.choice(AMBIGUOUS if roll < 0.65 else _PLACES))], [3]


def make_tagged_sentences(n, seed):
    """`n` sentences (lists of words) and their tags (lists of ints into TAGS), one tag per word.

    Every sentence starts with a person, with "in" or with "yesterday", so the words before a
    word always tell its tag: "jordan" after "met" is a person, after "in" a place.
    """
    rng = np.random.default_rng(seed)
    sentences, tags = [], []
    for _ in range(n):
        words, labels = [], []
        for part in _TEMPLATES[rng.integers(len(_TEMPLATES))].split():
            new_words, new_tags = (_person(rng) if part == "{P}" else _place(rng) if part == "{L}"
                                   else ([part], [0]))
            words += new_words
            labels += new_tags
        sentences.append(words)
        tags.append(labels)
    return sentences, tags


def make_tagged(n, seed):
    """`n` tagged sentences as word ids (n, TAGGED_LENGTH) and tag ids (n, TAGGED_LENGTH), padded on the right."""
    sentences, tags = make_tagged_sentences(n, seed)
    tag_ids = np.zeros((n, TAGGED_LENGTH), dtype=np.int64)
    for row, labels in enumerate(tags):
        tag_ids[row, :len(labels)] = labels
    return encode(sentences, TAGGED_VOCAB, TAGGED_LENGTH, pad="right"), tag_ids


def tag_accuracy(predicted_tags, tags, token_ids):
    """Fraction of the words (padding left out) whose predicted tag is right; tags are (N, T) int arrays."""
    words = np.asarray(token_ids) != PAD
    return float((np.asarray(predicted_tags) == np.asarray(tags))[words].mean())


def word_only_ceiling(token_ids, tags):
    """The best tag accuracy of ANY tagger that looks at each word alone, without its neighbours.

    Such a tagger gives every occurrence of a word the same tag, so at best the word's most
    frequent tag here; the result is the fraction of words that get it.
    """
    token_ids, tags = np.asarray(token_ids), np.asarray(tags)
    words = token_ids != PAD
    counts = np.zeros((int(token_ids.max()) + 1, int(tags.max()) + 1))
    np.add.at(counts, (token_ids[words], tags[words]), 1)
    return float(counts.max(axis=1).sum() / words.sum())


# ----------------------------------------------------------------------------------------------
# Dates (many-to-many, unequal lengths)

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
             "eighteenth", "nineteenth", "twentieth")
FIRST_YEAR, LAST_YEAR = 1950, 2049
SOURCE_VOCAB = (("<pad>", "the", "of") + MONTHS + _ORDINALS + ("thirtieth",) + _UNITS + _TEENS
                + tuple(_TENS.values()) + ("thousand", "and"))
"""The words of spelled-out dates; id 0 is padding."""
SOURCE_LENGTH = 9
"""The longest spelled-out date: 'the twenty seventh of september two thousand and seven'."""
TARGET_VOCAB = ("<pad>", "<start>", "<end>") + tuple("0123456789-")
"""The tokens of ISO dates: one per character, plus <start> (fed to the decoder first) and <end>."""
START, END = 1, 2
TARGET_LENGTH = 11
"""Ten characters 'YYYY-MM-DD', then <end>."""


def _number_words(number):
    """Words of 10 <= number <= 99: 'fifteen', 'forty', 'seventy seven'."""
    if number < 20:
        return [_TEENS[number - 10]]
    return [_TENS[number // 10]] + ([_UNITS[number % 10 - 1]] if number % 10 else [])


def _day_words(day):
    if day <= 20:
        return [_ORDINALS[day - 1]]
    if day == 30:
        return ["thirtieth"]
    return [_TENS[day // 10], _ORDINALS[day % 10 - 1]]


def _year_words(year):
    if 2000 <= year <= 2009:
        return ["two", "thousand"] + (["and", _UNITS[year - 2001]] if year > 2000 else [])
    return _number_words(year // 100) + _number_words(year % 100)


def spell_date(date, style=0):
    """A date in words: style 0 'the third of march twenty twenty one', style 1 'march third twenty twenty one'."""
    day, month, year = _day_words(date.day), [MONTHS[date.month - 1]], _year_words(date.year)
    words = ["the"] + day + ["of"] + month + year if style == 0 else month + day + year
    return " ".join(words)


def make_date_texts(n, seed):
    """`n` random dates from FIRST_YEAR to LAST_YEAR: (spelled-out dates, ISO dates), two lists of strings.

    Both styles of spell_date occur, half the time each.
    """
    rng = np.random.default_rng(seed)
    first = datetime.date(FIRST_YEAR, 1, 1).toordinal()
    last = datetime.date(LAST_YEAR, 12, 31).toordinal()
    dates = [datetime.date.fromordinal(int(d)) for d in rng.integers(first, last + 1, size=n)]
    styles = rng.integers(2, size=n)
    return [spell_date(d, s) for d, s in zip(dates, styles)], [d.isoformat() for d in dates]


def encode_source(spelled):
    """Word ids of spelled-out dates, left-padded with 0: shape (N, SOURCE_LENGTH)."""
    return encode(spelled, SOURCE_VOCAB, SOURCE_LENGTH)


def encode_target(iso_dates):
    """(decoder inputs, decoder targets) of ISO dates, int arrays of shape (N, TARGET_LENGTH).

    The targets are the characters followed by <end>; the inputs are the same tokens shifted one
    step to the right, after <start>: at step t the decoder reads the token it should have
    produced at step t-1 (teacher forcing) and learns to produce the token of step t.
    """
    chars = encode([list(text) for text in iso_dates], TARGET_VOCAB, TARGET_LENGTH - 1, pad="right")
    n = len(iso_dates)
    targets = np.concatenate([chars, np.full((n, 1), END)], axis=1)
    inputs = np.concatenate([np.full((n, 1), START), chars], axis=1)
    return inputs, targets


def make_dates(n, seed):
    """`n` dates as (source ids (n, SOURCE_LENGTH), decoder inputs (n, TARGET_LENGTH), decoder targets (n, TARGET_LENGTH))."""
    spelled, iso = make_date_texts(n, seed)
    return (encode_source(spelled),) + encode_target(iso)


def decode_target(token_lists):
    """Strings of target token sequences (lists or rows of ids): reading stops at <end>; <start> and padding are dropped."""
    texts = []
    for tokens in token_lists:
        chars = []
        for token in tokens:
            token = int(token)
            if token == END:
                break
            if token not in (PAD, START):
                chars.append(TARGET_VOCAB[token])
        texts.append("".join(chars))
    return texts


def reverse_source(source_ids):
    """The same spelled-out dates with their words in reverse order, still left-padded."""
    source_ids = np.asarray(source_ids)
    reversed_ids = np.zeros_like(source_ids)
    for row, ids in enumerate(source_ids):
        words = ids[ids != PAD][::-1]
        if len(words):
            reversed_ids[row, len(ids) - len(words):] = words
    return reversed_ids
