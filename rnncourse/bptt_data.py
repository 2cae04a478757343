"""A short text and its chunks for training a character model with truncated BPTT (introduced in unit 03).

The text was written for this course and is in the public domain. It is built so that memory
pays: in "the fox sat in the box." the last word rhymes with an animal named a dozen
characters earlier, which a model that sees only the current character cannot know.
"""
import numpy as np

TEXT = """the cat sat on the mat.
the dog sat on the log.
the fox sat in the box.
the hen sat in the pen.
the bee sat in the tree.
the goat sat in the boat.
the mouse sat in the house.
the snail sat on the nail.
the bear sat on the chair.
the fish sat on the dish.
the crow sat in the snow.
the whale sat in the pail.
the duck sat in the truck.
the mole sat in the hole.
the ant sat on the plant.
the fly sat on the pie.
the ram sat in the jam.
the bat sat on the hat.
the seal sat on the wheel.
the bug sat in the mug.
the yak sat on the sack.
the moth sat on the cloth.
the frog sat on the log, and the dog sat on the frog.
"""

HELD_OUT_TEXT = """the pig sat in the wig.
the rat sat on the mat.
the cow sat on the plow.
the hog sat on the log.
the lark sat in the park.
"""
"""Lines in the same pattern that the model never trains on, most with animals it never saw: its loss
here tells what it learned in general (the frame "the ... sat on the ...") from what it memorised
(which animal goes with which rhyme). Written with the characters of TEXT only."""


def vocabulary(text=TEXT):
    """The distinct characters of `text`, sorted: character i is encoded as the integer i."""
    return sorted(set(text))


def encode(text, chars):
    """The integer code of every character of `text`, as a 1-D int array."""
    lookup = {char: index for index, char in enumerate(chars)}
    return np.array([lookup[char] for char in text], dtype=np.int64)


def decode(ids, chars):
    """The text whose integer codes are `ids`."""
    return "".join(chars[int(i)] for i in ids)


def bigram_entropy(ids):
    """The loss (nats per character) of the best model that sees only the current character.

    It is the conditional entropy of the next character given the current one, counted on the
    text read as a loop. A model without memory cannot beat it on this text; a model that
    remembers earlier characters can.
    """
    ids = np.asarray(ids)
    current, following = ids, np.roll(ids, -1)
    size = ids.max() + 1
    counts = np.zeros((size, size))
    np.add.at(counts, (current, following), 1)
    row_totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(row_totals / np.where(counts > 0, counts, 1)), 0.0)
    return float(terms.sum() / counts.sum())


def training_chunks(ids, batch_size, chunk, chunks_per_pass, steps, seed=0):
    """Yield `steps` training batches `(inputs, targets, new_pass)` for truncated BPTT.

    A pass picks `batch_size` random starting points in the text (read as a loop) and walks
    `chunks_per_pass` consecutive chunks of `chunk` characters from each. `inputs` and
    `targets` are int arrays of shape (batch_size, chunk); `targets` is `inputs` shifted one
    character ahead. `new_pass` is True on the first chunk of a pass, where the hidden state
    starts from zeros; on the other chunks the state of the previous chunk carries on.
    """
    ids = np.asarray(ids)
    rng = np.random.default_rng(seed)
    offsets = np.arange(chunk + 1)
    for step in range(steps):
        position = step % chunks_per_pass
        if position == 0:
            starts = rng.integers(0, len(ids), size=batch_size)
        window = ids[(starts[:, None] + position * chunk + offsets) % len(ids)]
        yield window[:, :-1], window[:, 1:], position == 0
