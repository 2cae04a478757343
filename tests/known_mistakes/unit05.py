"""Known-wrong implementations of unit 05's graded functions (architecture types)."""
from known_mistakes.mistake import Mistake, RightVariant

# ----------------------------------------------------------------------------- architecture_shapes
RIGHT_SHAPES = {
    "one_to_one": '{"input": (N, D), "hidden": (N, H), "output": (N, V)}',
    "one_to_many": '{"input": (N, D), "hidden": (N, T, H), "output": (N, T, V)}',
    "many_to_one": '{"input": (N, T, D), "hidden": (N, H), "output": (N, V)}',
    "many_to_many": '{"input": (N, T, D), "hidden": (N, T, H), "output": (N, T, V)}',
    "encoder_decoder": '{"input": (N, T_in, D), "context": (N, H), "hidden": (N, T_out, H), "output": (N, T_out, V)}',
}


def shapes(**changes):
    entries = ",\n        ".join(f'"{kind}": {changes.get(kind, entry)}' for kind, entry in RIGHT_SHAPES.items())
    return f"def architecture_shapes(N, T, D, H, V, T_in, T_out):\n    return {{\n        {entries},\n    }}\n"


HARD_CODED = """def architecture_shapes(N, T, D, H, V, T_in, T_out):
    return {
        "one_to_one": {"input": (2, 3), "hidden": (2, 4), "output": (2, 6)},
        "one_to_many": {"input": (2, 3), "hidden": (2, 5, 4), "output": (2, 5, 6)},
        "many_to_one": {"input": (2, 5, 3), "hidden": (2, 4), "output": (2, 6)},
        "many_to_many": {"input": (2, 5, 3), "hidden": (2, 5, 4), "output": (2, 5, 6)},
        "encoder_decoder": {"input": (2, 7, 3), "context": (2, 4), "hidden": (2, 8, 4), "output": (2, 8, 6)},
    }
"""
NO_BATCH = shapes(**{kind: entry.replace("(N, ", "(") for kind, entry in RIGHT_SHAPES.items()})
SHAPE_TESTS = {kind: (f"test_shapes_{kind}",) for kind in RIGHT_SHAPES}

# ----------------------------------------------------------------------------- Keras model builders
SEQUENTIAL = """def {name}(vocab_size, {classes}):
    model = keras.Sequential([
        {layers}
    ])
    model.compile(optimizer={optimizer}, loss={loss}, metrics=["accuracy"])
    return model
"""
IDS_IN = 'keras.Input(shape=(None,), dtype="int32")'
EMBED = "keras.layers.Embedding(vocab_size, 16, mask_zero=True)"
ADAM = "keras.optimizers.Adam(learning_rate=0.01)"
SPARSE = '"sparse_categorical_crossentropy"'


def review(*middle_and_out, optimizer=ADAM, loss=SPARSE, compiled=True):
    source = SEQUENTIAL.format(name="build_review_classifier", classes="num_classes", optimizer=optimizer, loss=loss,
                               layers=",\n        ".join((IDS_IN, EMBED) + middle_and_out))
    return source if compiled else source.replace("    model.compile(", "    # model.compile(")


def tagger(*middle_and_out, optimizer=ADAM, loss=SPARSE):
    return SEQUENTIAL.format(name="build_tagger", classes="num_tags", optimizer=optimizer, loss=loss,
                             layers=",\n        ".join((IDS_IN, EMBED) + middle_and_out))


REVIEW_OUT = 'keras.layers.Dense(num_classes, activation="softmax")'
TAG_OUT = 'keras.layers.Dense(num_tags, activation="softmax")'

ENCODER_DECODER = """def build_encoder_decoder(source_vocab_size, target_vocab_size):
    source = keras.Input(shape=(None,), dtype="int32")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32")
    words = keras.layers.Embedding(source_vocab_size, 32, mask_zero=True)(source)
    _, h, c = keras.layers.LSTM(64, return_state=True)(words)
    previous = keras.layers.Embedding(target_vocab_size, 32)(decoder_inputs)
    states = {decoder}
    probabilities = {output}
    model = keras.Model([source, decoder_inputs], probabilities)
    model.compile(optimizer={optimizer}, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""
RIGHT_ENCODER_DECODER = dict(
    decoder="keras.layers.LSTM(64, return_sequences=True)(previous, initial_state=[h, c])",
    output='keras.layers.Dense(target_vocab_size, activation="softmax")(states)', optimizer=ADAM)


def encoder_decoder(**changes):
    return ENCODER_DECODER.format(**{**RIGHT_ENCODER_DECODER, **changes})


# ----------------------------------------------------------------------------- sampling, generation, decoding
SAMPLE = """def sample_with_temperature(probs, temperature, rng):
    probs = np.asarray(probs, dtype=float)
    {zero}
    weights = {weights}
    weights /= weights.sum(axis=-1, keepdims=True)
    u = {uniform}
    return np.minimum((u > weights.cumsum(axis=-1)).sum(axis=-1), probs.shape[-1] - 1)
"""
RIGHT_SAMPLE = dict(zero="if temperature == 0:\n        return probs.argmax(axis=-1)",
                    weights="(probs / probs.max(axis=-1, keepdims=True)) ** (1.0 / temperature)",
                    uniform="rng.random((len(probs), 1))")


def sample(**changes):
    return SAMPLE.format(**{**RIGHT_SAMPLE, **changes})


GENERATE = """def generate_melodies(model, first_notes, length, temperature, rng):
    melodies = np.asarray(first_notes, dtype=np.int64)[:, None]
    while melodies.shape[1] < {stop}:
        probs = np.asarray(model({model_input}, training=False)){position}
        next_notes = {choice}
        melodies = np.concatenate([melodies, next_notes[:, None]], axis=1)
    return melodies
"""
RIGHT_GENERATE = dict(stop="length", model_input="melodies", position="[:, -1]",
                      choice="sample_with_temperature(probs, temperature, rng)")


def generate(**changes):
    return GENERATE.format(**{**RIGHT_GENERATE, **changes})


DECODE = """def greedy_decode(model, source_ids, max_len):
    source_ids = np.asarray(source_ids)
    sequences = np.full((len(source_ids), 1), arch_data.START, dtype=np.int64)
    for _ in range({steps}):
        probs = np.asarray(model([source_ids, {model_input}], training=False))
        next_ids = {choice}
        sequences = np.concatenate([sequences, next_ids[:, None]], axis=1)
        if {done}:
            break
    decoded = []
    for row in sequences[{keep}].tolist():
        decoded.append({cut})
    return decoded
"""
RIGHT_DECODE = dict(steps="max_len", model_input="sequences", choice="probs[:, -1].argmax(axis=-1)",
                    done="(sequences == arch_data.END).any(axis=1).all()", keep=":, 1:",
                    cut="row[:row.index(arch_data.END)] if arch_data.END in row else row")


def decode(**changes):
    return DECODE.format(**{**RIGHT_DECODE, **changes})


REVIEW_TESTS = ("test_review_classifier_outputs", "test_review_classifier_learns")
TAGGER_TESTS = ("test_tagger_outputs", "test_tagger_learns")
SAMPLE_DISTRIBUTION = ("test_sample_distribution",)
MELODY_LOOP = ("test_generate_melodies_loop",)
MELODY_RULES = ("test_generated_melodies_keep_the_rules",)
ED_OUTPUTS = ("test_encoder_decoder_outputs",)
ED_LEARNS = ("test_encoder_decoder_learns",)
DECODE_STAND_IN = ("test_greedy_decode_stand_in",)
DECODE_DATES = ("test_greedy_decode_translates_dates",)

MISTAKES = [
    # architecture_shapes
    Mistake("T_in and T_out swapped in the encoder-decoder", "architecture_shapes",
            shapes(encoder_decoder='{"input": (N, T_out, D), "context": (N, H), "hidden": (N, T_in, H), '
                                   '"output": (N, T_in, V)}'), SHAPE_TESTS["encoder_decoder"]),
    Mistake("the context with a time axis", "architecture_shapes",
            shapes(encoder_decoder='{"input": (N, T_in, D), "context": (N, T_in, H), "hidden": (N, T_out, H), '
                                   '"output": (N, T_out, V)}'), SHAPE_TESTS["encoder_decoder"]),
    Mistake("the encoder's states taken for the decoder's", "architecture_shapes",
            shapes(encoder_decoder='{"input": (N, T_in, D), "context": (N, H), "hidden": (N, T_in, H), '
                                   '"output": (N, T_out, V)}'), SHAPE_TESTS["encoder_decoder"]),
    Mistake("many-to-one with an output at every step", "architecture_shapes",
            shapes(many_to_one='{"input": (N, T, D), "hidden": (N, T, H), "output": (N, T, V)}'),
            SHAPE_TESTS["many_to_one"]),
    Mistake("one-to-many reading a whole sequence", "architecture_shapes",
            shapes(one_to_many='{"input": (N, T, D), "hidden": (N, T, H), "output": (N, T, V)}'),
            SHAPE_TESTS["one_to_many"]),
    Mistake("many-to-many hidden states of the last step only (return_sequences forgotten)", "architecture_shapes",
            shapes(many_to_many='{"input": (N, T, D), "hidden": (N, H), "output": (N, T, V)}'),
            SHAPE_TESTS["many_to_many"]),
    Mistake("H and V swapped", "architecture_shapes",
            shapes(one_to_one='{"input": (N, D), "hidden": (N, V), "output": (N, H)}'), SHAPE_TESTS["one_to_one"]),
    Mistake("the batch axis forgotten", "architecture_shapes", NO_BATCH, tuple(t for ts in SHAPE_TESTS.values() for t in ts)),
    Mistake("the visible answer hard-coded", "architecture_shapes", HARD_CODED,
            tuple(t for ts in SHAPE_TESTS.values() for t in ts)),
    # build_review_classifier
    Mistake("sigmoid for three classes", "build_review_classifier",
            review("keras.layers.GRU(32)", 'keras.layers.Dense(num_classes, activation="sigmoid")'), REVIEW_TESTS),
    Mistake("one output per word: return_sequences=True", "build_review_classifier",
            review("keras.layers.GRU(32, return_sequences=True)", REVIEW_OUT), REVIEW_TESTS),
    Mistake("one sigmoid unit, as for two classes", "build_review_classifier",
            review("keras.layers.GRU(32)", 'keras.layers.Dense(1, activation="sigmoid")', loss='"binary_crossentropy"'),
            REVIEW_TESTS),
    Mistake("softmax over the batch axis", "build_review_classifier",
            review("keras.layers.GRU(32)", "keras.layers.Dense(num_classes)", "keras.layers.Softmax(axis=0)"),
            REVIEW_TESTS),
    Mistake("averages the embeddings: blind to word order", "build_review_classifier",
            review("keras.layers.GlobalAveragePooling1D()", 'keras.layers.Dense(32, activation="relu")', REVIEW_OUT),
            ("test_review_classifier_learns",), says="no better than the bag-of-words ceiling"),
    # The hint names the learning rate only when it is not the prompt's (it once named it for any failure).
    Mistake("learning rate 0.0001", "build_review_classifier",
            review("keras.layers.GRU(32)", REVIEW_OUT, optimizer="keras.optimizers.Adam(learning_rate=0.0001)"),
            ("test_review_classifier_learns",), says="compiled with a learning rate of 0.0001"),
    Mistake("categorical_crossentropy with integer labels", "build_review_classifier",
            review("keras.layers.GRU(32)", REVIEW_OUT, loss='"categorical_crossentropy"'),
            ("test_review_classifier_learns",)),
    Mistake("not compiled", "build_review_classifier", review("keras.layers.GRU(32)", REVIEW_OUT, compiled=False),
            REVIEW_TESTS),
    # build_tagger
    # Exercise 5's melody test trains build_tagger: it must name Exercise 3, not blame generate_melodies.
    Mistake("return_sequences forgotten: one output per sentence", "build_tagger",
            tagger("keras.layers.GRU(32)", TAG_OUT), TAGGER_TESTS + MELODY_RULES,
            says=((MELODY_RULES[0], "Exercise 3's build_tagger is wrong, so this test cannot judge generate_melodies"),)),
    Mistake("softmax over the time axis", "build_tagger",
            tagger("keras.layers.GRU(32, return_sequences=True)", "keras.layers.Dense(num_tags)",
                   "keras.layers.Softmax(axis=1)"), TAGGER_TESTS),
    Mistake("sigmoid for the tags", "build_tagger",
            tagger("keras.layers.GRU(32, return_sequences=True)", 'keras.layers.Dense(num_tags, activation="sigmoid")'),
            TAGGER_TESTS),
    Mistake("no recurrent layer: each word tagged alone", "build_tagger", tagger(TAG_OUT),
            ("test_tagger_learns",) + MELODY_RULES,
            says=(("test_tagger_learns", "no better than the best tagger that looks at each word alone"),
                  (MELODY_RULES[0], "Exercise 3's build_tagger, trained as a next-note model, did not learn"))),
    # sample_with_temperature
    Mistake("temperature multiplies instead of divides", "sample_with_temperature",
            sample(weights="(probs / probs.max(axis=-1, keepdims=True)) ** temperature"),
            ("test_sample_greedy",) + SAMPLE_DISTRIBUTION),
    Mistake("temperature ignored", "sample_with_temperature",
            sample(weights="probs / probs.max(axis=-1, keepdims=True)"), SAMPLE_DISTRIBUTION),
    # Exercise 5's tests draw with sample_with_temperature: they must name Exercise 4, not blame generate_melodies.
    Mistake("always the argmax", "sample_with_temperature",
            sample(zero="return probs.argmax(axis=-1)"), SAMPLE_DISTRIBUTION + MELODY_LOOP + MELODY_RULES,
            says=((MELODY_LOOP[0], "Exercise 4's sample_with_temperature is wrong at temperature 1.0"),
                  (MELODY_RULES[0], "Exercise 4's sample_with_temperature is wrong at temperature 1.0"))),
    Mistake("np.random instead of rng", "sample_with_temperature",
            sample(uniform="np.random.random((len(probs), 1))"), SAMPLE_DISTRIBUTION),
    Mistake("one random number shared by all rows", "sample_with_temperature",
            sample(uniform="rng.random()"), SAMPLE_DISTRIBUTION),
    Mistake("temperature 0 not handled: division by zero", "sample_with_temperature",
            sample(zero="pass"), ("test_sample_greedy",)),
    # generate_melodies
    Mistake("the model sees only the first note", "generate_melodies",
            generate(model_input="melodies[:, :1]"), MELODY_LOOP + MELODY_RULES),
    Mistake("the model sees only the last note", "generate_melodies",
            generate(model_input="melodies[:, -1:]"), MELODY_LOOP + MELODY_RULES),
    Mistake("the probabilities of the first position", "generate_melodies",
            generate(position="[:, 0]"), MELODY_LOOP + MELODY_RULES),
    Mistake("argmax instead of sampling", "generate_melodies",
            generate(choice="probs.argmax(axis=-1)"), MELODY_LOOP + MELODY_RULES),
    Mistake("one note too many", "generate_melodies", generate(stop="length + 1"), MELODY_LOOP + MELODY_RULES),
    # build_encoder_decoder
    # Exercise 7's translation test decodes with Exercise 6's model: it must name Exercise 6, not blame greedy_decode.
    Mistake("the decoder does not start from the encoder's state", "build_encoder_decoder",
            encoder_decoder(decoder="keras.layers.LSTM(64, return_sequences=True)(previous)"),
            ED_OUTPUTS + ED_LEARNS + DECODE_DATES,
            says=((ED_LEARNS[0], "Its predictions do not change when the source does"),
                  (DECODE_DATES[0], "the model of Exercise 6 predicts only"))),
    Mistake("return_sequences forgotten in the decoder", "build_encoder_decoder",
            encoder_decoder(decoder="keras.layers.LSTM(64)(previous, initial_state=[h, c])"), ED_OUTPUTS + ED_LEARNS),
    Mistake("softmax over the time axis", "build_encoder_decoder",
            encoder_decoder(output="keras.layers.Softmax(axis=1)(keras.layers.Dense(target_vocab_size)(states))"),
            ED_OUTPUTS + ED_LEARNS),
    Mistake("a bidirectional decoder looks ahead", "build_encoder_decoder",
            encoder_decoder(decoder="keras.layers.Bidirectional(keras.layers.LSTM(32, return_sequences=True))"
                                    "(previous, initial_state=[h[:, :32], c[:, :32], h[:, 32:], c[:, 32:]])"),
            ED_OUTPUTS + DECODE_DATES, says=((DECODE_DATES[0], "the model of Exercise 6 looks ahead"),)),
    # greedy_decode
    Mistake("feeds <start> at every step", "greedy_decode",
            decode(model_input="sequences[:, :1]"), DECODE_STAND_IN + DECODE_DATES),
    Mistake("the probabilities of the first position", "greedy_decode",
            decode(choice="probs[:, 0].argmax(axis=-1)"), DECODE_STAND_IN + DECODE_DATES),
    Mistake("samples instead of taking the argmax", "greedy_decode",
            decode(choice="np.array([np.random.default_rng(0).choice(len(p), p=p / p.sum()) for p in probs[:, -1]])"),
            DECODE_STAND_IN),
    Mistake("rows not cut at <end>", "greedy_decode", decode(cut="row"), DECODE_STAND_IN),
    Mistake("<start> kept", "greedy_decode", decode(keep=":", cut="row[:row.index(arch_data.END)] if arch_data.END in row else row"),
            DECODE_STAND_IN),
    Mistake("stops when the first row ends", "greedy_decode",
            decode(done="(sequences == arch_data.END).any(axis=1).any()"), DECODE_STAND_IN),
    Mistake("never stops early: max_len model calls every time", "greedy_decode", decode(done="False"),
            DECODE_STAND_IN),
    Mistake("one token short of max_len", "greedy_decode", decode(steps="max_len - 1"), DECODE_STAND_IN),
]

# ----------------------------------------------------------------------------- correct code unlike the reference
RIGHT_VARIANTS = [
    RightVariant("shapes built from the sizes in a loop", "architecture_shapes", """def architecture_shapes(N, T, D, H, V, T_in, T_out):
    shapes = {}
    for kind in ("one_to_one", "one_to_many", "many_to_one", "many_to_many"):
        reads_sequence, writes_sequence = kind.startswith("many"), kind.endswith("many")
        steps = (T,) if writes_sequence else ()
        shapes[kind] = {"input": (N, T, D) if reads_sequence else (N, D), "hidden": (N,) + steps + (H,),
                        "output": (N,) + steps + (V,)}
    shapes["encoder_decoder"] = dict(input=(N, T_in, D), context=(N, H), hidden=(N, T_out, H), output=(N, T_out, V))
    return shapes
"""),
    RightVariant("functional API", "build_review_classifier", """def build_review_classifier(vocab_size, num_classes):
    ids = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(vocab_size, 16, mask_zero=True)(ids)
    probabilities = keras.layers.Dense(num_classes, activation="softmax")(keras.layers.GRU(32)(vectors))
    model = keras.Model(ids, probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy"])
    return model
"""),
    RightVariant("functional API, LSTM instead of GRU, softmax as a layer of its own", "build_tagger", """def build_tagger(vocab_size, num_tags):
    ids = keras.Input(shape=(None,), dtype="int32")
    states = keras.layers.LSTM(32, return_sequences=True)(keras.layers.Embedding(vocab_size, 16, mask_zero=True)(ids))
    probabilities = keras.layers.Activation("softmax")(keras.layers.Dense(num_tags)(states))
    model = keras.Model(ids, probabilities)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return model
"""),
    RightVariant("exp of the scaled log-probabilities, zeros kept out of the log", "sample_with_temperature",
                 """def sample_with_temperature(probs, temperature, rng):
    probs = np.array(probs, dtype=float)
    if temperature == 0:
        return np.argmax(probs, axis=1)
    logs = np.full_like(probs, -np.inf)
    np.log(probs, out=logs, where=probs > 0)
    logs /= temperature
    logs -= logs.max(axis=1, keepdims=True)
    probs = np.exp(logs)
    probs /= probs.sum(axis=1, keepdims=True)
    u = rng.random(len(probs))
    return np.minimum(np.sum(probs.cumsum(axis=1) < u[:, None], axis=1), probs.shape[1] - 1).astype(np.int64)
"""),
    RightVariant("melodies written into an array made in advance", "generate_melodies",
                 """def generate_melodies(model, first_notes, length, temperature, rng):
    melodies = np.zeros((len(first_notes), length), dtype=int)
    melodies[:, 0] = first_notes
    for t in range(1, length):
        probs = np.asarray(model(melodies[:, :t], training=False))
        melodies[:, t] = sample_with_temperature(probs[:, t - 1], temperature, rng)
    return melodies
"""),
    RightVariant("a decoder LSTM that also returns its state, unused", "build_encoder_decoder",
                 """def build_encoder_decoder(source_vocab_size, target_vocab_size):
    source, targets_so_far = keras.Input(shape=(None,), dtype="int32"), keras.Input(shape=(None,), dtype="int32")
    encoded = keras.layers.LSTM(64, return_state=True)(keras.layers.Embedding(source_vocab_size, 32, mask_zero=True)(source))
    context = list(encoded[1:])
    decoder = keras.layers.LSTM(64, return_sequences=True, return_state=True)
    states, _, _ = decoder(keras.layers.Embedding(target_vocab_size, 32)(targets_so_far), initial_state=context)
    model = keras.Model(inputs=[source, targets_so_far],
                        outputs=keras.layers.Dense(target_vocab_size, activation="softmax")(states))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""),
    RightVariant("rows decoded with a flag per row, in lists", "greedy_decode", """def greedy_decode(model, source_ids, max_len):
    n = len(source_ids)
    sequences = [[arch_data.START] for _ in range(n)]
    finished = [False] * n
    while not all(finished) and len(sequences[0]) <= max_len:
        probs = np.asarray(model([np.asarray(source_ids), np.array(sequences)], training=False))
        for row in range(n):
            token = int(np.argmax(probs[row, -1]))
            sequences[row].append(token)
            finished[row] = finished[row] or token == arch_data.END
    result = []
    for row in sequences:
        tokens = row[1:]
        result.append(tokens[:tokens.index(arch_data.END)] if arch_data.END in tokens else tokens)
    return result
"""),
]
