"""Known-wrong implementations of unit 03's graded functions (backpropagation through time)."""
from known_mistakes.mistake import Mistake, RightVariant

NUMERICAL = """def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in {indices}:
        old = x[i]
        {body}
    return grad
"""
CENTRED = "x[i] = old + eps; up = f(x); x[i] = old - eps; down = f(x); x[i] = old; grad[i] = (up - down) / (2 * eps)"

STEP = """def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    dz = {dz}
    return {dx}, {dh_prev}, {dWx}, {dWh}, {db}
"""
RIGHT_STEP = dict(dz="dh_next * (1 - h_next ** 2)", dx="dz @ Wx.T", dh_prev="dz @ Wh.T", dWx="x.T @ dz",
                  dWh="h_prev.T @ dz", db="dz.sum(axis=0)")


def step(**changes):
    return STEP.format(**{**RIGHT_STEP, **changes})


BACKWARD = """def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in {order}:
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward({upstream}, cache[t])
        {accumulate}
    return dx, {dh0}, dWx, dWh, db
"""
SUM = "dWx += dWx_t; dWh += dWh_t; db += db_t"
RIGHT_BACKWARD = dict(order="reversed(range(T))", upstream="dh[:, t] + dh_prev", accumulate=SUM, dh0="dh_prev")


def backward(**changes):
    return BACKWARD.format(**{**RIGHT_BACKWARD, **changes})


CROSS_ENTROPY = """def softmax_cross_entropy(scores, y):
    N, T, V = scores.shape
    {log_probs}
    n, t = np.indices((N, T))
    loss = -log_probs[n, t, y].sum() / ({loss_divisor})
    dscores = np.exp(log_probs)
    {minus_one}
    dscores /= {grad_divisor}
    return float(loss), dscores
"""
STABLE = ("shifted = scores - scores.max(axis=-1, keepdims=True); "
          "log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))")
RIGHT_CROSS_ENTROPY = dict(log_probs=STABLE, loss_divisor="N * T", minus_one="dscores[n, t, y] -= 1",
                           grad_divisor="N * T")


def cross_entropy(**changes):
    return CROSS_ENTROPY.format(**{**RIGHT_CROSS_ENTROPY, **changes})


TRUNCATED = """def truncated_bptt_gradients(x, h0, Wx, Wh, b, dh, chunk):
    T = x.shape[1]
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    h_start, dh0 = h0, None
    for start in {starts}:
        stop = min(start + chunk, T)
        h, cache = rnn_forward(x[:, start:stop], h_start, Wx, Wh, b)
        dx[:, start:stop], dh_start, dWx_c, dWh_c, db_c = rnn_backward(dh[:, start:stop], cache)
        {accumulate}
        {keep_dh0}
        h_start = {carry}
    return dx, dh0, dWx, dWh, db
"""
RIGHT_TRUNCATED = dict(starts="range(0, T, chunk)", accumulate="dWx += dWx_c; dWh += dWh_c; db += db_c",
                       keep_dh0="dh0 = dh_start if start == 0 else dh0", carry="h[:, -1]")


def truncated(**changes):
    return TRUNCATED.format(**{**RIGHT_TRUNCATED, **changes})


MODEL = """def model_loss_and_gradients(params, x, y, h0):
    h, cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    scores = h @ params["Wy"] + params["by"]
    loss, dscores = softmax_cross_entropy(scores, y)
    H, V = params["Wy"].shape
    grads = {{"Wy": {dWy}, "by": {dby}}}
    dh = {dh}
    _, _, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache)
    return loss, grads, {h_last}
"""
RIGHT_MODEL = dict(dWy="h.reshape(-1, H).T @ dscores.reshape(-1, V)", dby="dscores.sum(axis=(0, 1))",
                   dh='dscores @ params["Wy"].T', h_last="h[:, -1]")


def model(**changes):
    return MODEL.format(**{**RIGHT_MODEL, **changes})


NUMERICAL_TESTS = ("test_numerical_gradient_values",)
STEP_TESTS = ("test_rnn_step_backward_values",)
BACKWARD_TESTS = ("test_rnn_backward_values",)
TRUNCATED_TESTS = ("test_truncated_bptt_values",)
MODEL_TESTS = ("test_model_loss_and_gradients",)

MISTAKES = [
    # numerical_gradient
    Mistake("one-sided (forward) differences", "numerical_gradient",
            NUMERICAL.format(indices="np.ndindex(x.shape)",
                             body="base = f(x); x[i] = old + eps; up = f(x); x[i] = old; grad[i] = (up - base) / eps"),
            NUMERICAL_TESTS),
    Mistake("divides by eps instead of 2 eps", "numerical_gradient",
            NUMERICAL.format(indices="np.ndindex(x.shape)", body=CENTRED.replace("(2 * eps)", "eps")), NUMERICAL_TESTS),
    Mistake("x not restored", "numerical_gradient",
            NUMERICAL.format(indices="np.ndindex(x.shape)",
                             body="x[i] = old + eps; up = f(x); x[i] = old - eps; down = f(x); grad[i] = (up - down) / (2 * eps)"),
            ("test_numerical_gradient_restores_x",), says="changed its argument x in place"),
    Mistake("perturbs whole rows x[i] instead of single entries", "numerical_gradient",
            NUMERICAL.format(indices="range(x.shape[0])", body=CENTRED), NUMERICAL_TESTS),
    # Issue 14: it read "expected 2.73352, got 2.73352"; the test now tries another eps and names the mistake.
    Mistake("eps argument ignored", "numerical_gradient",
            NUMERICAL.format(indices="np.ndindex(x.shape)", body=CENTRED.replace("eps", "1e-5")), NUMERICAL_TESTS,
            says="not for the eps = 0.01 passed to numerical_gradient"),
    # rnn_step_backward
    Mistake("tanh derivative (1 - h^2) missing", "rnn_step_backward", step(dz="dh_next"), STEP_TESTS,
            says="the tanh derivative is missing"),
    # Issue 14: an unpacking error was told to "check which matrix needs a transpose".
    Mistake("cache unpacked into four names", "rnn_step_backward",
            step().replace("x, h_prev, Wx, Wh, h_next = cache", "x, h_prev, Wx, Wh = cache; h_next = np.tanh(x @ Wx + h_prev @ Wh)"),
            ("test_rnn_step_backward_shapes",) + STEP_TESTS, says="A step's cache holds 5 arrays"),
    Mistake("tanh derivative taken at h_prev", "rnn_step_backward", step(dz="dh_next * (1 - h_prev ** 2)"), STEP_TESTS),
    Mistake("Wh not transposed in dh_prev", "rnn_step_backward", step(dh_prev="dz @ Wh"), STEP_TESTS),
    Mistake("dWh transposed", "rnn_step_backward", step(dWh="dz.T @ h_prev"), STEP_TESTS),
    Mistake("Wx not transposed in dx", "rnn_step_backward", step(dx="dz @ Wx"),
            ("test_rnn_step_backward_shapes",) + STEP_TESTS),
    Mistake("db not summed over the batch", "rnn_step_backward", step(db="dz"),
            ("test_rnn_step_backward_shapes",) + STEP_TESTS),
    Mistake("db averaged over the batch", "rnn_step_backward", step(db="dz.mean(axis=0)"), STEP_TESTS),
    # rnn_backward
    Mistake("weight gradients not summed over time (overwritten)", "rnn_backward",
            backward(accumulate="dWx, dWh, db = dWx_t, dWh_t, db_t"), BACKWARD_TESTS),
    Mistake("upstream gradient of h_t not added (only dh[:, T-1] enters)", "rnn_backward",
            backward(upstream="(dh[:, t] if t == T - 1 else 0) + dh_prev"), BACKWARD_TESTS),
    Mistake("gradient from step t+1 dropped", "rnn_backward", backward(upstream="dh[:, t]"), BACKWARD_TESTS),
    Mistake("steps visited forward in time", "rnn_backward", backward(order="range(T)"), BACKWARD_TESTS),
    Mistake("dh0 not returned (zeros)", "rnn_backward", backward(dh0="np.zeros((N, H))"), BACKWARD_TESTS),
    Mistake("dx of the last step only", "rnn_backward",
            backward().replace("return dx,", "return dx[:, -1],"), ("test_rnn_backward_shapes",) + BACKWARD_TESTS),
    # softmax_cross_entropy
    Mistake("loss averaged over N only", "softmax_cross_entropy", cross_entropy(loss_divisor="N", grad_divisor="N"),
            ("test_softmax_cross_entropy_loss", "test_softmax_cross_entropy_gradient")),
    Mistake("loss summed, not averaged", "softmax_cross_entropy", cross_entropy(loss_divisor="1", grad_divisor="1"),
            ("test_softmax_cross_entropy_loss", "test_softmax_cross_entropy_gradient")),
    Mistake("1 not subtracted at the true class", "softmax_cross_entropy", cross_entropy(minus_one="pass"),
            ("test_softmax_cross_entropy_gradient",)),
    Mistake("dscores not divided by N*T", "softmax_cross_entropy", cross_entropy(grad_divisor="1"),
            ("test_softmax_cross_entropy_gradient",)),
    Mistake("softmax over the time axis", "softmax_cross_entropy",
            cross_entropy(log_probs=STABLE.replace("axis=-1", "axis=1")),
            ("test_softmax_cross_entropy_loss", "test_softmax_cross_entropy_gradient")),
    Mistake("not stable: no maximum subtracted", "softmax_cross_entropy",
            cross_entropy(log_probs="log_probs = np.log(np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True))"),
            ("test_softmax_cross_entropy_stable",), says="log(0) is -inf"),
    # Issue 14: the rule "do not take the log of 0" is graded by a score of -800 that nothing overflows on.
    Mistake("log of an underflowing softmax", "softmax_cross_entropy",
            cross_entropy(log_probs="e = np.exp(scores - scores.max(axis=-1, keepdims=True)); "
                                    "log_probs = np.log(e / e.sum(axis=-1, keepdims=True))"),
            ("test_softmax_cross_entropy_stable",), says=(("test_softmax_cross_entropy_stable",
                                                           "probability about e^-800: 1 entries are NaN or infinite"),)),
    # truncated_bptt_gradients
    Mistake("gradient not cut (full BPTT)", "truncated_bptt_gradients",
            "def truncated_bptt_gradients(x, h0, Wx, Wh, b, dh, chunk):\n"
            "    return rnn_backward(dh, rnn_forward(x, h0, Wx, Wh, b)[1])\n",
            ("test_truncated_bptt_cuts_the_gradient",) + TRUNCATED_TESTS),
    Mistake("state not carried: every chunk starts from h0", "truncated_bptt_gradients", truncated(carry="h0"),
            ("test_truncated_bptt_cuts_the_gradient",) + TRUNCATED_TESTS),
    Mistake("state not carried: every chunk starts from zeros", "truncated_bptt_gradients",
            truncated(carry="np.zeros_like(h0)"), ("test_truncated_bptt_cuts_the_gradient",) + TRUNCATED_TESTS),
    Mistake("weight gradients of the last chunk only", "truncated_bptt_gradients",
            truncated(accumulate="dWx, dWh, db = dWx_c, dWh_c, db_c"), TRUNCATED_TESTS),
    Mistake("last, shorter chunk skipped", "truncated_bptt_gradients", truncated(starts="range(0, T - chunk + 1, chunk)"),
            ("test_truncated_bptt_equals_full_bptt",) + TRUNCATED_TESTS),
    Mistake("dh0 taken from the last chunk", "truncated_bptt_gradients", truncated(keep_dh0="dh0 = dh_start"),
            ("test_truncated_bptt_cuts_the_gradient",) + TRUNCATED_TESTS),
    # model_loss_and_gradients
    Mistake("only the last step's dh reaches rnn_backward", "model_loss_and_gradients",
            model(dh='np.concatenate([np.zeros_like(h[:, :-1]), dscores[:, -1:] @ params["Wy"].T], axis=1)'), MODEL_TESTS),
    Mistake("output gradients from the last step only", "model_loss_and_gradients",
            model(dWy="h[:, -1].T @ dscores[:, -1]", dby="dscores[:, -1].sum(axis=0)"), MODEL_TESTS),
    Mistake("dby summed over the batch only", "model_loss_and_gradients", model(dby="dscores.sum(axis=0)"), MODEL_TESTS),
    Mistake("h_last is h0", "model_loss_and_gradients", model(h_last="h0"), MODEL_TESTS),
    Mistake("h_last is the first state", "model_loss_and_gradients", model(h_last="h[:, 0]"), MODEL_TESTS),
    Mistake("Wy not transposed in dh", "model_loss_and_gradients", model(dh='dscores @ params["Wy"]'),
            MODEL_TESTS + ("test_training_loss_falls",)),
]


# Correct code written unlike the reference: every one must earn full marks (issue 14: a step that multiplied
# its own dh_next in place lost 3 points; x restored by += eps, -= 2 eps, += eps was failed for changing x).
RIGHT_VARIANTS = [
    RightVariant("x perturbed and restored by += eps, -= 2 eps, += eps (one-ulp differences)", "numerical_gradient",
                 """def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(*x.shape):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        down = f(x)
        x[i] += eps
        grad[i] = (up - down) / (2 * eps)
    return grad
"""),
    RightVariant("perturbed copies of x, x never touched", "numerical_gradient",
                 """def numerical_gradient(f, x, eps=1e-5):
    grad = np.empty(x.shape)
    for i in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad
"""),
    RightVariant("dh_next multiplied in place", "rnn_step_backward", """def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    dh_next *= 1 - h_next ** 2
    return dh_next @ Wx.T, dh_next @ Wh.T, x.T @ dh_next, h_prev.T @ dh_next, np.sum(dh_next, axis=0)
"""),
    RightVariant("h_next of the cache squared in place", "rnn_step_backward", """def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    np.square(h_next, out=h_next)
    dz = dh_next * (1 - h_next)
    return np.dot(dz, Wx.T), np.dot(dz, Wh.T), np.dot(x.T, dz), np.dot(h_prev.T, dz), dz.sum(0)
"""),
    RightVariant("dh[:, t] added to in place", "rnn_backward", """def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]))
    dWx, dWh, db = 0, 0, 0
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            dh[:, t] += dh_prev
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_prev, dWx, dWh, db
"""),
    RightVariant("steps collected in lists, then summed", "rnn_backward", """def rnn_backward(dh, cache):
    T = dh.shape[1]
    carried = np.zeros_like(dh[:, 0])
    per_step = [None] * T
    for t in reversed(range(T)):
        per_step[t] = rnn_step_backward(dh[:, t] + carried, cache[t])
        carried = per_step[t][1]
    dx = np.stack([g[0] for g in per_step], axis=1)
    return (dx, carried, sum(g[2] for g in per_step), sum(g[3] for g in per_step), sum(g[4] for g in per_step))
"""),
    RightVariant("scores shifted in place, log-sum-exp", "softmax_cross_entropy", """def softmax_cross_entropy(scores, y):
    N, T, V = scores.shape
    scores -= scores.max(axis=-1, keepdims=True)
    scores -= np.log(np.exp(scores).sum(axis=-1, keepdims=True))
    loss = -np.take_along_axis(scores, y[..., None], axis=-1).sum() / (N * T)
    np.exp(scores, out=scores)
    np.put_along_axis(scores, y[..., None], np.take_along_axis(scores, y[..., None], axis=-1) - 1, axis=-1)
    scores /= N * T
    return loss, scores
"""),
    RightVariant("one-hot targets, flattened positions", "softmax_cross_entropy", """def softmax_cross_entropy(scores, y):
    flat = scores.reshape(-1, scores.shape[-1])
    targets = np.eye(scores.shape[-1])[y.reshape(-1)]
    top = flat.max(axis=1, keepdims=True)
    log_p = flat - top - np.log(np.sum(np.exp(flat - top), axis=1, keepdims=True))
    loss = -np.mean(np.sum(targets * log_p, axis=1))
    dscores = (np.exp(log_p) - targets) / len(flat)
    return loss, dscores.reshape(scores.shape)
"""),
    RightVariant("while loop over chunk starts, dh zeroed in place", "truncated_bptt_gradients",
                 """def truncated_bptt_gradients(x, h0, Wx, Wh, b, dh, chunk):
    N, T, D = x.shape
    dx, grads, start, h_start = np.zeros((N, T, D)), [0, 0, 0], 0, h0
    while start < T:
        h, cache = rnn_forward(x[:, start:start + chunk], h_start, Wx, Wh, b)
        dx_c, dh_start, *weights = rnn_backward(dh[:, start:start + chunk], cache)
        dh[:, start:start + chunk] = 0
        dx[:, start:start + chunk] = dx_c
        grads = [g + w for g, w in zip(grads, weights)]
        if start == 0:
            dh0 = dh_start
        h_start, start = h[:, -1], start + chunk
    return (dx, dh0, *grads)
"""),
    RightVariant("einsum for the output layer, params untouched", "model_loss_and_gradients",
                 """def model_loss_and_gradients(params, x, y, h0):
    h, cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    loss, dscores = softmax_cross_entropy(np.einsum("nth,hv->ntv", h, params["Wy"]) + params["by"], y)
    grads = {"Wy": np.einsum("nth,ntv->hv", h, dscores), "by": np.einsum("ntv->v", dscores)}
    _, _, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(np.einsum("ntv,hv->nth", dscores, params["Wy"]), cache)
    return loss, grads, h[:, -1]
"""),
]
