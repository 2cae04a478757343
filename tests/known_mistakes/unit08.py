"""Known-wrong implementations of unit 08's graded functions (deep, bidirectional, attention)."""
from known_mistakes.mistake import Mistake, RightVariant

DEEP = """def deep_rnn_forward(x, params):
    states = x
    for Wx, Wh, b in {layers}:
        h = {h_start}
        layer_states = []
        for t in range(x.shape[1]):
            h = np.tanh({layer_input}[:, t] @ Wx + h @ Wh + b)
            layer_states.append(h)
        {keep}
    return {result}
"""
RIGHT_DEEP = dict(layers="params", h_start="np.zeros((x.shape[0], Wh.shape[0]))", layer_input="states",
                  keep="states = np.stack(layer_states, axis=1)", result="states")


def deep(**changes):
    return DEEP.format(**{**RIGHT_DEEP, **changes})


BIDIRECTIONAL = """def bidirectional_rnn_forward(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b):
    def run(inputs, Wx, Wh, b, h):
        states = []
        for t in range(inputs.shape[1]):
            h = np.tanh(inputs[:, t] @ Wx + h @ Wh + b)
            states.append(h)
        return np.stack(states, axis=1)

    zeros = np.zeros((x.shape[0], Wh_f.shape[0]))
    forward = run(x, Wx_f, Wh_f, b_f, zeros)
    backward = {backward}
    return {result}
"""
RIGHT_BIDIRECTIONAL = dict(backward="run(x[:, ::-1], Wx_b, Wh_b, b_b, zeros)[:, ::-1]",
                           result="np.concatenate([forward, backward], axis=-1)")


def bidirectional(**changes):
    return BIDIRECTIONAL.format(**{**RIGHT_BIDIRECTIONAL, **changes})


ATTENTION = """def dot_product_attention(query, keys, values, mask=None):
    scores = {scores}
    if mask is not None:
        {mask_before}
    {stabilise}
    exp = np.exp(scores)
    weights = {weights}
    {mask_after}
    context = {context}
    return context, weights
"""
RIGHT_ATTENTION = dict(scores='np.einsum("nh,nth->nt", query, keys)', mask_before="scores = np.where(mask, scores, -np.inf)",
                       stabilise="scores = scores - scores.max(axis=1, keepdims=True)",
                       weights="exp / exp.sum(axis=1, keepdims=True)", mask_after="",
                       context='np.einsum("nt,ntv->nv", weights, values)')


def attention(**changes):
    return ATTENTION.format(**{**RIGHT_ATTENTION, **changes})


DEEP_TESTS = ("test_deep_rnn_forward_shape", "test_deep_rnn_forward_values")
BIDIRECTIONAL_VALUES = ("test_bidirectional_values", "test_bidirectional_tagger")
ATTENTION_VALUES = ("test_attention_values", "test_attention_mask", "test_attention_large_scores")
MASK_TESTS = ("test_attention_mask", "test_attention_large_scores")
# A wrong shape from layers that do not fit together: checks.call names the inputs' shapes.
SHAPES_NAMED = "It was called with x"

MISTAKES = [
    # deep_rnn_forward
    Mistake("every layer reads the input x, not the states of the layer below", "deep_rnn_forward",
            deep(layer_input="x"), DEEP_TESTS, says=SHAPES_NAMED),
    Mistake("returns the first layer's states", "deep_rnn_forward", """def deep_rnn_forward(x, params):
    states, first = x, None
    for Wx, Wh, b in params:
        h = np.zeros((x.shape[0], Wh.shape[0]))
        layer_states = []
        for t in range(x.shape[1]):
            h = np.tanh(states[:, t] @ Wx + h @ Wh + b)
            layer_states.append(h)
        states = np.stack(layer_states, axis=1)
        first = states if first is None else first
    return first
""", DEEP_TESTS, says="the first layer's states"),
    Mistake("one layer's weights for every layer", "deep_rnn_forward", deep(layers="[params[0]] * len(params)"),
            DEEP_TESTS, says=SHAPES_NAMED),
    Mistake("each layer starts from the last state of the layer below", "deep_rnn_forward",
            deep(h_start="np.zeros((x.shape[0], Wh.shape[0])) if states is x else states[:, -1]"),
            DEEP_TESTS, says=SHAPES_NAMED),
    Mistake("returns the top layer's last state only", "deep_rnn_forward", deep(result="states[:, -1]"), DEEP_TESTS,
            says="expected shape"),
    # bidirectional_rnn_forward
    Mistake("backward states first, then forward", "bidirectional_rnn_forward",
            bidirectional(result="np.concatenate([backward, forward], axis=-1)"), BIDIRECTIONAL_VALUES,
            says=(("test_bidirectional_values", "the two halves are swapped"),)),
    Mistake("backward states not put back in time order", "bidirectional_rnn_forward",
            bidirectional(backward="run(x[:, ::-1], Wx_b, Wh_b, b_b, zeros)"), BIDIRECTIONAL_VALUES,
            says=(("test_bidirectional_values", "reverse them in time"),)),
    Mistake("backward direction with the forward weights", "bidirectional_rnn_forward",
            bidirectional(backward="run(x[:, ::-1], Wx_f, Wh_f, b_f, zeros)[:, ::-1]"), BIDIRECTIONAL_VALUES,
            says=(("test_bidirectional_values", "used the forward weights"),)),
    Mistake("backward RNN reads left to right", "bidirectional_rnn_forward",
            bidirectional(backward="run(x, Wx_b, Wh_b, b_b, zeros)"), BIDIRECTIONAL_VALUES,
            says=(("test_bidirectional_values", "read the sequence from the first step"),)),
    Mistake("backward RNN starts from the forward RNN's last state", "bidirectional_rnn_forward",
            bidirectional(backward="run(x[:, ::-1], Wx_b, Wh_b, b_b, forward[:, -1])[:, ::-1]"),
            ("test_bidirectional_values",),
            says=(("test_bidirectional_values", "started from the forward RNN's last state"),)),
    Mistake("forward and backward stacked along time", "bidirectional_rnn_forward",
            bidirectional(result="np.concatenate([forward, backward], axis=1)"),
            ("test_bidirectional_shape",) + BIDIRECTIONAL_VALUES, says="expected shape"),
    # dot_product_attention
    Mistake("softmax over the batch (axis 0)", "dot_product_attention",
            attention(stabilise="scores = scores - scores.max(axis=0, keepdims=True)",
                      weights="exp / exp.sum(axis=0, keepdims=True)"),
            ATTENTION_VALUES, says=(("test_attention_values", "over the batch"),)),
    Mistake("scores scaled by 1/sqrt(H)", "dot_product_attention",
            attention(scores='np.einsum("nh,nth->nt", query, keys) / np.sqrt(query.shape[1])'), ATTENTION_VALUES,
            says=(("test_attention_values", "divided by sqrt(H)"), ("test_attention_mask", "divided by sqrt(H)"))),
    Mistake("mask ignored", "dot_product_attention", attention(mask_before="pass"), MASK_TESTS,
            says=(("test_attention_mask", "the mask was ignored"),)),
    Mistake("mask applied after the softmax, weights not renormalised", "dot_product_attention",
            attention(mask_before="pass", mask_after="weights = weights * mask if mask is not None else weights"),
            MASK_TESTS, says=(("test_attention_mask", "applied after the softmax"),)),
    Mistake("scores multiplied by the mask (masked scores become 0)", "dot_product_attention",
            attention(mask_before="scores = scores * mask"), MASK_TESTS,
            says=(("test_attention_mask", "got a score of 0"),)),
    Mistake("masked by a score of -100: weights tiny, not exactly 0", "dot_product_attention",
            attention(mask_before="scores = np.where(mask, scores, -100.0)"), MASK_TESTS,
            says=(("test_attention_mask", "must be exactly 0"),)),
    Mistake("softmax without subtracting the largest score", "dot_product_attention", attention(stabilise="pass"),
            ("test_attention_large_scores",), says="NaN or infinite"),
    Mistake("mask after the softmax, then renormalised (a masked large score wipes out the rest)",
            "dot_product_attention",
            attention(mask_before="pass",
                      mask_after="weights = weights * mask / (weights * mask).sum(axis=1, keepdims=True) "
                                 "if mask is not None else weights"),
            ("test_attention_large_scores",), says="NaN or infinite"),
    Mistake("context from the scores instead of the weights", "dot_product_attention",
            attention(context='np.einsum("nt,ntv->nv", np.einsum("nh,nth->nt", query, keys), values)'),
            ATTENTION_VALUES, says=(("test_attention_values", "times the scores"),)),
    Mistake("context summed over the wrong axis", "dot_product_attention",
            attention(context="(weights[:, :, None] * values).sum(axis=2)"),
            ("test_attention_shapes",) + ATTENTION_VALUES, says="context for query"),
]

RIGHT_VARIANTS = [
    RightVariant("one helper per layer, all inputs projected at once", "deep_rnn_forward", """def deep_rnn_forward(x, params):
    def layer(inputs, Wx, Wh, b):
        projected = inputs @ Wx + b            # (N, T, H): the input part of every step
        h = np.zeros((inputs.shape[0], Wh.shape[0]))
        out = np.empty(projected.shape)
        for t in range(inputs.shape[1]):
            h = np.tanh(projected[:, t] + h @ Wh)
            out[:, t] = h
        return out

    for Wx, Wh, b in params:
        x = layer(x, Wx, Wh, b)
    return x
"""),
    RightVariant("time loop outside, layers inside", "deep_rnn_forward", """def deep_rnn_forward(x, params):
    hs = [np.zeros((x.shape[0], Wh.shape[0])) for _, Wh, _ in params]
    top = []
    for t in range(x.shape[1]):
        below = x[:, t]
        for l, (Wx, Wh, b) in enumerate(params):
            hs[l] = np.tanh(below @ Wx + hs[l] @ Wh + b)
            below = hs[l]
        top.append(below)
    return np.stack(top, axis=1)
"""),
    RightVariant("backward loop over reversed indices, preallocated output", "bidirectional_rnn_forward",
                 """def bidirectional_rnn_forward(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b):
    N, T, _ = x.shape
    H = Wh_f.shape[0]
    out = np.zeros((N, T, 2 * H))
    h = np.zeros((N, H))
    for t in range(T):
        h = np.tanh(x[:, t] @ Wx_f + h @ Wh_f + b_f)
        out[:, t, :H] = h
    h = np.zeros((N, H))
    for t in reversed(range(T)):
        h = np.tanh(x[:, t] @ Wx_b + h @ Wh_b + b_b)
        out[:, t, H:] = h
    return out
"""),
    RightVariant("np.flip and np.dstack", "bidirectional_rnn_forward", """def bidirectional_rnn_forward(x, Wx_f, Wh_f, b_f, Wx_b, Wh_b, b_b):
    def run(inputs, Wx, Wh, b):
        h = np.zeros((inputs.shape[0], Wh.shape[0]))
        states = []
        for step in np.moveaxis(inputs, 1, 0):
            h = np.tanh(step @ Wx + h @ Wh + b)
            states.append(h)
        return np.stack(states, axis=1)
    return np.dstack([run(x, Wx_f, Wh_f, b_f), np.flip(run(np.flip(x, axis=1), Wx_b, Wh_b, b_b), axis=1)])
"""),
    RightVariant("scores lowered by 1e9 where masked, as Keras does", "dot_product_attention",
                 attention(mask_before="scores = scores - 1e9 * (~mask)")),
    RightVariant("masked scores set to -1e30", "dot_product_attention",
                 attention(mask_before="scores = np.where(mask, scores, -1e30)")),
    RightVariant("loops over the batch, max of the kept scores, exp zeroed by the mask", "dot_product_attention",
                 """def dot_product_attention(query, keys, values, mask=None):
    N, T, V = values.shape
    mask = np.ones((N, T), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    context, weights = np.zeros((N, V)), np.zeros((N, T))
    for n in range(N):
        scores = keys[n] @ query[n]
        top = scores[mask[n]].max()
        exp = np.where(mask[n], np.exp(np.minimum(scores - top, 0.0)), 0.0)
        weights[n] = exp / exp.sum()
        context[n] = weights[n] @ values[n]
    return context, weights
"""),
    RightVariant("matmul with added axes", "dot_product_attention",
                 attention(scores="(keys @ query[:, :, None])[:, :, 0]",
                           context="(weights[:, None, :] @ values)[:, 0, :]")),
]

TRANSLATOR = """def build_attention_translator(source_vocab_size, target_vocab_size):
    source = keras.Input(shape=(None,), dtype="int32")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32")
    words = keras.layers.Embedding(source_vocab_size, 16, mask_zero=True)(source)
    encoder_states = {encoder}(words)
    previous = keras.layers.Embedding(target_vocab_size, 16)(decoder_inputs)
    queries = {decoder}(previous)
    contexts = keras.layers.Attention()([queries, encoder_states])
    both = {both}
    probabilities = keras.layers.Dense(target_vocab_size, activation="softmax")(both)
    model = keras.Model([source, decoder_inputs], probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    return model
"""
RIGHT_TRANSLATOR = dict(encoder="keras.layers.Bidirectional(keras.layers.GRU(32, return_sequences=True))",
                        decoder="keras.layers.GRU(64, return_sequences=True)",
                        both="keras.layers.Concatenate()([queries, contexts])")


def translator(**changes):
    return TRANSLATOR.format(**{**RIGHT_TRANSLATOR, **changes})


TRANSLATOR_TESTS = ("test_attention_translator_outputs", "test_attention_translator_learns")

MISTAKES += [
    Mistake("contexts computed but not used: the decoder never sees the source", "build_attention_translator",
            translator(both="queries"), TRANSLATOR_TESTS, says="do not depend on the source"),
    Mistake("bidirectional decoder: it reads the later decoder inputs", "build_attention_translator",
            translator(decoder="keras.layers.Bidirectional(keras.layers.GRU(32, return_sequences=True))"),
            TRANSLATOR_TESTS, says="after step 4 changed"),
]
