"""Known-wrong implementations of unit 07's graded functions (LSTM and GRU from the inside)."""
from known_mistakes.mistake import Mistake, RightVariant

GRU = """def gru_step_forward(x, h_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    sigmoid = lambda a: 1 / (1 + np.exp(-a))
    from_x = x @ Wx + {input_bias}
    from_h = h_prev @ Wh + {recurrent_bias}
    {u_name} = {gate}(from_x[:, :H] + from_h[:, :H])
    {r_name} = {gate}(from_x[:, H:2 * H] + from_h[:, H:2 * H])
    candidate = np.tanh({candidate})
    h_next = {h_next}
    return h_next, (u, r, candidate)
"""
RIGHT_GRU = dict(input_bias="b[0]", recurrent_bias="b[1]", u_name="u", r_name="r", gate="sigmoid",
                 candidate="from_x[:, 2 * H:] + r * from_h[:, 2 * H:]", h_next="u * h_prev + (1 - u) * candidate")


def gru(**changes):
    return GRU.format(**{**RIGHT_GRU, **changes})


COUNTS = """def cell_parameter_counts(D, H):
    one_block = D * H + H * H + H
    return {counts}
"""

# The backward pass reads the cache of the reference lstm_step_forward: (x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next).
BACKWARD = """def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next = cache
    tanh_c = np.tanh(c_next)
    dc = {dc}
    do = dh_next * tanh_c
    di = dc * g * {sigmoid_i}
    df = dc * c_prev * f * (1 - f)
    dg = dc * i * {tanh_g}
    do = do * o * (1 - o)
    dz = np.concatenate({blocks}, axis=1)
    dc_prev = {dc_prev}
    dx = dz @ Wx.T
    dh_prev = {dh_prev}
    dWx = {dWx}
    dWh = h_prev.T @ dz
    db = {db}
    return dx, dh_prev, dc_prev, dWx, dWh, db
"""
RIGHT_BACKWARD = dict(dc="dc_next + dh_next * o * (1 - tanh_c ** 2)", sigmoid_i="i * (1 - i)", tanh_g="(1 - g ** 2)",
                      blocks="[di, df, dg, do]", dc_prev="dc * f", dh_prev="dz @ Wh.T", dWx="x.T @ dz",
                      db="dz.sum(axis=0)")


def backward(**changes):
    return BACKWARD.format(**{**RIGHT_BACKWARD, **changes})


FORWARD = """def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    z = x @ Wx + h_prev @ Wh + b
    sigmoid = lambda a: 1 / (1 + np.exp(-a))
    {names} = np.split(z, 4, axis=1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next)
"""

GRU_TESTS = ("test_gru_step_forward_values", "test_gru_reproduces_keras_layer")
BACKWARD_TESTS = ("test_lstm_step_backward_values", "test_lstm_step_backward_both_paths",
                  "test_lstm_step_backward_numerical")
ALL_BACKWARD_TESTS = ("test_lstm_step_backward_shapes",) + BACKWARD_TESTS
# What check_close prints for every failure: the only true thing to say when no known mistake matches.
WHERE = "largest difference at index"
NUMERIC = "against centred differences"


def backward_says(values, both_paths=WHERE):
    """The words of the three value tests: the values test's, the both-paths test's and the numerical one's."""
    return (("test_lstm_step_backward_values", values), ("test_lstm_step_backward_both_paths", both_paths),
            ("test_lstm_step_backward_numerical", NUMERIC))


MISTAKES = [
    # gru_step_forward
    Mistake("update and reset gates swapped", "gru_step_forward", gru(u_name="r", r_name="u"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "update and reset gates are swapped"),
                  ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("reset gate before the matrix product (reset_after=False)", "gru_step_forward",
            gru(candidate="x @ Wx[:, 2 * H:] + b[0, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:] + b[1, 2 * H:]"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "reset_after=False"), ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("h_next = (1 - u) * h_prev + u * candidate", "gru_step_forward",
            gru(h_next="(1 - u) * h_prev + u * candidate"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "roles of u and 1 - u are swapped"),
                  ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("recurrent bias dropped", "gru_step_forward", gru(recurrent_bias="0"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "recurrent bias b[1] is missing"),
                  ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("rows of b swapped", "gru_step_forward", gru(input_bias="b[1]", recurrent_bias="b[0]"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "rows of b are swapped"), ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("candidate's recurrent bias outside the reset gate", "gru_step_forward",
            gru(candidate="from_x[:, 2 * H:] + b[1, 2 * H:] + r * (h_prev @ Wh[:, 2 * H:])"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "added outside the reset gate"),
                  ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("both biases in the input term (b.sum(axis=0))", "gru_step_forward",
            gru(input_bias="b.sum(axis=0)", recurrent_bias="0"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "added outside the reset gate"),
                  ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("tanh for the gates", "gru_step_forward", gru(gate="np.tanh"), GRU_TESTS,
            says=(("test_gru_step_forward_values", "tanh was used for the gates"),
                  ("test_gru_reproduces_keras_layer", WHERE))),
    Mistake("bias (2, 3H) added as a whole", "gru_step_forward", gru(input_bias="b", recurrent_bias="0"),
            ("test_gru_step_forward_shape",) + GRU_TESTS, says="raised ValueError"),
    # cell_parameter_counts
    Mistake("GRU with one bias row", "cell_parameter_counts",
            COUNTS.format(counts="one_block, 3 * one_block, 4 * one_block"), ("test_cell_parameter_counts",),
            says="two, an input and a recurrent bias"),
    Mistake("biases forgotten", "cell_parameter_counts",
            COUNTS.format(counts="D * H + H * H, 3 * (D * H + H * H), 4 * (D * H + H * H)"),
            ("test_cell_parameter_counts",), says="the number of parameters of SimpleRNN"),
    Mistake("LSTM and GRU counts swapped", "cell_parameter_counts",
            COUNTS.format(counts="one_block, 4 * one_block, 3 * one_block + 3 * H"), ("test_cell_parameter_counts",),
            says="the number of parameters of GRU"),
    # lstm_step_forward (unit 06's step, pasted): every backward test must name it as the cause
    Mistake("forward gates in the order i, f, o, c", "lstm_step_forward", FORWARD.format(names="z_i, z_f, z_o, z_c"),
            ALL_BACKWARD_TESTS, says="your lstm_step_forward (the first solution cell of Exercise 3"),
    # lstm_step_backward
    Mistake("dc_next ignored (only the path through h)", "lstm_step_backward",
            backward(dc="dh_next * o * (1 - tanh_c ** 2)"), BACKWARD_TESTS,
            says=backward_says("dc_next is ignored", "although dc_next is not")),
    Mistake("path through h missing (only dc_next)", "lstm_step_backward", backward(dc="dc_next"), BACKWARD_TESTS,
            says=backward_says("the path through h_next is missing", "although dh_next is not")),
    Mistake("dc_prev without the forget gate", "lstm_step_backward", backward(dc_prev="dc.copy()"), BACKWARD_TESTS,
            says=backward_says("the forget gate is missing")),
    Mistake("tanh' taken as 1 - c**2 (of the cell, not of its tanh)", "lstm_step_backward",
            backward(dc="dc_next + dh_next * o * (1 - c_next ** 2)"), BACKWARD_TESTS,
            says=backward_says(WHERE)),
    Mistake("candidate's tanh' as 1 - g", "lstm_step_backward", backward(tanh_g="(1 - g)"), BACKWARD_TESTS,
            says=backward_says(WHERE)),
    Mistake("sigmoid' of the input gate as 1 - i**2", "lstm_step_backward", backward(sigmoid_i="(1 - i ** 2)"),
            BACKWARD_TESTS, says=backward_says(WHERE)),
    Mistake("blocks of dz in the order i, f, o, c", "lstm_step_backward", backward(blocks="[di, df, do, dg]"),
            BACKWARD_TESTS, says=backward_says("wrong order")),
    Mistake("blocks of dz in the order f, i, c, o", "lstm_step_backward", backward(blocks="[df, di, dg, do]"),
            BACKWARD_TESTS, says=backward_says("wrong order")),
    Mistake("dWx the mean over the batch", "lstm_step_backward", backward(dWx="x.T @ dz / x.shape[0]"),
            BACKWARD_TESTS, says=backward_says("mean over the batch")),
    Mistake("db the mean over the batch", "lstm_step_backward", backward(db="dz.mean(axis=0)"), BACKWARD_TESTS,
            says=backward_says("mean over the batch")),
    Mistake("dWx transposed (dz.T @ x)", "lstm_step_backward", backward(dWx="dz.T @ x"), ALL_BACKWARD_TESTS,
            says="expected shape"),
    Mistake("db summed over the wrong axis", "lstm_step_backward", backward(db="dz.sum(axis=1)"), ALL_BACKWARD_TESTS,
            says="expected shape"),
    Mistake("dh_prev through Wh instead of its transpose", "lstm_step_backward", backward(dh_prev="dz @ Wh"),
            ALL_BACKWARD_TESTS, says="Check that every matrix product"),
]

RIGHT_VARIANTS = [
    # Submission 0: a forward that caches the pre-activations in a dict, with a backward that reads it;
    # np.split, [x, h] @ [Wx; Wh] in one product, in-place updates of its own arrays.
    RightVariant("one product with [x, h_prev], gates from np.split, sigmoid via tanh", "gru_step_forward",
                 """def gru_step_forward(x, h_prev, Wx, Wh, b):
    H = Wh.shape[0]
    sigmoid = lambda a: 0.5 * (1 + np.tanh(a / 2))
    xh = np.concatenate([x, h_prev], axis=1)
    gates = xh @ np.concatenate([Wx[:, :2 * H], Wh[:, :2 * H]], axis=0) + b[0, :2 * H] + b[1, :2 * H]
    u, r = np.split(sigmoid(gates), 2, axis=1)
    inner = h_prev @ Wh[:, 2 * H:]
    inner += b[1, 2 * H:]
    inner *= r
    candidate = np.tanh(x @ Wx[:, 2 * H:] + b[0, 2 * H:] + inner)
    return candidate + u * (h_prev - candidate), {"u": u, "r": r}
"""),
    RightVariant("a dict cache with the pre-activations", "lstm_step_forward", """def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    z = np.concatenate([x, h_prev], axis=1) @ np.concatenate([Wx, Wh], axis=0) + b
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=1)
    i, f, o = [1 / (1 + np.exp(-a)) for a in (z_i, z_f, z_o)]
    g = np.tanh(z_c)
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next, {"xh": np.concatenate([x, h_prev], axis=1), "c_prev": c_prev, "W": np.concatenate([Wx, Wh]),
                            "gates": (i, f, g, o), "c_next": c_next, "D": x.shape[1]}
"""),
    RightVariant("reads the dict cache, one product for dWx and dWh, updates its own arrays in place",
                 "lstm_step_backward", """def lstm_step_backward(dh_next, dc_next, cache):
    i, f, g, o = cache["gates"]
    D = cache["D"]
    tanh_c = np.tanh(cache["c_next"])
    dc = dh_next * o
    dc *= 1 - tanh_c * tanh_c
    dc += dc_next
    d_gates = [dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f), dc * i * (1 - g * g),
               dh_next * tanh_c * o * (1 - o)]
    dz = np.hstack(d_gates)
    dW = cache["xh"].T @ dz
    dxh = dz @ cache["W"].T
    return dxh[:, :D], dxh[:, D:], dc * f, dW[:D], dW[D:], np.sum(dz, axis=0)
"""),
    # Submission 1: the reference forward's cache, read with the gates' derivatives taken from the gates,
    # and the gradients of the blocks written into one array.
    RightVariant("gates copied, then changed in place", "gru_step_forward", """def gru_step_forward(x, h_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    Wx_u, Wx_r, Wx_c = np.split(Wx, 3, axis=1)
    Wh_u, Wh_r, Wh_c = np.split(Wh, 3, axis=1)
    b_u, b_r, b_c = np.split(b, 3, axis=1)
    u = x @ Wx_u + h_prev @ Wh_u + b_u.sum(axis=0)
    np.negative(u, out=u)
    np.exp(u, out=u)
    u = 1 / (1 + u)
    r = 1 / (1 + np.exp(-(x @ Wx_r + h_prev @ Wh_r + b_r[0] + b_r[1])))
    candidate = np.tanh(x @ Wx_c + b_c[0] + r * (h_prev @ Wh_c + b_c[1]))
    h_next = h_prev.copy()
    h_next *= u
    h_next += (1 - u) * candidate
    return h_next, (x, h_prev, u, r, candidate)
"""),
    RightVariant("gradients of the four blocks written into one array", "lstm_step_backward",
                 """def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next = cache
    N, H = dh_next.shape
    dz = np.empty((N, 4 * H))
    tanh_c = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1 - tanh_c ** 2)
    dz[:, :H] = dc * g * i * (1 - i)
    dz[:, H:2 * H] = dc * c_prev * f * (1 - f)
    dz[:, 2 * H:3 * H] = dc * i * (1 - g ** 2)
    dz[:, 3 * H:] = dh_next * tanh_c * o * (1 - o)
    dWx = np.einsum("nd,nk->dk", x, dz)
    dWh = np.einsum("nh,nk->hk", h_prev, dz)
    return dz @ Wx.T, dz @ Wh.T, f * dc, dWx, dWh, dz.sum(0)
"""),
]
