"""Known-wrong implementations of unit 06's graded functions (gradient problems)."""
from known_mistakes.mistake import Mistake, RightVariant

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
# What check_close prints for every failure: the only true thing to say when no known mistake matches.
WHERE = "largest difference at index"
IN_PLACE = "changed its argument grads in place"

MISTAKES = [
    # jacobian_norms
    Mistake("Frobenius norm instead of the spectral norm", "jacobian_norms", jacobian(norm="np.linalg.norm(product)"),
            ("test_jacobian_norms_linear",) + JACOBIAN_TESTS, says="Frobenius norms"),
    # Issue 14: with Wh = rho * Q and zero states the spectral radius equals the norm; non-normal Wh tell them apart.
    Mistake("spectral radius instead of the spectral norm", "jacobian_norms",
            jacobian(norm="np.max(np.abs(np.linalg.eigvals(product)))"),
            ("test_jacobian_norms_linear",) + JACOBIAN_TESTS, says="spectral radii"),
    Mistake("tanh derivative missing (Jacobians of a linear RNN)", "jacobian_norms", jacobian(jacobian="Wh.T"),
            JACOBIAN_TESTS, says="norms for a linear RNN"),
    Mistake("tanh derivative taken at h_{t-1}", "jacobian_norms",
            jacobian(jacobian="(1 - h[t - 1] ** 2)[:, None] * Wh.T"), JACOBIAN_TESTS, says=WHERE),
    # Issue 14: zero states cannot tell W from W^T, nor the order of the product; tanh states and a non-normal Wh can.
    Mistake("Wh instead of Wh^T in the Jacobian", "jacobian_norms", jacobian(jacobian="(1 - h[t] ** 2)[:, None] * Wh"),
            JACOBIAN_TESTS, says=WHERE),
    Mistake("Wh^T on the left of diag(1 - h_t^2)", "jacobian_norms", jacobian(jacobian="Wh.T * (1 - h[t] ** 2)[None, :]"),
            JACOBIAN_TESTS, says=WHERE),
    Mistake("product in the wrong order (new Jacobian on the left)", "jacobian_norms",
            jacobian(product="jacobian @ product"), JACOBIAN_TESTS, says=WHERE),
    Mistake("product of the norms instead of the norm of the product", "jacobian_norms",
            jacobian(norm="norms[t] * np.linalg.norm(jacobian, 2)"), ("test_jacobian_norms_linear",) + JACOBIAN_TESTS,
            says="product of the norms"),
    Mistake("entries in reverse order", "jacobian_norms",
            jacobian(norm="np.linalg.norm(product, 2)\n    norms = norms[::-1].copy()"),
            ("test_jacobian_norms_linear",) + JACOBIAN_TESTS, says="reverse order"),
    # clip_by_value
    Mistake("clips in place (the caller's grads change)", "clip_by_value",
            CLIP_VALUE.format(body="return [np.clip(g, -max_value, max_value, out=g) for g in grads]"),
            ("test_clip_by_value_leaves_grads_unchanged",), says=IN_PLACE),
    Mistake("only the upper bound", "clip_by_value",
            CLIP_VALUE.format(body="return [np.minimum(g, max_value) for g in grads]"), VALUE_TESTS,
            says="only the upper bound"),
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
            ("test_clip_by_global_norm_leaves_grads_unchanged",), says=IN_PLACE),
    Mistake("returns the norm after clipping", "clip_by_global_norm",
            global_norm(clip="return [g * scale for g in grads], global_norm * scale"),
            ("test_clip_by_global_norm_matches_tf",), says="norm after clipping"),
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

RIGHT_VARIANTS = [
    # jacobian_norms: the transposed product, accumulated on the left (the row form of the chain rule)
    RightVariant("transposed product, np.diag and the largest singular value", "jacobian_norms", """def jacobian_norms(h, Wh):
    T, H = h.shape
    norms = np.ones(T)
    transposed = np.eye(H)                 # (dh_{T-1}/dh_k)^T
    for t in range(T - 1, 0, -1):
        transposed = Wh @ np.diag(1 - h[t] ** 2) @ transposed
        norms[t - 1] = np.linalg.svd(transposed, compute_uv=False)[0]
    return norms
"""),
    RightVariant("each product built from scratch, latest step first", "jacobian_norms", """def jacobian_norms(h, Wh):
    T, H = h.shape
    norms = []
    for k in range(T):
        product = np.eye(H)
        for t in range(T - 1, k, -1):
            product = product @ (np.diag(1 - h[t] ** 2) @ Wh.T)
        norms.append(np.linalg.norm(product, ord=2))
    return np.array(norms)
"""),
    # clip_by_value: copies first, then clipped in place; and min / max
    RightVariant("copies, then clipped in place", "clip_by_value", """def clip_by_value(grads, max_value):
    clipped = [np.array(g, dtype=float) for g in grads]
    for g in clipped:
        np.clip(g, -max_value, max_value, out=g)
    return clipped
"""),
    RightVariant("np.minimum and np.maximum", "clip_by_value", """def clip_by_value(grads, max_value):
    return [np.minimum(np.maximum(g, -max_value), max_value) for g in grads]
"""),
    # clip_by_global_norm: min(1, tau / norm), and copies scaled in place
    RightVariant("factor min(1, tau / norm), guarded against zero", "clip_by_global_norm", """def clip_by_global_norm(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]))
    factor = 1.0 if norm == 0 else min(1.0, max_norm / norm)
    return [factor * g for g in grads], norm
"""),
    RightVariant("copies scaled in place", "clip_by_global_norm", """def clip_by_global_norm(grads, max_norm):
    clipped = [g.copy() for g in grads]
    total = 0.0
    for g in clipped:
        total += np.sum(g * g)
    norm = float(np.sqrt(total))
    if norm > max_norm:
        for g in clipped:
            g *= max_norm / norm
    return clipped, norm
"""),
]
