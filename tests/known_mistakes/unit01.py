"""Known-wrong implementations of unit 01's graded functions."""
from known_mistakes.mistake import Mistake, RightVariant

DENSE = "def dense_forward(x, W, b, activation=None):\n    {body}\n"
BAG = "def bag_of_words(token_ids, vocab_size):\n    {body}\n    return counts\n"
ONE_HOT = "np.eye(vocab_size)[np.asarray(token_ids){shift}]"
MODEL = """def {name}(vocab_size):
    model = keras.Sequential([
        {layers}
    ])
    {compile}
    return model
"""
COMPILE = ('model.compile(optimizer={optimizer}, loss={loss}, metrics=["accuracy"])')
ADAM = "keras.optimizers.Adam(learning_rate=0.01)"
BCE = '"binary_crossentropy"'
SIGMOID_OUT = 'keras.layers.Dense(1, activation="sigmoid")'
IDS_IN = 'keras.Input(shape=(None,), dtype="int32")'
EMBED = "keras.layers.Embedding(vocab_size, 16, mask_zero=True)"


def feedforward(*layers, optimizer=ADAM, loss=BCE, compiled=True):
    compile_line = COMPILE.format(optimizer=optimizer, loss=loss) if compiled else "pass"
    return MODEL.format(name="build_feedforward_classifier", compile=compile_line,
                        layers=",\n        ".join(("keras.Input(shape=(vocab_size,))",) + layers))


def recurrent(*layers, optimizer=ADAM, loss=BCE):
    return MODEL.format(name="build_recurrent_classifier", compile=COMPILE.format(optimizer=optimizer, loss=loss),
                        layers=",\n        ".join(layers))


DENSE_VALUES = ("test_dense_forward_values",)
BAG_COUNTS = ("test_bag_of_words_counts",)
FF_OUTPUTS = ("test_feedforward_classifier_outputs",)
FF_CEILING = ("test_feedforward_classifier_reaches_ceiling",)
RNN_OUTPUTS = ("test_recurrent_classifier_outputs",)
RNN_ACCURACY = ("test_recurrent_classifier_beats_ceiling",)

MISTAKES = [
    # dense_forward
    Mistake("bias missing", "dense_forward",
            DENSE.format(body="z = x @ W\n    return z if activation is None else activation(z)"), DENSE_VALUES),
    Mistake("weight transposed", "dense_forward",
            DENSE.format(body="z = x @ W.T + b\n    return z if activation is None else activation(z)"),
            ("test_dense_forward_shape",) + DENSE_VALUES),
    Mistake("activation ignored", "dense_forward", DENSE.format(body="return x @ W + b"), DENSE_VALUES),
    Mistake("tanh applied whatever the activation argument", "dense_forward",
            DENSE.format(body="return np.tanh(x @ W + b)"), DENSE_VALUES),
    Mistake("activation applied before the bias", "dense_forward",
            DENSE.format(body="z = x @ W\n    return (z if activation is None else activation(z)) + b"), DENSE_VALUES),
    Mistake("activation applied to the input", "dense_forward",
            DENSE.format(body="return (x if activation is None else activation(x)) @ W + b"), DENSE_VALUES),
    # The prompt asks for the inputs' precision, 1e-10 in float64: float32 passes the visible tests only.
    Mistake("computed in float32", "dense_forward",
            DENSE.format(body="z = x.astype(np.float32) @ W.astype(np.float32) + b.astype(np.float32)\n"
                              "    return z if activation is None else activation(z)"),
            DENSE_VALUES, says="in float64 is wrong"),
    # bag_of_words
    Mistake("presence (0 or 1) instead of counts", "bag_of_words",
            BAG.format(body=f"counts = {ONE_HOT.format(shift='')}.max(axis=1)\n    counts[:, 0] = 0"), BAG_COUNTS),
    Mistake("padding counted", "bag_of_words",
            BAG.format(body=f"counts = {ONE_HOT.format(shift='')}.sum(axis=1)"),
            BAG_COUNTS + ("test_bag_of_words_ignores_order_and_padding",)),
    Mistake("ids off by one: word j in column j - 1, padding in the last column", "bag_of_words",
            BAG.format(body=f"counts = {ONE_HOT.format(shift=' - 1')}.sum(axis=1)"),
            BAG_COUNTS + ("test_bag_of_words_ignores_order_and_padding",)),
    Mistake("frequencies instead of counts", "bag_of_words",
            BAG.format(body=f"counts = {ONE_HOT.format(shift='')}.sum(axis=1)\n    counts[:, 0] = 0\n"
                            "    counts = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)"), BAG_COUNTS),
    Mistake("summed over the sentences instead of the positions", "bag_of_words",
            BAG.format(body=f"counts = {ONE_HOT.format(shift='')}.sum(axis=0)\n    counts[:, 0] = 0"),
            BAG_COUNTS + ("test_bag_of_words_ignores_order_and_padding",)),
    # build_feedforward_classifier
    Mistake("no hidden layer: a linear model cannot learn that 'not' flips 'good' and 'bad'",
            "build_feedforward_classifier", feedforward(SIGMOID_OUT), FF_CEILING),
    Mistake("softmax over a single output unit: always 1", "build_feedforward_classifier",
            feedforward('keras.layers.Dense(32, activation="relu")', 'keras.layers.Dense(1, activation="softmax")'),
            FF_CEILING, says="as a softmax over a single unit always does"),
    Mistake("no sigmoid: outputs scores, not probabilities", "build_feedforward_classifier",
            feedforward('keras.layers.Dense(32, activation="relu")', "keras.layers.Dense(1)",
                        loss="keras.losses.BinaryCrossentropy(from_logits=True)"), FF_OUTPUTS + FF_CEILING),
    Mistake("two output units with softmax", "build_feedforward_classifier",
            feedforward('keras.layers.Dense(32, activation="relu")', 'keras.layers.Dense(2, activation="softmax")',
                        loss='"sparse_categorical_crossentropy"'), FF_OUTPUTS + FF_CEILING),
    Mistake("not compiled", "build_feedforward_classifier",
            feedforward('keras.layers.Dense(32, activation="relu")', SIGMOID_OUT, compiled=False),
            FF_OUTPUTS + FF_CEILING),
    # build_recurrent_classifier
    Mistake("averages the word embeddings: blind to order like a bag of words", "build_recurrent_classifier",
            recurrent(IDS_IN, EMBED, "keras.layers.GlobalAveragePooling1D()",
                      'keras.layers.Dense(32, activation="relu")', SIGMOID_OUT), RNN_ACCURACY,
            says="on the twins, 1.000 on the other sentences (the twins differ only in word order)"),
    Mistake("classifies the state after the first position only", "build_recurrent_classifier",
            recurrent(IDS_IN, "keras.layers.Embedding(vocab_size, 16)",
                      "keras.layers.SimpleRNN(32, return_sequences=True)",
                      "keras.layers.Lambda(lambda h: h[:, 0])", SIGMOID_OUT), RNN_ACCURACY),
    Mistake("one output per word: return_sequences=True", "build_recurrent_classifier",
            recurrent(IDS_IN, EMBED, "keras.layers.SimpleRNN(32, return_sequences=True)", SIGMOID_OUT),
            RNN_OUTPUTS + RNN_ACCURACY),
    Mistake("fixed sentence length: Flatten over the positions", "build_recurrent_classifier",
            recurrent('keras.Input(shape=(10,), dtype="int32")', "keras.layers.Embedding(vocab_size, 16)",
                      "keras.layers.Flatten()", 'keras.layers.Dense(32, activation="relu")', SIGMOID_OUT),
            RNN_OUTPUTS, says="It worked on word ids of shape (40, 10), so something in it needs sentences of one length"),
    Mistake("softmax over a single output unit: always 1", "build_recurrent_classifier",
            recurrent(IDS_IN, EMBED, "keras.layers.SimpleRNN(32)", 'keras.layers.Dense(1, activation="softmax")'),
            RNN_ACCURACY, says="as a softmax over a single unit always does"),
    # The message states the learning rate it reads from the model, not a guess.
    Mistake("default learning rate 0.001: too slow for 10 epochs", "build_recurrent_classifier",
            recurrent(IDS_IN, EMBED, "keras.layers.SimpleRNN(32)", SIGMOID_OUT, optimizer='"adam"'), RNN_ACCURACY,
            says="compiled with a learning rate of 0.001"),
]

RIGHT_VARIANTS = [
    RightVariant("dense layer with einsum, activation applied by a test of callability", "dense_forward",
                 DENSE.format(body="z = np.einsum('nd,dh->nh', x, W)\n    z += b\n"
                                   "    return activation(z) if callable(activation) else z")),
    # Integer counts: the prompt allows them (Keras converts), and the tests compare values.
    RightVariant("integer counts with np.add.at", "bag_of_words",
                 BAG.format(body="token_ids = np.asarray(token_ids)\n"
                                 "    counts = np.zeros((token_ids.shape[0], vocab_size), dtype=np.int64)\n"
                                 "    rows = np.repeat(np.arange(token_ids.shape[0]), token_ids.shape[1])\n"
                                 "    np.add.at(counts, (rows, token_ids.ravel()), 1)\n"
                                 "    counts[:, 0] = 0")),
    # The suggested layers are advice: another model that reaches the ceiling earns every point.
    RightVariant("functional API, 64 hidden units", "build_feedforward_classifier", """def build_feedforward_classifier(vocab_size):
    bags = keras.Input(shape=(vocab_size,))
    hidden = keras.layers.Dense(64, activation="relu")(bags)
    model = keras.Model(bags, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.BinaryCrossentropy())
    return model
"""),
    RightVariant("functional API", "build_recurrent_classifier", """def build_recurrent_classifier(vocab_size):
    word_ids = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(vocab_size, 16, mask_zero=True)(word_ids)
    state = keras.layers.SimpleRNN(32)(vectors)
    model = keras.Model(word_ids, keras.layers.Dense(1, activation="sigmoid")(state))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
    return model
"""),
]
