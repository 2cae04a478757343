"""Known-wrong implementations of unit 09's graded functions (forecasting a real series)."""
from known_mistakes.mistake import Mistake, RightVariant

SPLIT_AND_WINDOWS = """def split_by_time(series, n_validation, n_test):
    {split_prepare}
    n_train = len(series) - n_validation - n_test
    return series[:n_train], series[n_train:n_train + n_validation], series[n_train + n_validation:]


def make_windows(series, window, horizon):
    n = {count}
    past = np.array([series[{past}] for i in range(n)])
    future = np.array([series[{future}] for i in range(n)])
    return past, future
"""
RIGHT_SPLIT_AND_WINDOWS = dict(split_prepare="pass", count="len(series) - window - horizon + 1", past="i:i + window",
                               future="i + window:i + window + horizon")


def split_and_windows(**changes):
    return SPLIT_AND_WINDOWS.format(**{**RIGHT_SPLIT_AND_WINDOWS, **changes})


SCALING = """def scale_parts(train, validation, test):
    {fit}
    return (train - mu) / sigma, (validation - mu) / sigma, (test - mu) / sigma, (mu, sigma)


def unscale(z, params):
    mu, sigma = params
    return {inverse}
"""
RIGHT_SCALING = dict(fit="mu, sigma = float(np.mean(train)), float(np.std(train))",
                     inverse="np.asarray(z) * sigma + mu")


def scaling(**changes):
    return SCALING.format(**{**RIGHT_SCALING, **changes})


FORECASTER = """def build_forecaster(window):
    model = keras.Sequential([keras.Input(shape=(window, 1)), {layers}])
    {compile}
    return model
"""
RIGHT_FORECASTER = dict(layers="keras.layers.GRU(32), keras.layers.Dense(1)",
                        compile='model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse")')


def forecaster(**changes):
    return FORECASTER.format(**{**RIGHT_FORECASTER, **changes})


RECURSIVE = """def recursive_forecast(model, past, steps, params):
    mu, sigma = params
    window = {start}
    forecasts = []
    for _ in range({steps}):
        next_scaled = np.asarray(model(window[:, :, None], training=False))[:, 0]
        forecasts.append(next_scaled)
        window = {slide}
    return {result}
"""
RIGHT_RECURSIVE = dict(start="(np.asarray(past, dtype=float) - mu) / sigma", steps="steps",
                       slide="np.concatenate([window[:, 1:], next_scaled[:, None]], axis=1)",
                       result="np.stack(forecasts, axis=1) * sigma + mu")


def recursive(**changes):
    return RECURSIVE.format(**{**RIGHT_RECURSIVE, **changes})


BASELINES = """def last_value_forecast(history, horizon):
    return np.repeat(history[:, {last}:{last_end}], horizon, axis=1)


def seasonal_naive_forecast(history, horizon, season):
    L = history.shape[1]
    return history[:, {seasonal}]


def mae_per_horizon(truth, forecast):
    return {mae}
"""
RIGHT_BASELINES = dict(last="-1", last_end="", seasonal="L - season + np.arange(horizon) % season",
                       mae="np.mean(np.abs(forecast - truth), axis=0)")


def baselines(**changes):
    return BASELINES.format(**{**RIGHT_BASELINES, **changes})


FIGURE = """def plot_forecasts(years, truth, forecasts):
    fig, {axes} = plt.subplots({grid})
    {truth_line}
    for name, forecast in forecasts.items():
        {forecast_line}
    ax.set_title("CO2 at Mauna Loa: forecasts against the truth")
    ax.set_xlabel("year")
    ax.set_ylabel({ylabel})
    {legend}
    return fig
"""
RIGHT_FIGURE = dict(axes="ax", grid="", truth_line='ax.plot(years, truth, label="truth")',
                    forecast_line="ax.plot(years, forecast, label=name)", ylabel='"CO2 (ppm)"', legend="ax.legend()")


def figure(**changes):
    return FIGURE.format(**{**RIGHT_FIGURE, **changes})


WINDOW_TESTS = ("test_make_windows_shapes", "test_make_windows_values")

MISTAKES = [
    # split_by_time, make_windows
    Mistake("time split after shuffling the series", "split_and_windows",
            split_and_windows(split_prepare="series = np.random.default_rng(0).permutation(series)"),
            ("test_split_by_time",), says="never shuffle a time series"),
    Mistake("each past window includes the value it must forecast", "split_and_windows",
            split_and_windows(past="i + 1:i + window + 1"), ("test_make_windows_values",),
            says="each past window ends with the first value of its future"),
    Mistake("future starts one step early: a horizon off by one", "split_and_windows",
            split_and_windows(future="i + window - 1:i + window + horizon - 1"), ("test_make_windows_values",),
            says="a horizon off by one"),
    Mistake("one window too few: the last start is left out", "split_and_windows",
            split_and_windows(count="len(series) - window - horizon"), WINDOW_TESTS,
            says="the last window's future must end at the series' last value"),
    # scale_parts, unscale
    Mistake("scaler fitted on the whole series", "scaling",
            scaling(fit="everything = np.concatenate([train, validation, test])\n"
                        "    mu, sigma = float(np.mean(everything)), float(np.std(everything))"),
            ("test_scale_parts",), says="fitted on the whole series"),
    Mistake("standard deviation with ddof=1", "scaling",
            scaling(fit="mu, sigma = float(np.mean(train)), float(np.std(train, ddof=1))"),
            ("test_scale_parts",), says="ddof=1"),
    Mistake("unscale scales again instead of inverting", "scaling", scaling(inverse="(np.asarray(z) - mu) / sigma"),
            ("test_unscale",), says="that is scaling, not its inverse"),
    # build_forecaster
    Mistake("a dense layer on the last step only: the window's past is ignored", "build_forecaster",
            forecaster(layers="keras.layers.Lambda(lambda x: x[:, -1]), keras.layers.Dense(1)"),
            ("test_forecaster_outputs",), says="did not change when every step of each window but the last changed"),
    Mistake("model not compiled", "build_forecaster", forecaster(compile="pass"), ("test_forecaster_learns",),
            says="must return a compiled model"),
    Mistake("plain SGD with a tiny learning rate: it has not learned in 30 epochs", "build_forecaster",
            forecaster(compile='model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="mse")'),
            ("test_forecaster_learns",), says="times the seasonal naive forecast's"),
    # recursive_forecast
    Mistake("forecasts fed back into the window unscaled", "recursive_forecast",
            recursive(slide="np.concatenate([window[:, 1:], (next_scaled * sigma + mu)[:, None]], axis=1)"),
            ("test_recursive_values",), says="fed back into the window unscaled"),
    Mistake("forecasts returned in the model's scale", "recursive_forecast",
            recursive(result="np.stack(forecasts, axis=1)"), ("test_recursive_values",), says="returned scaled"),
    Mistake("past not scaled before the model reads it", "recursive_forecast",
            recursive(start="np.asarray(past, dtype=float)"), ("test_recursive_values",),
            says="recursive_forecast(model, past"),
    Mistake("one step too few", "recursive_forecast", recursive(steps="steps - 1"),
            ("test_recursive_shape", "test_recursive_values"), says="expected shape"),
    Mistake("the window grows instead of sliding", "recursive_forecast",
            recursive(slide="np.concatenate([window, next_scaled[:, None]], axis=1)"),
            ("test_recursive_shape", "test_recursive_values"), says="drop its oldest value each time"),
    # last_value_forecast, seasonal_naive_forecast, mae_per_horizon
    Mistake("seasonal naive one step late", "baselines_and_errors",
            baselines(seasonal="L - season - 1 + np.arange(horizon) % season"), ("test_naive_baselines",),
            says="each forecast is one step late"),
    Mistake("seasonal naive does not repeat the season past its length", "baselines_and_errors",
            baselines(seasonal="np.minimum(L - season + np.arange(horizon), L - 1)"), ("test_naive_baselines",),
            says="seasonal_naive_forecast for history"),
    Mistake("last value is the first value of the history", "baselines_and_errors", baselines(last="0", last_end="1"),
            ("test_naive_baselines",), says="last_value_forecast for history"),
    Mistake("error averaged over the horizons instead of over the rows", "baselines_and_errors",
            baselines(mae="np.mean(np.abs(forecast - truth), axis=1)"), ("test_mae_per_horizon",),
            says="average over the N rows"),
    Mistake("root mean squared error instead of the mean absolute error", "baselines_and_errors",
            baselines(mae="np.sqrt(np.mean((forecast - truth) ** 2, axis=0))"), ("test_mae_per_horizon",),
            says="it is the root mean squared error"),
    Mistake("signed errors averaged", "baselines_and_errors", baselines(mae="np.mean(forecast - truth, axis=0)"),
            ("test_mae_per_horizon",), says="take their absolute values first"),
    # plot_forecasts
    Mistake("no legend", "plot_forecasts", figure(legend="pass"), ("test_forecast_figure",), says="no legend"),
    Mistake("y axis without its unit", "plot_forecasts", figure(ylabel='"CO2"'), ("test_forecast_figure",),
            says="the unit 'ppm'"),
    Mistake("truth and forecasts on two separate axes", "plot_forecasts",
            figure(axes="(top, ax)", grid="2", truth_line='top.plot(years, truth, label="truth")'),
            ("test_forecast_figure",), says="one set of axes"),
    Mistake("lines drawn against their index, not the years", "plot_forecasts",
            figure(truth_line='ax.plot(truth, label="truth")', forecast_line="ax.plot(forecast, label=name)"),
            ("test_forecast_figure",), says="not drawn against the years"),
    Mistake("forecast lines without labels", "plot_forecasts", figure(forecast_line="ax.plot(years, forecast)"),
            ("test_forecast_figure",), says="the legend must name"),
]

RIGHT_VARIANTS = [
    RightVariant("np.split and NumPy's sliding windows", "split_and_windows", """def split_by_time(series, n_validation, n_test):
    n_train = len(series) - n_validation - n_test
    train, validation, test = np.split(series, [n_train, n_train + n_validation])
    return train, validation, test


def make_windows(series, window, horizon):
    both = np.lib.stride_tricks.sliding_window_view(series, window + horizon)
    return both[:, :window].copy(), both[:, window:].copy()
"""),
    RightVariant("negative indices from the end, preallocated windows", "split_and_windows", """def split_by_time(series, n_validation, n_test):
    end_train = len(series) - n_test - n_validation
    return series[:end_train], series[end_train:len(series) - n_test], series[len(series) - n_test:]


def make_windows(series, window, horizon):
    series = np.asarray(series, dtype=float)
    n = series.size - (window + horizon) + 1
    past, future = np.empty((n, window)), np.empty((n, horizon))
    for start in range(n):
        past[start] = series[start:start + window]
        future[start] = series[start + window:start + window + horizon]
    return past, future
"""),
    RightVariant("sigma from its formula, parts scaled in a loop", "scaling", """def scale_parts(train, validation, test):
    mu = train.sum() / train.size
    sigma = np.sqrt(((train - mu) ** 2).sum() / train.size)
    scaled = [(part - mu) / sigma for part in (train, validation, test)]
    return scaled[0], scaled[1], scaled[2], [mu, sigma]


def unscale(z, params):
    return np.multiply(z, params[1]) + params[0]
"""),
    RightVariant("functional API", "build_forecaster", """def build_forecaster(window):
    inputs = keras.Input(shape=(window, 1))
    summary = keras.layers.GRU(32)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(summary))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse")
    return model
"""),
    RightVariant("window rolled in place in a preallocated output", "recursive_forecast", """def recursive_forecast(model, past, steps, params):
    mu, sigma = params
    window = (np.array(past, dtype=float) - mu) / sigma
    out = np.zeros((window.shape[0], steps))
    for k in range(steps):
        out[:, k] = np.asarray(model(window[..., np.newaxis], training=False)).reshape(-1)
        window = np.roll(window, -1, axis=1)
        window[:, -1] = out[:, k]
    return out * sigma + mu
"""),
    RightVariant("np.tile of the last season, broadcasting for the last value, sum over rows", "baselines_and_errors",
                 """def last_value_forecast(history, horizon):
    return history[:, -1][:, None] + np.zeros((1, horizon))


def seasonal_naive_forecast(history, horizon, season):
    repeats = -(-horizon // season)
    return np.tile(history[:, -season:], (1, repeats))[:, :horizon]


def mae_per_horizon(truth, forecast):
    return np.abs(truth - forecast).sum(axis=0) / truth.shape[0]
"""),
    RightVariant("pyplot's state-machine calls", "plot_forecasts", """def plot_forecasts(years, truth, forecasts):
    fig = plt.figure()
    plt.plot(years, truth, "k-", label="truth")
    for name in forecasts:
        plt.plot(years, forecasts[name], "--", label=name)
    plt.title("Forecasts of CO2 against what happened")
    plt.xlabel("Year")
    plt.ylabel("CO2 concentration [ppm]")
    plt.legend(loc="upper left")
    return fig
"""),
]
