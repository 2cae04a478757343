"""Known-wrong implementations of unit 06's graded functions (gradient problems)."""
from known_mistakes.mistake import Mistake

JACOBIAN = """def jacobian_norms(h, Wh):
    T, H = h.shape
    norms = np.empty(T)
    product = np.eye(H)
    norms[T - 1] = 1.0
    for t in range(T - 1, 0, -1):
        jacobian = {jacobian}
        product = {product}
        norms[t - 1] = {norm}
    return norms
"""
RIGHT_JACOBIAN = dict(jacobian="(1 - h[t] ** 2)[:, None] * Wh.T", product="product @ jacobian",
                      norm="np.linalg.norm(product, 2)")


def jacobian(**changes):
    return JACOBIAN.format(**{**RIGHT_JACOBIAN, **changes})


CLIP_VALUE = "def clip_by_value(grads, max_value):\n    {body}\n"
GLOBAL = """def clip_by_global_norm(grads, max_norm):
    global_norm = {norm}
    scale = {scale}
    {clip}
"""
RIGHT_GLOBAL = dict(norm="float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))",
                    scale="max_norm / max(global_norm, max_norm)",
                    clip="return [g * scale for g in grads], global_norm")


def global_norm(**changes):
    return GLOBAL.format(**{**RIGHT_GLOBAL, **changes})


LSTM = """def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    z = x @ Wx + h_prev @ Wh + b
    sigmoid = lambda a: 1 / (1 + np.exp(-a))
    {names} = np.split(z, 4, axis=1)
    i, f, g, o = {gates}
    c_next = {c_next}
    h_next = {h_next}
    return h_next, c_next, (x, h_prev, c_prev, i, f, g, o, c_next)
"""
RIGHT_LSTM = dict(names="z_i, z_f, z_c, z_o", gates="sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)",
                  c_next="f * c_prev + i * g", h_next="o * np.tanh(c_next)")


def lstm(**changes):
    return LSTM.format(**{**RIGHT_LSTM, **changes})


JACOBIAN_TESTS = ("test_jacobian_norms_autodiff",)
VALUE_TESTS = ("test_clip_by_value_values",)
GLOBAL_TESTS = ("test_clip_by_global_norm_matches_tf", "test_clip_by_global_norm_properties")
LSTM_TESTS = ("test_lstm_step_forward_values", "test_lstm_reproduces_keras_layer")

MISTAKES = [
    # jacobian_norms
    Mistake("Frobenius norm instead of the spectral norm", "jacobian_norms", jacobian(norm="np.linalg.norm(product)"),
            ("test_jacobian_norms_linear",) + JACOBIAN_TESTS),
    Mistake("tanh derivative missing (Jacobians of a linear RNN)", "jacobian_norms", jacobian(jacobian="Wh.T"),
            JACOBIAN_TESTS),
    Mistake("tanh derivative taken at h_{t-1}", "jacobian_norms",
            jacobian(jacobian="(1 - h[t - 1] ** 2)[:, None] * Wh.T"), JACOBIAN_TESTS),
    Mistake("product in the wrong order (new Jacobian on the left)", "jacobian_norms",
            jacobian(product="jacobian @ product"), JACOBIAN_TESTS),
    Mistake("product of the norms instead of the norm of the product", "jacobian_norms",
            jacobian(norm="norms[t] * np.linalg.norm(jacobian, 2)"), JACOBIAN_TESTS),
    # clip_by_value
    Mistake("clips in place (the caller's grads change)", "clip_by_value",
            CLIP_VALUE.format(body="return [np.clip(g, -max_value, max_value, out=g) for g in grads]"),
            ("test_clip_by_value_leaves_grads_unchanged",)),
    Mistake("only the upper bound", "clip_by_value",
            CLIP_VALUE.format(body="return [np.minimum(g, max_value) for g in grads]"), VALUE_TESTS),
    Mistake("np.clip on the whole list of arrays", "clip_by_value",
            CLIP_VALUE.format(body="return np.clip(grads, -max_value, max_value)"), VALUE_TESTS),
    # clip_by_global_norm
    Mistake("each array clipped by its own norm", "clip_by_global_norm",
            global_norm(clip="return [g * max_norm / max(np.linalg.norm(g), max_norm) for g in grads], global_norm"),
            GLOBAL_TESTS),
    Mistake("rescaled even below the threshold (small gradients scaled up)", "clip_by_global_norm",
            global_norm(scale="max_norm / global_norm"), GLOBAL_TESTS),
    Mistake("scales the caller's arrays in place", "clip_by_global_norm",
            global_norm(clip="for g in grads:\n        g *= scale\n    return grads, global_norm"),
            ("test_clip_by_global_norm_properties",)),
    Mistake("returns the norm after clipping", "clip_by_global_norm",
            global_norm(clip="return [g * scale for g in grads], global_norm * scale"),
            ("test_clip_by_global_norm_matches_tf",)),
    Mistake("square root forgotten", "clip_by_global_norm",
            global_norm(norm="float(sum(np.sum(g ** 2) for g in grads))"), GLOBAL_TESTS),
    # lstm_step_forward
    Mistake("gates in the order i, f, o, c", "lstm_step_forward", lstm(names="z_i, z_f, z_o, z_c"),
            LSTM_TESTS + ("test_lstm_solves_adding_problem",)),
    Mistake("tanh for every gate", "lstm_step_forward",
            lstm(gates="np.tanh(z_i), np.tanh(z_f), np.tanh(z_c), np.tanh(z_o)"),
            LSTM_TESTS + ("test_lstm_solves_adding_problem",)),
    Mistake("tanh missing in h_next = o * tanh(c_next)", "lstm_step_forward", lstm(h_next="o * c_next"),
            LSTM_TESTS + ("test_lstm_solves_adding_problem",)),
    Mistake("forget gate applied to the candidate, input gate to the old cell", "lstm_step_forward",
            lstm(c_next="i * c_prev + f * g"), LSTM_TESTS + ("test_lstm_solves_adding_problem",)),
    Mistake("1 added to the forget gate at every step (unit_forget_bias misread)", "lstm_step_forward",
            lstm(gates="sigmoid(z_i), sigmoid(z_f + 1), np.tanh(z_c), sigmoid(z_o)"), LSTM_TESTS),
]
