# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Unit 09 assignment: forecasting a real series, evaluated honestly
#
# Every earlier assignment ran on data the course made up.
# This one forecasts a real series: the monthly mean CO2 at Mauna Loa, in parts per million (ppm), from March 1958 to December 2001 (C. D. Keeling and T. P. Whorf, Scripps; public domain).
# It ships inside statsmodels' package (`statsmodels.datasets.co2`), so nothing is downloaded; one row is one month's mean of the weekly measurements.
#
# You forecast the monthly **changes** of CO2 (the lecture shows why: the level keeps rising beyond anything the training part saw, the changes do not), 12 months ahead, from windows of the 24 changes before, and you compare a recurrent model with the forecasts any forecaster must beat.
#
# **Learning goals.** After it you can
# - split a series by time and cut it into (past, future) windows that never let the future leak into the past;
# - scale with parameters fitted on the training part only, and undo the scaling;
# - build a recurrent forecaster in Keras and run it recursively, feeding its own forecasts back, in its own scale;
# - compute the last-value and seasonal-naive baselines and the mean absolute error per horizon, and draw the forecasts against the truth in a figure that reads without the text;
# - say honestly which model won on the test part and why.
#
# **How it is graded.** Each exercise says its points.
# The locked cells under each exercise run visible tests; when you submit, the same cells also run hidden tests on fresh series and sizes, so make your code work for any sizes, not only the ones shown.
# One test trains your model of Exercise 3 (about 10 seconds).
# One question is answered in words and graded by a person.
# Keep the function names and signatures as they are.
#
# Run the next cell first.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import rnncourse  # keeps TensorFlow's log lines out of your test cells; import it first
import numpy as np
import keras
import matplotlib.pyplot as plt
from numpy.lib.stride_tricks import sliding_window_view
from rnncourse import checks, forecasting

np.set_printoptions(precision=4, suppress=True)
series = forecasting.load_co2_monthly()        # pandas Series: 526 months, ppm
levels = series.to_numpy()                     # (526,) ppm
years = forecasting.decimal_years(series.index)  # (526,) March 1958 is 1958.167
changes = np.diff(levels)                      # (525,) ppm per month: changes[t] = levels[t + 1] - levels[t]
WINDOW, HORIZON, SEASON = forecasting.WINDOW, forecasting.HORIZON, forecasting.SEASON  # 24, 12, 12
N_VALIDATION, N_TEST = forecasting.N_VALIDATION, forecasting.N_TEST                       # 60, 96
print(f"{len(levels)} months from {series.index[0]:%B %Y} to {series.index[-1]:%B %Y}; "
      f"CO2 from {levels.min():.1f} to {levels.max():.1f} ppm")


def trend_series(rng, n):
    """A made-up monthly series for the tests: a rising trend, a 12-month cycle and noise."""
    t = np.arange(n)
    return 300 + 0.1 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=0.5, size=n)


# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 1: split by time, then window (3 points)
#
# A forecaster is judged on the future, so the test part must come **after** everything it learned from: split the series into three consecutive parts, in time order, with no shuffling.
#
# Write `split_by_time(series, n_validation, n_test)`: `series` has shape `(T,)`; return `(train, validation, test)`, the first `T - n_validation - n_test` values, the next `n_validation`, and the last `n_test`, each in time order.
#
# A model then learns from windows: the $L$ values before a time $t$ (the past) and the $F$ values from $t$ on (the future it must forecast).
# Write `make_windows(series, window, horizon)`: for a series $s_0, \dots, s_{T-1}$ of shape `(T,)`, return `(past, future)` with
# - `past` of shape `(N, window)`, row $i$ the values $s_i, \dots, s_{i+L-1}$;
# - `future` of shape `(N, horizon)`, row $i$ the values $s_{i+L}, \dots, s_{i+L+F-1}$, the $F$ values right after that past, none of them in it;
# - one row for every start $i = 0, 1, \dots$ whose future fits in the series: $N = T - L - F + 1$.
#
# *Checked by:* (1 point) the three parts of `split_by_time` are the series' values in time order; (1 point) the shapes of `past` and `future` for several windows and horizons; (1 point) their values, exactly (they are copies of the series' values).

# %% nbgrader={"grade": false, "grade_id": "split_and_windows", "locked": false, "schema_version": 3, "solution": true, "task": false}
def split_by_time(series, n_validation, n_test):
    """(train, validation, test): consecutive parts of series (T,) in time order, the last n_test values the test."""
    ### BEGIN SOLUTION
    n_train = len(series) - n_validation - n_test
    return series[:n_train], series[n_train:n_train + n_validation], series[n_train + n_validation:]
    ### END SOLUTION


def make_windows(series, window, horizon):
    """(past (N, window), future (N, horizon)): every window of the series and the horizon values right after it."""
    ### BEGIN SOLUTION
    n = len(series) - window - horizon + 1
    past = np.array([series[i:i + window] for i in range(n)])
    future = np.array([series[i + window:i + window + horizon] for i in range(n)])
    return past, future
    ### END SOLUTION


# %% [markdown]
# Try it on the months 0 to 9, windows of 4 months and 2 months ahead.

# %%
past_try, future_try = make_windows(np.arange(10.0), 4, 2)
print(past_try)
print(future_try)
print([part.shape for part in split_by_time(changes, N_VALIDATION, N_TEST)])


# %% nbgrader={"grade": false, "grade_id": "window_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def expected_windows(series, window, horizon):
    """NumPy's sliding windows of window + horizon values, cut into past and future."""
    both = sliding_window_view(series, window + horizon)
    return both[:, :window], both[:, window:]


def check_windows(series, window, horizon, values=True):
    """Fail unless make_windows(series, window, horizon) returns the right shapes (and values)."""
    result = checks.check_returns("make_windows(series, window, horizon)",
                                  checks.call(make_windows, series, window, horizon), ("past", "future"))
    past_expected, future_expected = expected_windows(series, window, horizon)
    N = len(series) - window - horizon + 1
    where = f"for a series of {len(series)} values, window={window}, horizon={horizon}"
    for name, expected in (("past", past_expected), ("future", future_expected)):
        got = checks.as_numbers(f"{name} {where}", result[name])
        if got.ndim == 2 and got.shape[1] == expected.shape[1] and got.shape[0] != N:
            raise AssertionError(f"{name} {where}: expected {N} rows (one per start i = 0 ... T - L - H), got "
                                 f"{got.shape[0]}: the last window's future must end at the series' last value")
        checks.check_shape(f"{name} {where}", got, expected.shape)
        if values:
            checks.check_close(f"{name} {where}", got, expected, rtol=0, atol=0, likely_mistakes={
                "each past window ends with the first value of its future: the past must stop right before it":
                    sliding_window_view(series, window + horizon)[:, 1:window + 1] if name == "past" else np.nan,
                "each future starts one step too early, at the last value of its past (a horizon off by one)":
                    sliding_window_view(series, window + horizon)[:, window - 1:window + horizon - 1]
                    if name == "future" else np.nan,
            })


# %% nbgrader={"grade": true, "grade_id": "test_split_by_time", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""split_by_time returns three consecutive parts of the series, in time order, the test part last."""
def check_split(series, n_validation, n_test):
    parts = checks.check_returns("split_by_time(series, n_validation, n_test)",
                                 checks.call(split_by_time, series, n_validation, n_test),
                                 ("train", "validation", "test"))
    n_train = len(series) - n_validation - n_test
    bounds = {"train": (0, n_train), "validation": (n_train, n_train + n_validation), "test": (n_train + n_validation, len(series))}
    for name, (start, stop) in bounds.items():
        got = checks.as_numbers(name, parts[name])
        checks.check_shape(f"the {name} part of a series of {len(series)} values", got, (stop - start,))
        parts[name] = got
    together = np.concatenate([parts["train"], parts["validation"], parts["test"]])
    if np.array_equal(np.sort(together), np.sort(series)) and not np.array_equal(together, series):
        raise AssertionError("the three parts hold the series' values, but not in time order: keep time order, never "
                             "shuffle a time series (the test part must come after everything the model learns from)")
    for name, (start, stop) in bounds.items():
        got = parts[name]
        if not np.array_equal(got, series[start:stop]):
            raise AssertionError(f"the {name} part must be the values {start} to {stop - 1} of the series, in time order "
                                 f"(no shuffling): expected {series[start:start + 4]} ..., got {got[:4]} ...")

check_split(np.arange(20.0), 5, 3)
check_split(changes, N_VALIDATION, N_TEST)
### BEGIN HIDDEN TESTS
check_split(trend_series(np.random.default_rng(91), 47), 7, 11)
check_split(np.arange(13.0) * 2, 4, 1)
### END HIDDEN TESTS
print("split_by_time keeps time order")

# %% nbgrader={"grade": true, "grade_id": "test_make_windows_shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""make_windows returns past (N, window) and future (N, horizon), N = T - window - horizon + 1."""
rng = np.random.default_rng(1)
for T, window, horizon in [(20, 4, 2), (30, 6, 1), (25, 3, 5)]:
    check_windows(trend_series(rng, T), window, horizon, values=False)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(92)
for T, window, horizon in [(41, 7, 3), (12, 5, 7), (60, 24, 12)]:
    check_windows(trend_series(rng, T), window, horizon, values=False)
### END HIDDEN TESTS
print("past and future have the right shapes")

# %% nbgrader={"grade": true, "grade_id": "test_make_windows_values", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""make_windows: row i of past is s_i ... s_{i+L-1} and row i of future is s_{i+L} ... s_{i+L+H-1}, exactly."""
rng = np.random.default_rng(2)
for T, window, horizon in [(20, 4, 2), (30, 6, 1), (25, 3, 5)]:
    check_windows(trend_series(rng, T), window, horizon)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(93)
for T, window, horizon in [(41, 7, 3), (12, 5, 7), (60, 24, 12)]:
    check_windows(trend_series(rng, T), window, horizon)
### END HIDDEN TESTS
print("past and future hold the right values, and no future value is in its past")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 2: scaling fitted on the training part only (2 points)
#
# A network learns best from inputs of about unit size, so we scale: $z = (x - \mu) / \sigma$.
# The mean $\mu$ and the standard deviation $\sigma$ (NumPy's `np.std`, which divides by the count) must come from the **training part only**: computed on the whole series they would carry information from the validation and test parts into training.
#
# Write `scale_parts(train, validation, test)`: fit $\mu$ and $\sigma$ on `train`, scale all three parts with them, and return `(train_scaled, validation_scaled, test_scaled, params)` with `params = (mu, sigma)`, two floats.
# Write `unscale(z, params)`, which undoes it: $x = z\,\sigma + \mu$, for an array `z` of any shape.
#
# *Checked by:* (1 point) `params` equal the mean and standard deviation of the training part, and the three parts are scaled with them; (1 point) `unscale` inverts the scaling, for arrays of several shapes; both in float64 to a relative error of $10^{-10}$ (and $10^{-12}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "scaling", "locked": false, "schema_version": 3, "solution": true, "task": false}
def scale_parts(train, validation, test):
    """(train_scaled, validation_scaled, test_scaled, (mu, sigma)), mu and sigma fitted on train only."""
    ### BEGIN SOLUTION
    mu, sigma = float(np.mean(train)), float(np.std(train))
    return (train - mu) / sigma, (validation - mu) / sigma, (test - mu) / sigma, (mu, sigma)
    ### END SOLUTION


def unscale(z, params):
    """The values x whose scaled values are z: x = z * sigma + mu."""
    ### BEGIN SOLUTION
    mu, sigma = params
    return np.asarray(z) * sigma + mu
    ### END SOLUTION


# %% [markdown]
# Try it on the monthly changes: the training part's mean change is CO2's yearly rise spread over the months.

# %%
*_, params_try = scale_parts(*split_by_time(changes, N_VALIDATION, N_TEST))
print("mu, sigma:", params_try)
print(unscale(np.array([0.0, 1.0]), params_try))


# %% nbgrader={"grade": true, "grade_id": "test_scale_parts", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""scale_parts fits mu and sigma on the training part only and scales the three parts with them."""
def check_scale_parts(train, validation, test):
    result = checks.check_returns("scale_parts(train, validation, test)", checks.call(scale_parts, train, validation, test),
                                  ("train_scaled", "validation_scaled", "test_scaled", "params"))
    params = checks.as_numbers("params", result["params"])
    checks.check_shape("params = (mu, sigma)", params, (2,))
    mu, sigma = np.mean(train), np.std(train)
    everything = np.concatenate([train, validation, test])
    checks.check_close("params = (mu, sigma)", params, [mu, sigma], rtol=1e-10, atol=1e-12, likely_mistakes={
        "mu and sigma were fitted on the whole series (train, validation and test together): fit them on the "
        "training part only, or information from the future leaks into training": [np.mean(everything), np.std(everything)],
        "sigma was computed with ddof=1 (dividing by n - 1): use np.std's default, which divides by n":
            [mu, np.std(train, ddof=1)],
    })
    for name, part in (("train", train), ("validation", validation), ("test", test)):
        checks.check_close(f"{name}_scaled", result[f"{name}_scaled"], (part - mu) / sigma, rtol=1e-10, atol=1e-12)

rng = np.random.default_rng(3)
check_scale_parts(*split_by_time(trend_series(rng, 40), 8, 6))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(94)
whole = trend_series(rng, 71)
check_scale_parts(whole[:50], whole[50:61], whole[61:])
check_scale_parts(rng.normal(5.0, 2.0, size=9), rng.normal(-3.0, 1.0, size=4), rng.normal(8.0, 0.5, size=3))
### END HIDDEN TESTS
print("scale_parts fits on the training part only")

# %% nbgrader={"grade": true, "grade_id": "test_unscale", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""unscale(z, params) = z * sigma + mu, for arrays of any shape."""
rng = np.random.default_rng(4)
for shape, params in [((5,), (2.0, 3.0)), ((3, 4), (-1.5, 0.25))]:
    z = rng.normal(size=shape)
    checks.check_close(f"unscale(z, {params}) for z of shape {shape}", checks.call(unscale, z, params),
                       z * params[1] + params[0], rtol=1e-10, atol=1e-12,
                       likely_mistakes={"it divides by sigma and subtracts mu (that is scaling, not its inverse)":
                                        (z - params[0]) / params[1]})
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(95)
for shape, params in [((7, 2, 3), (0.3, 4.5)), ((1,), (10.0, 0.1)), ((6, 11), (-2.0, 1.7))]:
    z = rng.normal(size=shape)
    checks.check_close(f"unscale(z, {params}) for z of shape {shape}", checks.call(unscale, z, params),
                       z * params[1] + params[0], rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS
print("unscale undoes the scaling")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 3: a recurrent forecaster (3 points)
#
# Write `build_forecaster(window)` that returns a compiled Keras model which reads a window of scaled changes and forecasts the next one:
# - input `(N, window, 1)` (one feature per step: `keras.Input(shape=(window, 1))`);
# - `keras.layers.GRU(32)`: its last state summarises the window;
# - `keras.layers.Dense(1)`: the next scaled change, output `(N, 1)`;
# - compile with `optimizer=keras.optimizers.Adam(learning_rate=0.005)` and `loss="mse"`.
#
# *Checked by:* (1 point) the output's shape for windows of 24 and 9 steps, and outputs that depend on the window's steps before the last, not only on the last (they change by more than $10^{-6}$ when those steps change).
# (2 points) The test trains your model (seed 0; the hidden test: seed 1) for 30 epochs, batches of 32, on the windows of 24 scaled changes of the training part and the change after each (the test's own windowing and scaling, not yours), then forecasts 12 months ahead from every month of the test part that has 12 months after it (85 origins), recursively with the test's own loop, and turns the changes into CO2 levels.
# Its mean absolute error in ppm, averaged over the 12 horizons, must be at most **0.6 times** that of the seasonal naive forecast (1.75 ppm on this test part), and so below the last value's (2.62 ppm).
# The reference solution's error was between 0.49 and 0.69 ppm with each seed from 0 to 29: at most 0.4 times the seasonal naive's.

# %% nbgrader={"grade": false, "grade_id": "build_forecaster", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_forecaster(window):
    """A compiled Keras model: scaled windows (N, window, 1) -> the next scaled value (N, 1)."""
    ### BEGIN SOLUTION
    model = keras.Sequential([keras.Input(shape=(window, 1)), keras.layers.GRU(32), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse")
    return model
    ### END SOLUTION


# %% [markdown]
# Try it on two windows of zeros: the untrained model's forecasts.

# %%
forecaster_try = build_forecaster(WINDOW)
print(np.asarray(forecaster_try(np.zeros((2, WINDOW, 1)), training=False)))


# %% nbgrader={"grade": false, "grade_id": "forecaster_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def reference_parts(values):
    """The test's own split and scaling of the monthly changes: (train, validation, test) scaled, and (mu, sigma)."""
    n_train = len(values) - N_VALIDATION - N_TEST
    mu, sigma = values[:n_train].mean(), values[:n_train].std()
    scaled = (values - mu) / sigma
    return scaled[:n_train], scaled[n_train:n_train + N_VALIDATION], scaled[n_train + N_VALIDATION:], (mu, sigma)


def model_outputs(model, x):
    """The model's outputs as a NumPy array; a call that fails becomes a failed check that says so."""
    try:
        return np.asarray(model(x, training=False), dtype=float)
    except (ValueError, TypeError) as error:
        raise AssertionError(f"calling the model on windows of shape {np.shape(x)} failed with {type(error).__name__}: "
                             f"{str(error).strip().splitlines()[0][:300]}") from None


def test_origins():
    """Indices j of `changes` from which the test part is forecast: every month of it with HORIZON changes after."""
    start = len(changes) - N_TEST
    return np.arange(start, len(changes) - HORIZON + 1)


def level_errors(forecast_changes, origins):
    """Mean absolute error in ppm per horizon of forecast changes (len(origins), HORIZON), as CO2 levels."""
    last = levels[origins]                     # the last level known at each origin (changes[j] leads to levels[j + 1])
    truth = levels[origins[:, None] + 1 + np.arange(HORIZON)]
    return np.abs(last[:, None] + np.cumsum(forecast_changes, axis=1) - truth).mean(axis=0)


def reference_recursion(model, scaled_past, params):
    """The test's own recursive loop: (N, HORIZON) forecast changes in ppm per month."""
    window, out = np.array(scaled_past, dtype=float), []
    for _ in range(HORIZON):
        step = model_outputs(model, window[:, :, None])[:, 0]
        out.append(step)
        window = np.concatenate([window[:, 1:], step[:, None]], axis=1)
    return np.stack(out, axis=1) * params[1] + params[0]


def baseline_errors(origins):
    """Mean absolute errors in ppm per horizon of the last value and the seasonal naive forecast, as levels."""
    truth = levels[origins[:, None] + 1 + np.arange(HORIZON)]
    last_value = np.repeat(levels[origins][:, None], HORIZON, axis=1)
    seasonal = levels[origins[:, None] + 1 - SEASON + np.arange(HORIZON) % SEASON]
    return np.abs(last_value - truth).mean(axis=0), np.abs(seasonal - truth).mean(axis=0)


# %% nbgrader={"grade": true, "grade_id": "test_forecaster_outputs", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""build_forecaster(window): (N, window, 1) in, (N, 1) out, and the output depends on the whole window."""
def check_forecaster(window, N):
    keras.utils.set_random_seed(window)
    model = checks.call(build_forecaster, window)
    checks.check_type(f"build_forecaster({window})", model, keras.Model)
    x = np.random.default_rng(window).normal(size=(N, window, 1))
    out = model_outputs(model, x)
    checks.check_shape(f"the outputs of build_forecaster({window}) for windows of shape {x.shape}", out, (N, 1))
    changed = x.copy()
    changed[:, :-1] = -changed[:, :-1]  # every step but the last
    if np.allclose(model_outputs(model, changed), out, atol=1e-6):
        raise AssertionError("the outputs did not change when every step of each window but the last changed: the model "
                             "must read the whole window (a recurrent layer over all its steps)")

check_forecaster(WINDOW, 5)
check_forecaster(9, 3)
### BEGIN HIDDEN TESTS
check_forecaster(13, 7)
### END HIDDEN TESTS
print("the forecaster has the right shapes and reads the whole window")

# %% nbgrader={"grade": true, "grade_id": "test_forecaster_learns", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Trained for 30 epochs on the training windows, the forecaster's recursive 12-month forecasts of the test part have a mean absolute error at most 0.6 times the seasonal naive forecast's."""
MARGIN = 0.6  # the reference reaches 0.28 to 0.39 times the seasonal naive's error with seeds 0 to 29
train_z, _, test_z, reference_params = reference_parts(changes)
train_past, train_next = sliding_window_view(train_z, WINDOW + 1)[:, :WINDOW], sliding_window_view(train_z, WINDOW + 1)[:, WINDOW:]
origins = test_origins()
scaled = (changes - reference_params[0]) / reference_params[1]
origin_windows = np.stack([scaled[j - WINDOW:j] for j in origins])
naive_mae, seasonal_mae = baseline_errors(origins)

def check_learns(seed):
    model = checks.call(build_forecaster, WINDOW)
    checks.check_type(f"build_forecaster({WINDOW})", model, keras.Model)
    if not getattr(model, "compiled", True):
        raise AssertionError("build_forecaster must return a compiled model: call model.compile(...) first")
    keras.utils.set_random_seed(seed)  # the same initial weights and batches in every run
    model = checks.call(build_forecaster, WINDOW)
    model.fit(train_past[:, :, None], train_next, epochs=30, batch_size=32, verbose=0)
    errors = level_errors(reference_recursion(model, origin_windows, reference_params), origins)
    print(f"seed {seed}: mean absolute error over 12 months ahead {errors.mean():.3f} ppm; seasonal naive "
          f"{seasonal_mae.mean():.3f} ppm, last value {naive_mae.mean():.3f} ppm")
    if not errors.mean() <= MARGIN * seasonal_mae.mean():
        raise AssertionError(f"the trained forecaster's mean absolute error is {errors.mean():.3f} ppm; it must be at most "
                             f"{MARGIN} times the seasonal naive forecast's {seasonal_mae.mean():.3f} ppm, that is "
                             f"{MARGIN * seasonal_mae.mean():.3f} ppm. Check the layers, their sizes and the compile step "
                             f"against the prompt")

check_learns(seed=0)
### BEGIN HIDDEN TESTS
check_learns(seed=1)
### END HIDDEN TESTS
print("the recurrent forecaster beats the naive forecasts by the margin")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 4: recursive multi-step forecasting (3 points)
#
# The model forecasts one step.
# To go `steps` months ahead, feed each forecast back: append it to the window, drop the window's oldest value, forecast again.
# The window the model reads is in **its** scale, so the forecast goes back into it scaled, as the model gave it; only the returned forecasts are unscaled.
#
# Write `recursive_forecast(model, past, steps, params)`:
# - `past` has shape `(N, window)`: the last `window` values before each forecast, **not scaled**;
# - `params = (mu, sigma)` of Exercise 2: scale `past` with them first;
# - call the model as `model(x, training=False)` with `x` of shape `(N, window, 1)`; it returns `(N, 1)`, the next scaled value (turn it into a NumPy array with `np.asarray`);
# - return the `steps` forecasts, **unscaled**, shape `(N, steps)`: column $k$ is the forecast $k + 1$ steps after the last value of `past`.
#
# You may use `unscale` from Exercise 2 (or write its formula again).
#
# *Checked by:* (1 point) the shape `(N, steps)` for several `steps`; (2 points) the values, with stand-in models whose forecast is a known linear function of the window, to a relative error of $10^{-6}$ (and $10^{-8}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "recursive_forecast", "locked": false, "schema_version": 3, "solution": true, "task": false}
def recursive_forecast(model, past, steps, params):
    """(N, steps) unscaled forecasts, each fed back (scaled) into the window the model reads next."""
    ### BEGIN SOLUTION
    mu, sigma = params
    window = (np.asarray(past, dtype=float) - mu) / sigma
    forecasts = []
    for _ in range(steps):
        next_scaled = np.asarray(model(window[:, :, None], training=False))[:, 0]
        forecasts.append(next_scaled)
        window = np.concatenate([window[:, 1:], next_scaled[:, None]], axis=1)
    return np.stack(forecasts, axis=1) * sigma + mu
    ### END SOLUTION


# %% [markdown]
# Try it with the linear autoregressive baseline (`forecasting.LinearAR`, called like a Keras model) fitted on the scaled training windows: 12 months of changes after the training part.

# %%
train_try, _, _, params_try = scale_parts(*split_by_time(changes, N_VALIDATION, N_TEST))
ar_try = forecasting.LinearAR(*make_windows(train_try, WINDOW, 1))
print(recursive_forecast(ar_try, changes[None, len(train_try) - WINDOW:len(train_try)], 12, params_try).round(2))
print(changes[len(train_try):len(train_try) + 12].round(2))


# %% nbgrader={"grade": false, "grade_id": "recursive_helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
class StandIn:
    """A stand-in model: the next scaled value is window @ weights + bias; it checks the shape of what it reads."""

    def __init__(self, weights, bias):
        self.weights, self.bias = np.asarray(weights, dtype=float), float(bias)
        self.wrong_shapes = []  # shapes of inputs it refused, for the test's message

    def __call__(self, x, training=False):
        x = np.asarray(x, dtype=float)
        window = len(self.weights)
        if x.ndim != 3 or x.shape[1:] != (window, 1):
            self.wrong_shapes.append(x.shape)
            raise ValueError(f"the model reads windows of shape (N, {window}, 1); it was given an array of shape "
                             f"{x.shape}")
        return (x[:, :, 0] @ self.weights + self.bias)[:, None]


def expected_recursion(weights, bias, past, steps, params, feed_back_scaled=True):
    """The forecasts of the StandIn, computed here; feed_back_scaled=False is the mistake of feeding them back unscaled."""
    mu, sigma = params
    window, out = (np.array(past, dtype=float) - mu) / sigma, []
    for _ in range(steps):
        scaled_step = window @ weights + bias
        out.append(scaled_step * sigma + mu)
        fed = scaled_step if feed_back_scaled else scaled_step * sigma + mu
        window = np.concatenate([window[:, 1:], fed[:, None]], axis=1)
    return np.stack(out, axis=1)


def check_recursion(rng, N, window, steps, params, values=True):
    weights, bias = rng.normal(scale=0.4, size=window), rng.normal(scale=0.3)
    past = rng.normal(loc=params[0], scale=params[1], size=(N, window))
    model = StandIn(weights, bias)
    name = f"recursive_forecast(model, past, {steps}, params) for past of shape {past.shape}"
    try:
        got = checks.call(recursive_forecast, model, past, steps, params)
    except ValueError:
        if not model.wrong_shapes:
            raise
        raise AssertionError(f"{name}: the model reads windows of shape {(N, window, 1)}, and it was given an array of "
                             f"shape {model.wrong_shapes[0]}. Give it (N, window, 1), and keep the window's length: drop "
                             f"its oldest value each time you append a forecast") from None
    checks.check_shape(name, got, (N, steps))
    if values:
        expected = expected_recursion(weights, bias, past, steps, params)
        scaled = (expected - params[0]) / params[1]
        checks.check_close(name, got, expected, rtol=1e-6, atol=1e-8, likely_mistakes={
            "the forecasts were fed back into the window unscaled: the model reads scaled values, so feed back "
            "what it returned": expected_recursion(weights, bias, past, steps, params, feed_back_scaled=False),
            "the forecasts are returned scaled: unscale them before returning": scaled,
        })

# %% nbgrader={"grade": true, "grade_id": "test_recursive_shape", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""recursive_forecast returns (N, steps) forecasts."""
rng = np.random.default_rng(5)
for N, window, steps in [(3, 4, 2), (2, 6, 5), (4, 3, 1)]:
    check_recursion(rng, N, window, steps, (1.5, 2.0), values=False)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(96)
for N, window, steps in [(5, 7, 9), (1, 2, 3)]:
    check_recursion(rng, N, window, steps, (-0.5, 0.7), values=False)
### END HIDDEN TESTS
print("recursive_forecast returns (N, steps)")

# %% nbgrader={"grade": true, "grade_id": "test_recursive_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""recursive_forecast feeds each scaled forecast back into the window and returns the forecasts unscaled."""
rng = np.random.default_rng(6)
for N, window, steps in [(3, 4, 2), (2, 6, 5), (4, 3, 6)]:
    check_recursion(rng, N, window, steps, (1.5, 2.0))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(97)
for N, window, steps, params in [(5, 7, 9, (-0.5, 0.7)), (1, 2, 3, (3.0, 0.2)), (6, 10, 12, (0.1, 1.3))]:
    check_recursion(rng, N, window, steps, params)
### END HIDDEN TESTS
print("recursive_forecast feeds back scaled forecasts and returns them unscaled")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex5_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 5: the baselines and the error per horizon (3 points)
#
# Every forecaster must beat the forecasts that need no learning.
# From a history of levels $s_0, \dots, s_{L-1}$ (each row of `history`, shape `(N, L)`), forecast the $F$ values $s_L, \dots, s_{L+F-1}$:
# - the **last value**: every forecast is $s_{L-1}$;
# - the **seasonal naive** forecast with a season of $S$ steps: the value one season before, $\hat s_{L+k} = s_{L-S+(k \bmod S)}$ for $k = 0, \dots, F-1$ (for $F \le S$, simply $s_{L-S+k}$: this January is forecast by last January).
#
# Write `last_value_forecast(history, horizon)` and `seasonal_naive_forecast(history, horizon, season)`, each returning `(N, horizon)` (assume $L \ge S$).
# Then write `mae_per_horizon(truth, forecast)`: both of shape `(N, F)`, return the mean absolute error of each horizon over the $N$ forecasts, shape `(F,)`.
#
# *Checked by:* (2 points) both baselines' values for several seasons and horizons, including horizons longer than the season; (1 point) `mae_per_horizon`'s values; all in float64 to a relative error of $10^{-10}$ (and $10^{-12}$ absolute).

# %% nbgrader={"grade": false, "grade_id": "baselines_and_errors", "locked": false, "schema_version": 3, "solution": true, "task": false}
def last_value_forecast(history, horizon):
    """(N, horizon): the last value of each row of history (N, L), repeated."""
    ### BEGIN SOLUTION
    return np.repeat(history[:, -1:], horizon, axis=1)
    ### END SOLUTION


def seasonal_naive_forecast(history, horizon, season):
    """(N, horizon): entry k is history[:, L - season + (k % season)], the value one season before."""
    ### BEGIN SOLUTION
    L = history.shape[1]
    return history[:, L - season + np.arange(horizon) % season]
    ### END SOLUTION


def mae_per_horizon(truth, forecast):
    """(F,): the mean over the N rows of |forecast - truth|, for each of the F horizons."""
    ### BEGIN SOLUTION
    return np.mean(np.abs(forecast - truth), axis=0)
    ### END SOLUTION


# %% [markdown]
# Try it on the levels up to the test part: 12 months ahead from December 1993.

# %%
history_try = levels[None, :len(levels) - N_TEST]
print("last value:    ", last_value_forecast(history_try, 12).round(1))
print("seasonal naive:", seasonal_naive_forecast(history_try, 12, SEASON).round(1))
print("truth:         ", levels[len(levels) - N_TEST:len(levels) - N_TEST + 12].round(1))


# %% nbgrader={"grade": true, "grade_id": "test_naive_baselines", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""last_value_forecast repeats the last value; seasonal_naive_forecast repeats the last season, entry k = y[L - S + k % S]."""
def check_baselines(rng, N, L, horizon, season):
    history = rng.normal(size=(N, L)).cumsum(axis=1)
    where = f"for history of shape {history.shape}, horizon={horizon}"
    checks.check_close(f"last_value_forecast {where}", checks.call(last_value_forecast, history, horizon),
                       np.repeat(history[:, -1:], horizon, axis=1), rtol=1e-10, atol=1e-12)
    k = np.arange(horizon)
    checks.check_close(f"seasonal_naive_forecast {where}, season={season}",
                       checks.call(seasonal_naive_forecast, history, horizon, season),
                       history[:, L - season + k % season], rtol=1e-10, atol=1e-12, likely_mistakes={
                           "each forecast is one step late: entry k must be y[L - S + k], the value exactly one season "
                           "before the month it forecasts": history[:, L - season - 1 + k % season],
                           "each forecast is one step early: entry k must be y[L - S + k], the value exactly one season "
                           "before the month it forecasts": history[:, (L - season + 1 + k % season) % L],
                       })

rng = np.random.default_rng(7)
for N, L, horizon, season in [(3, 12, 4, 6), (2, 10, 7, 4), (4, 24, 12, 12)]:
    check_baselines(rng, N, L, horizon, season)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(98)
for N, L, horizon, season in [(5, 9, 3, 7), (1, 30, 20, 12), (6, 5, 11, 5)]:
    check_baselines(rng, N, L, horizon, season)
### END HIDDEN TESTS
print("both baselines are right")

# %% nbgrader={"grade": true, "grade_id": "test_mae_per_horizon", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""mae_per_horizon(truth, forecast): the mean absolute error of each horizon over the N rows, shape (F,)."""
def check_mae(rng, N, F):
    truth, forecast = rng.normal(size=(N, F)), rng.normal(size=(N, F))
    got = checks.call(mae_per_horizon, truth, forecast)
    name = f"mae_per_horizon(truth, forecast) for shape {(N, F)}"
    errors = forecast - truth
    if checks.as_numbers(name, got).shape == (N,):
        raise AssertionError(f"{name}: expected shape {(F,)}, got {(N,)}: average over the N rows (axis 0), one error "
                             f"per horizon")
    checks.check_close(name, got, np.abs(errors).mean(axis=0), rtol=1e-10, atol=1e-12, likely_mistakes={
        "it is the root mean squared error: take the mean of the absolute errors": np.sqrt((errors ** 2).mean(axis=0)),
        "it is the mean of the signed errors: take their absolute values first": errors.mean(axis=0),
    })

rng = np.random.default_rng(8)
check_mae(rng, 6, 4)
check_mae(rng, 3, 7)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(99)
check_mae(rng, 10, 12)
check_mae(rng, 2, 5)
### END HIDDEN TESTS
print("mae_per_horizon is right")

# %% [markdown] nbgrader={"grade": false, "grade_id": "evaluation_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## The evaluation table
#
# The next cells use your functions only: they train your forecaster and fit the linear autoregressive baseline on the same scaled training windows, forecast the 12 months after every month of the test part that has 12 months after it, turn the forecast changes into CO2 levels, and print the mean absolute error per horizon of every forecaster.
# Training takes about 10 seconds.

# %%
forecaster = None  # the trained model, once Exercises 1 to 3 work
keras.utils.set_random_seed(0)
train, validation, test = split_by_time(changes, N_VALIDATION, N_TEST)
train_z, validation_z, test_z, params = scale_parts(train, validation, test)
past_z, next_z = make_windows(train_z, WINDOW, 1)
# validation windows: the validation part with the WINDOW changes before it, so that every validation month is a target once
validation_past, validation_next = make_windows(np.concatenate([train_z[-WINDOW:], validation_z]), WINDOW, 1)
model = build_forecaster(WINDOW)
history = model.fit(past_z[:, :, None], next_z, epochs=30, batch_size=32, verbose=0,
                    validation_data=(validation_past[:, :, None], validation_next))
forecaster = model
print(f"training loss {history.history['loss'][-1]:.3f}, validation loss {history.history['val_loss'][-1]:.3f} (scaled units)")

# %%
table = forecasts = None  # filled in once Exercises 1 to 5 work
if forecaster is None:
    print("No trained forecaster yet: complete Exercises 1 to 3 and run the cell above.")
else:
    origins = np.arange(len(changes) - N_TEST, len(changes) - HORIZON + 1)   # 85 months of the test part
    past_changes = np.stack([changes[j - WINDOW:j] for j in origins])       # (85, 24) ppm per month
    last_levels = levels[origins]                                           # the last level known at each origin
    truth = np.stack([levels[j + 1:j + 1 + HORIZON] for j in origins])     # (85, 12) ppm
    histories = np.stack([levels[:j + 1][-2 * SEASON:] for j in origins])   # (85, 24) the levels up to each origin
    ar = forecasting.LinearAR(past_z, next_z)                               # least squares on the same windows
    forecasts = {
        "GRU (yours)": last_levels[:, None] + np.cumsum(recursive_forecast(forecaster, past_changes, HORIZON, params), axis=1),
        "linear AR": last_levels[:, None] + np.cumsum(recursive_forecast(ar, past_changes, HORIZON, params), axis=1),
        "last value": last_value_forecast(histories, HORIZON),
        "seasonal naive": seasonal_naive_forecast(histories, HORIZON, SEASON),
    }
    table = {name: mae_per_horizon(truth, forecast) for name, forecast in forecasts.items()}
    print("mean absolute error (ppm) at 1, 2, ..., 12 months ahead, and its mean")
    for name, errors in table.items():
        print(f"{name:>15}: {np.array2string(errors, precision=2)}  mean {errors.mean():.2f}")
    print(f"best on the test part: {min(table, key=lambda name: table[name].mean())}")

# %%
if table is None:
    print("No evaluation table yet: complete Exercises 1 to 5 and run the cells above.")
else:
    forecasting.plot_errors(table)
    plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex6_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 6: a figure of forecasts against the truth (2 points)
#
# A figure must read without the text around it.
# Write `plot_forecasts(years, truth, forecasts)` that draws, on **one** set of axes of a new figure, the true values and each forecast, and returns the figure (`fig, ax = plt.subplots()` ... `return fig`):
# - `years` has shape `(F,)` (decimal years, as the setup's `years`), `truth` shape `(F,)` in ppm, `forecasts` a dict mapping a forecaster's name to its forecast of shape `(F,)`;
# - one line for the truth, labelled `"truth"`, and one line per forecast, labelled with its name (`ax.plot(x, y, label=...)`), all against `years`;
# - a title, an x-axis label that says `year`, a y-axis label that gives the unit `ppm`, and a legend (`ax.legend()`).
#
# *Checked by:* (2 points) the returned figure has one set of axes holding a line whose values are `truth` and one whose values are each forecast, each against `years` (both to $10^{-6}$ absolute), a non-empty title, an x label containing "year", a y label containing "ppm", and a legend whose labels include "truth" and every forecaster's name.

# %% nbgrader={"grade": false, "grade_id": "plot_forecasts", "locked": false, "schema_version": 3, "solution": true, "task": false}
def plot_forecasts(years, truth, forecasts):
    """A new figure with one axes: the truth and each forecast against the year, title, labelled axes, legend."""
    ### BEGIN SOLUTION
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(years, truth, color="black", linewidth=2, label="truth")
    for name, forecast in forecasts.items():
        ax.plot(years, forecast, marker=".", label=name)
    ax.set_title("CO2 at Mauna Loa: 12-month forecasts against the truth")
    ax.set_xlabel("year")
    ax.set_ylabel("CO2 (ppm)")
    ax.legend()
    return fig
    ### END SOLUTION


# %% [markdown]
# Your figure for the first origin of the test part (the 12 months of 1994), drawn from the forecasts of the evaluation table.

# %%
if forecasts is None:
    print("No forecasts yet: complete Exercises 1 to 5 and run the evaluation cells above.")
else:
    plot_forecasts(years[origins[0] + 1:origins[0] + 1 + HORIZON], truth[0],
                   {name: forecast[0] for name, forecast in forecasts.items()})
    plt.show()


# %% nbgrader={"grade": true, "grade_id": "test_forecast_figure", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""plot_forecasts draws the truth and every forecast on one axes, with a title, axis labels with units and a legend."""
def check_figure(years_in, truth_in, forecasts_in):
    fig = checks.call(plot_forecasts, years_in, truth_in, forecasts_in)
    axes = list(fig.get_axes())
    if len(axes) != 1:
        raise AssertionError(f"plot_forecasts must return a figure with one set of axes; it has {len(axes)}")
    ax = axes[0]
    lines = [(np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float))
             for line in ax.get_lines()]
    for name, values in [("truth", truth_in)] + list(forecasts_in.items()):
        drawn = [x for x, y in lines if y.shape == values.shape and np.allclose(y, values, rtol=0, atol=1e-6)]
        if not drawn:
            raise AssertionError(f"no line of the figure has the values of {name!r}: draw one line per forecast and "
                                 f"one for the truth")
        if not any(x.shape == years_in.shape and np.allclose(x, years_in, rtol=0, atol=1e-6) for x in drawn):
            raise AssertionError(f"the line of {name!r} is not drawn against the years: pass `years` as its x values")
    if not str(ax.get_title()).strip():
        raise AssertionError("the axes have no title: say what the figure shows (ax.set_title)")
    if "year" not in str(ax.get_xlabel()).lower():
        raise AssertionError(f"the x label must say 'year'; it is {ax.get_xlabel()!r}")
    if "ppm" not in str(ax.get_ylabel()).lower():
        raise AssertionError(f"the y label must give the unit 'ppm'; it is {ax.get_ylabel()!r}")
    if ax.get_legend() is None:
        raise AssertionError("the axes have no legend: call ax.legend() after plotting lines with labels")
    labels = [str(text.get_text()) for text in ax.get_legend().get_texts()]
    for name in ["truth"] + list(forecasts_in):
        if name not in labels:
            raise AssertionError(f"the legend must name {name!r}; its labels are {labels}")
    plt.close("all")

rng = np.random.default_rng(10)
check_figure(1994 + np.arange(12) / 12, 358 + rng.normal(size=12),
             {"model": 358 + rng.normal(size=12), "seasonal naive": 357 + rng.normal(size=12)})
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(100)
check_figure(2000.5 + np.arange(7) / 12, 370 + rng.normal(size=7),
             {"A": 369 + rng.normal(size=7), "B": 371 + rng.normal(size=7), "last value": np.full(7, 370.0)})
### END HIDDEN TESTS
print("the figure shows the truth and every forecast, and reads without the text")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex7_prompt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Exercise 7: why did it come out this way? (3 points, graded by hand)
#
# Read your evaluation table and the two figures above. Answer in a few sentences each.
#
# 1. Which forecaster won on the test part, and by how much over the others? Say it honestly, even if it is not the recurrent model.
# 2. Why do the last-value and the seasonal-naive forecasts lose, and why does the seasonal naive lose by about the same amount at every horizon?
# 3. Why can a linear autoregressive model do so well on this series, and what would a series need for a recurrent model to beat it?

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer and marking guide (instructors only).*
#
# **1. (1 point.)** With seed 0 the linear AR model has the smallest error (about 0.48 ppm on average over the 12 horizons), the GRU is close behind (0.49 to 0.69 ppm with seeds 0 to 29, 0.60 with seed 0), and both are far better than the seasonal naive forecast (1.75 ppm) and the last value (2.62 ppm). Full point for naming the winner from the student's own table with the numbers; no point for claiming the GRU won when the table says otherwise.
#
# **2. (1 point.)** CO2 has a yearly cycle (about 6 ppm from peak to trough) on top of a steady rise (about 1.75 ppm a year over 1994-2001). The last value ignores both: its error grows with the horizon as the cycle moves away from the last month, up to several ppm. The seasonal naive forecast gets the cycle right but forgets the rise: last year's value is about one year's rise too low whatever the month, so its error is about that rise (1.75 ppm) at every horizon. Full point for the cycle and the trend, each tied to the baseline that misses it.
#
# **3. (1 point.)** The monthly changes are close to a linear function of the last two years of changes: a fixed seasonal pattern plus a mean rise plus noise, which 24 lagged coefficients and an intercept capture exactly; least squares finds the best such coefficients in one step with nothing to tune, while the GRU must find a similar function by gradient descent from 345 windows and adds variance (its result depends on the seed). A recurrent model can win when the dynamics are non-linear (the cycle's shape depends on the state, regimes change, several series interact) and when there is enough data to learn that. Full point for "the series is close to linear" with one concrete reason the AR fits it, and one condition under which an RNN would win.
# ### END SOLUTION
