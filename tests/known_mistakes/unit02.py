"""Known-wrong implementations of unit 02's graded functions."""
from known_mistakes.mistake import Mistake, RightVariant

STEP = "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    h_next = {}\n    return h_next, (x, h_prev, Wx, Wh, h_next)\n"
FORWARD = """def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    hs, cache, h_prev = [], [], h0
    for t in range({range}):
        {body}
    return np.stack(hs, axis={axis}), cache
"""
CARRY = "h_prev, c = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b); hs.append(h_prev); cache.append(c)"
SOFTMAX = "def softmax(z):\n    {body}\n"
COUNT = "def count_rnn_parameters(input_dim, hidden_dim, output_dim):\n    D, H, V = input_dim, hidden_dim, output_dim\n    return {formula}\n"

STEP_TESTS = ("test_rnn_step_forward_values",)
FORWARD_TESTS = ("test_rnn_forward_values",)
# A wrong step makes rnn_forward's states wrong too: those tests must name Exercise 1, not rnn_forward.
BLAMES_THE_STEP = "h is exactly what unrolling your rnn_step_forward gives, and Exercise 1's rnn_step_forward is wrong"
FORWARD_BLAMES_THE_STEP = (("test_rnn_forward_values", BLAMES_THE_STEP),
                           ("test_rnn_forward_reproduces_keras_layer", BLAMES_THE_STEP))

MISTAKES = [
    # (A new Keras layer's bias is zero, so the layer test cannot see a missing bias.)
    Mistake("bias missing", "rnn_step_forward", STEP.format("np.tanh(x @ Wx + h_prev @ Wh)"),
            STEP_TESTS + ("test_rnn_forward_values",),
            says=(("test_rnn_step_forward_values", "the bias b is missing"), FORWARD_BLAMES_THE_STEP[0])),
    Mistake("tanh missing", "rnn_step_forward", STEP.format("x @ Wx + h_prev @ Wh + b"), STEP_TESTS),
    Mistake("recurrent weight transposed", "rnn_step_forward",
            STEP.format("np.tanh(x @ Wx + h_prev @ Wh.T + b)"),
            STEP_TESTS + ("test_rnn_forward_values", "test_rnn_forward_reproduces_keras_layer"),
            says=(("test_rnn_step_forward_values", "Wh is transposed"),) + FORWARD_BLAMES_THE_STEP),
    # The prompt asks for the inputs' precision, 1e-10 in float64: float32 passes the visible tests only.
    Mistake("computed in float32", "rnn_step_forward",
            STEP.format("np.tanh(x.astype(np.float32) @ Wx.astype(np.float32) + h_prev.astype(np.float32) "
                        "@ Wh.astype(np.float32) + b.astype(np.float32))"),
            STEP_TESTS + FORWARD_TESTS,
            says=(("test_rnn_step_forward_values", "h_next in float64 is wrong"),
                  ("test_rnn_forward_values", BLAMES_THE_STEP))),
    Mistake("weights swapped", "rnn_step_forward", STEP.format("np.tanh(x @ Wh + h_prev @ Wx + b)"),
            ("test_rnn_step_forward_shape",) + STEP_TESTS),
    Mistake("sigmoid instead of tanh", "rnn_step_forward",
            STEP.format("1 / (1 + np.exp(-(x @ Wx + h_prev @ Wh + b)))"), STEP_TESTS),
    Mistake("h0 ignored", "rnn_forward",
            FORWARD.format(range="T", axis=1, body="h_prev = np.zeros_like(h0) if t == 0 else h_prev; " + CARRY),
            FORWARD_TESTS),
    Mistake("off by one in time: stores the state before the step", "rnn_forward",
            FORWARD.format(range="T", axis=1,
                           body="hs.append(h_prev); h_prev, c = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b); cache.append(c)"),
            FORWARD_TESTS),
    Mistake("state not carried forward", "rnn_forward",
            FORWARD.format(range="T", axis=1,
                           body="h, c = rnn_step_forward(x[:, t], h0, Wx, Wh, b); hs.append(h); cache.append(c)"),
            FORWARD_TESTS),
    Mistake("time stacked on the last axis", "rnn_forward", FORWARD.format(range="T", axis=2, body=CARRY),
            ("test_rnn_forward_shape",) + FORWARD_TESTS),
    Mistake("last step skipped", "rnn_forward", FORWARD.format(range="T - 1", axis=1, body=CARRY),
            ("test_rnn_forward_shape",) + FORWARD_TESTS),
    Mistake("states stored in float32", "rnn_forward", """def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h, cache, h_prev = np.zeros((N, T, h0.shape[1]), dtype=np.float32), [], h0
    for t in range(T):
        h_prev, c = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        cache.append(c)
    return h, cache
""", FORWARD_TESTS, says="h is wrong: expected"),
    Mistake("normalised over axis 0", "softmax",
            SOFTMAX.format(body="e = np.exp(z - z.max(axis=0, keepdims=True)); return e / e.sum(axis=0, keepdims=True)"),
            ("test_softmax_values",)),
    Mistake("not stable: no maximum subtracted", "softmax",
            SOFTMAX.format(body="e = np.exp(z); return e / e.sum(axis=-1, keepdims=True)"),
            ("test_softmax_stable",)),
    Mistake("one global maximum instead of each row's", "softmax",
            SOFTMAX.format(body="e = np.exp(z - z.max()); return e / e.sum(axis=-1, keepdims=True)"),
            ("test_softmax_stable",)),
    Mistake("keepdims forgotten", "softmax",
            SOFTMAX.format(body="e = np.exp(z - z.max(axis=-1)); return e / e.sum(axis=-1)"),
            ("test_softmax_values",)),
    Mistake("biases not counted", "count_rnn_parameters", COUNT.format(formula="D * H + H * H + H * V"),
            ("test_count_rnn_parameters",)),
    Mistake("output layer forgotten", "count_rnn_parameters", COUNT.format(formula="D * H + H * H + H"),
            ("test_count_rnn_parameters",)),
    Mistake("recurrent weights counted as D * H", "count_rnn_parameters",
            COUNT.format(formula="2 * D * H + H + H * V + V"), ("test_count_rnn_parameters",)),
]

RIGHT_VARIANTS = [
    # Graded together: the i-th variant of each solution cell makes the i-th submission.
    RightVariant("step with einsum", "rnn_step_forward",
                 STEP.format("np.tanh(np.einsum('nd,dh->nh', x, Wx) + np.einsum('nk,kh->nh', h_prev, Wh) + b)")),
    RightVariant("states in a list, then np.stack", "rnn_forward", FORWARD.format(range="T", axis=1, body=CARRY)),
    # No test asks rnn_step_forward to leave its inputs alone: writing the new state into h_prev is allowed.
    # (Graded with the reference rnn_forward, which copies each state into h; a forward pass that keeps the
    # returned arrays would hold T references to one array.)
    RightVariant("step written into its own h_prev", "rnn_step_forward", """def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_prev[...] = np.tanh(x @ Wx + h_prev @ Wh + b)
    h_next = h_prev
    cache = (x, h_prev, Wx, Wh, h_next)
    return h_next, cache
"""),
    RightVariant("softmax in place on its own z", "softmax", SOFTMAX.format(
        body="z -= z.max(axis=-1, keepdims=True)\n    np.exp(z, out=z)\n    z /= z.sum(axis=-1, keepdims=True)\n"
             "    return z")),
    RightVariant("parameters counted per layer, factored", "count_rnn_parameters",
                 COUNT.format(formula="(D + H + 1) * H + (H + 1) * V")),
]
