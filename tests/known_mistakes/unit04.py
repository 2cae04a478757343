"""Known-wrong implementations of unit 04's graded functions (the gym-workout example)."""
import numpy as np

from known_mistakes.mistake import Mistake, RightVariant

ONE_HOT = "def one_hot(indices, num_classes):\n    indices = np.asarray(indices)\n    {body}\n"

PAIRS = """def make_training_pairs(workouts, window):
    workouts = np.asarray(workouts)
    days = [t for t in range({start}, len(workouts)) if {keep}]
    windows = np.array([{window_days} for t in days], dtype=int).reshape(len(days), -1)
    return {X}, np.array([workouts[{target}] for t in days], dtype=int)
"""
RIGHT_PAIRS = dict(start="window", keep="workouts[t] != MISSED", window_days="workouts[t - window:t]",
                   X="one_hot(windows, NUM_TOKENS)", target="t")


def pairs(**changes):
    return PAIRS.format(**{**RIGHT_PAIRS, **changes})


# The hand calculation of Exercise 3, and the numbers that known mistakes give.
X0 = np.array([0.0, 1.0, 0.0, 0.0])
WXH = np.array([[1.0, -0.5], [0.5, 1.0], [-1.0, 0.5], [0.0, 0.0]])
BH = np.array([0.25, -0.5])
WHY = np.array([[-1.0, 0.5, 1.0, -0.5], [0.5, -1.0, 1.0, -0.5]])
BY = np.array([0.25, 0.0, 0.0, -0.5])
RIGHT_H0 = np.tanh(X0 @ WXH + BH)
RIGHT_Y0 = RIGHT_H0 @ WHY + BY


def by_hand(h_0, y_0=None):
    """A hand answer: h_0, and y_0 computed from it unless given (the y_0 test gives follow-through credit)."""
    h_0 = np.round(h_0, 3)
    y_0 = np.round(h_0 @ WHY + BY if y_0 is None else y_0, 3)
    return (f"def h0_y0_by_hand():\n    h_0 = np.array({h_0.tolist()})\n"
            f"    y_0 = np.array({y_0.tolist()})\n    return h_0, y_0\n")


FIRST = """def first_step(x0, Wxh, Whh, bh, Why, by):
    h_0 = {h}
    y_0 = {y}
    return h_0, y_0
"""
RIGHT_FIRST = dict(h="np.tanh(x0 @ Wxh + bh)", y="h_0 @ Why + by")


def first(**changes):
    return FIRST.format(**{**RIGHT_FIRST, **changes})


MODEL = """def build_workout_rnn(window, num_classes):
    model = keras.Sequential([
        {layers}
    ])
    {compile}
    return model
"""
COMPILE = "model.compile(optimizer={optimizer}, loss={loss}, metrics=[\"accuracy\"])"
ADAM = "keras.optimizers.Adam(learning_rate=0.01)"
SPARSE = '"sparse_categorical_crossentropy"'
INPUT = "keras.Input(shape=(window, num_classes))"
RNN = "keras.layers.SimpleRNN(32)"
SOFTMAX_OUT = 'keras.layers.Dense(num_classes, activation="softmax")'


def model(*layers, optimizer=ADAM, loss=SPARSE, compiled=True):
    compile_line = COMPILE.format(optimizer=optimizer, loss=loss) if compiled else "pass"
    return MODEL.format(layers=",\n        ".join((INPUT,) + layers), compile=compile_line)


ONE_HOT_SHAPE = ("test_one_hot_shape_and_type",)
ONE_HOT_VALUES = ("test_one_hot_values",)
PAIRS_SHAPES = ("test_training_pairs_shapes",)
PAIRS_VALUES = ("test_training_pairs_values",)
H0 = ("test_h0_by_hand",)
Y0 = ("test_y0_by_hand",)
FIRST_STEP = ("test_first_step",)
RNN_OUTPUTS = ("test_workout_rnn_outputs",)
RNN_STORY = ("test_workout_rnn_after_missed_days",)

MISTAKES = [
    # one_hot
    Mistake("integers instead of floats", "one_hot", ONE_HOT.format(body="return np.eye(num_classes, dtype=int)[indices]"),
            ONE_HOT_SHAPE),
    Mistake("booleans instead of floats", "one_hot",
            ONE_HOT.format(body="return indices[..., None] == np.arange(num_classes)"), ONE_HOT_SHAPE),
    Mistake("indices flattened", "one_hot", ONE_HOT.format(body="return np.eye(num_classes)[indices.ravel()]"),
            ONE_HOT_SHAPE + ONE_HOT_VALUES),
    Mistake("off by one: index k sets entry k - 1", "one_hot",
            ONE_HOT.format(body="return np.eye(num_classes)[indices - 1]"), ONE_HOT_VALUES),
    Mistake("num_classes ignored: the largest index present plus one", "one_hot",
            ONE_HOT.format(body="return np.eye(int(indices.max()) + 1)[indices]"), ONE_HOT_SHAPE),
    Mistake("classes on the first axis", "one_hot",
            ONE_HOT.format(body="return np.moveaxis(np.eye(num_classes)[indices], -1, 0)"), ONE_HOT_SHAPE + ONE_HOT_VALUES),
    # make_training_pairs
    Mistake("the window includes day t: the answer is in the input", "make_training_pairs",
            pairs(window_days="workouts[t - window + 1:t + 1]"), PAIRS_VALUES),
    Mistake("window in reverse time order", "make_training_pairs",
            pairs(window_days="workouts[t - window:t][::-1]"), PAIRS_VALUES),
    Mistake("target is yesterday, the last day of the window", "make_training_pairs", pairs(target="t - 1"),
            PAIRS_VALUES),
    Mistake("missed days kept as targets", "make_training_pairs", pairs(keep="True"), PAIRS_SHAPES + PAIRS_VALUES),
    Mistake("off by one: windows of window + 1 days", "make_training_pairs",
            pairs(start="window + 1", window_days="workouts[t - window - 1:t]"), PAIRS_SHAPES + PAIRS_VALUES),
    Mistake("off by one: windows of window - 1 days", "make_training_pairs",
            pairs(window_days="workouts[t - window + 1:t]"), PAIRS_SHAPES + PAIRS_VALUES),
    Mistake("starts a day late, at t = window + 1", "make_training_pairs", pairs(start="window + 1"),
            PAIRS_SHAPES + PAIRS_VALUES),
    Mistake("tokens instead of one-hot inputs", "make_training_pairs", pairs(X="windows.astype(float)"),
            PAIRS_SHAPES + PAIRS_VALUES),
    # Issue 14: window and number of classes were both 7 in the visible tests, so this swap passed them.
    Mistake("window used as the number of classes", "make_training_pairs", pairs(X="one_hot(windows, window)"),
            PAIRS_SHAPES + PAIRS_VALUES, says=(("test_training_pairs_shapes", "expected shape"),)),
    # Exercise 5's test trains on these pairs: it must say that Exercise 2 is the cause, not blame the model.
    Mistake("target is yesterday, seen by the model test", "make_training_pairs", pairs(target="t - 1"),
            PAIRS_VALUES + RNN_STORY, says=(("test_workout_rnn_after_missed_days", "fix Exercise 2 first"),)),
    # h0_y0_by_hand
    Mistake("bias b_h forgotten", "h0_y0_by_hand", by_hand(np.tanh(X0 @ WXH)), H0),
    Mistake("tanh forgotten", "h0_y0_by_hand", by_hand(X0 @ WXH + BH), H0),
    Mistake("wrong row of W_xh: counted tokens from 1", "h0_y0_by_hand", by_hand(np.tanh(WXH[2] + BH)), H0),
    Mistake("h_{-1} taken as ones", "h0_y0_by_hand",
            by_hand(np.tanh(X0 @ WXH + np.ones(2) @ np.array([[0.5, 0.0], [0.0, 0.5]]) + BH)), H0),
    Mistake("rounded to one decimal", "h0_y0_by_hand", by_hand(np.round(RIGHT_H0, 1), np.round(RIGHT_Y0, 1)), H0 + Y0),
    Mistake("bias b_y forgotten", "h0_y0_by_hand", by_hand(RIGHT_H0, RIGHT_H0 @ WHY), Y0),
    Mistake("softmax applied to y_0", "h0_y0_by_hand",
            by_hand(RIGHT_H0, np.exp(RIGHT_Y0) / np.exp(RIGHT_Y0).sum()), Y0),
    # first_step
    Mistake("bias bh missing", "first_step", first(h="np.tanh(x0 @ Wxh)"), FIRST_STEP),
    Mistake("tanh missing", "first_step", first(h="x0 @ Wxh + bh"), FIRST_STEP),
    Mistake("h_{-1} taken as ones", "first_step",
            first(h="np.tanh(x0 @ Wxh + np.ones((x0.shape[0], Whh.shape[0])) @ Whh + bh)"), FIRST_STEP),
    Mistake("Whh used in place of Wxh", "first_step", first(h="np.tanh(x0 @ Whh + bh)"), FIRST_STEP),
    Mistake("output bias by missing", "first_step", first(y="h_0 @ Why"), FIRST_STEP),
    Mistake("h_{-1} of size D instead of H", "first_step",
            first(h="np.tanh(x0 @ Wxh + np.zeros(x0.shape) @ Whh + bh)"), FIRST_STEP, says="It was called with"),
    Mistake("softmax applied to the scores", "first_step",
            first(y="np.exp(h_0 @ Why + by) / np.exp(h_0 @ Why + by).sum(axis=-1, keepdims=True)"), FIRST_STEP),
    Mistake("tanh applied to the scores", "first_step", first(y="np.tanh(h_0 @ Why + by)"), FIRST_STEP),
    # build_workout_rnn
    Mistake("sees only the last day of the window (yesterday)", "build_workout_rnn",
            model("keras.layers.Lambda(lambda x: x[:, -1])", 'keras.layers.Dense(32, activation="relu")', SOFTMAX_OUT),
            RNN_STORY),
    Mistake("a SimpleRNN over the last day only", "build_workout_rnn",
            model("keras.layers.Lambda(lambda x: x[:, -1:])", RNN, SOFTMAX_OUT), RNN_STORY),
    Mistake("default learning rate 0.001: learns only yesterday's rule in 20 epochs", "build_workout_rnn",
            model(RNN, SOFTMAX_OUT, optimizer='"adam"'), RNN_STORY),
    Mistake("no softmax: scores, not probabilities", "build_workout_rnn",
            model(RNN, "keras.layers.Dense(num_classes)"), RNN_OUTPUTS),
    Mistake("six outputs: the missed class left out", "build_workout_rnn",
            model(RNN, 'keras.layers.Dense(num_classes - 1, activation="softmax")'), RNN_OUTPUTS),
    Mistake("one output per day: return_sequences=True", "build_workout_rnn",
            model("keras.layers.SimpleRNN(32, return_sequences=True)", SOFTMAX_OUT), RNN_OUTPUTS),
    Mistake("not compiled", "build_workout_rnn", model(RNN, SOFTMAX_OUT, compiled=False), RNN_OUTPUTS + RNN_STORY),
    Mistake("categorical cross-entropy with integer targets", "build_workout_rnn",
            model(RNN, SOFTMAX_OUT, loss='"categorical_crossentropy"'), RNN_STORY,
            says="the error comes from the loss or a metric"),
    # Issue 14: with a window of 7 and 7 classes, this swap passed every visible test.
    Mistake("window and num_classes swapped in the input shape", "build_workout_rnn",
            MODEL.format(layers=",\n        ".join(("keras.Input(shape=(num_classes, window))", RNN, SOFTMAX_OUT)),
                         compile=COMPILE.format(optimizer=ADAM, loss=SPARSE)),
            RNN_OUTPUTS, says="cannot read windows of shape"),
]


# Correct code written unlike the reference: every one must earn full marks.
RIGHT_VARIANTS = [
    RightVariant("one_hot: ones put into zeros in place", "one_hot", """def one_hot(indices, num_classes):
    indices = np.asarray(indices)
    result = np.zeros(indices.shape + (num_classes,))
    np.put_along_axis(result, indices[..., None], 1.0, axis=-1)
    return result
"""),
    RightVariant("one_hot: rows of the identity", "one_hot", """def one_hot(indices, num_classes):
    return np.eye(num_classes)[np.asarray(indices)]
"""),
    RightVariant("make_training_pairs: sliding windows, then a mask", "make_training_pairs",
                 """def make_training_pairs(workouts, window):
    workouts = np.asarray(workouts)
    windows = np.lib.stride_tricks.sliding_window_view(workouts[:-1], window)
    targets = workouts[window:]
    keep = targets != MISSED
    return one_hot(windows[keep], NUM_TOKENS), targets[keep].astype(np.int64)
"""),
    RightVariant("first_step: in place on its own arrays, no W_hh term", "first_step",
                 """def first_step(x0, Wxh, Whh, bh, Why, by):
    h_0 = x0 @ Wxh
    h_0 += bh
    np.tanh(h_0, out=h_0)
    y_0 = np.dot(h_0, Why)
    y_0 += by
    return h_0, y_0
"""),
    RightVariant("build_workout_rnn: the functional API", "build_workout_rnn", """def build_workout_rnn(window, num_classes):
    days = keras.Input(shape=(window, num_classes))
    state = keras.layers.SimpleRNN(32)(days)
    model = keras.Model(days, keras.layers.Dense(num_classes, activation="softmax")(state))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""),
]
