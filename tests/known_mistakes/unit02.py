"""Known-wrong implementations of unit 02's graded functions."""
from known_mistakes.mistake import Mistake

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

MISTAKES = [
    Mistake("bias missing", "rnn_step_forward", STEP.format("np.tanh(x @ Wx + h_prev @ Wh)"), STEP_TESTS),
    Mistake("tanh missing", "rnn_step_forward", STEP.format("x @ Wx + h_prev @ Wh + b"), STEP_TESTS),
    Mistake("recurrent weight transposed", "rnn_step_forward",
            STEP.format("np.tanh(x @ Wx + h_prev @ Wh.T + b)"), STEP_TESTS),
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
