"""Data, baselines' helpers and plots for unit 09, the capstone on real data (introduced in unit 09).

- **The series**: monthly mean CO2 at Mauna Loa, in parts per million (ppm), March 1958 to December 2001,
  from the weekly flask measurements (C. D. Keeling and T. P. Whorf, Scripps Institution of Oceanography) that
  ship inside statsmodels' wheel (`statsmodels.datasets.co2`, public domain). Nothing is downloaded: the
  package reads the file it installed. One row of the weekly table is one week's mean; `load_co2_monthly`
  averages them by calendar month (the 5 months without any measurement are filled in linearly).
- **The set-up** the assignment uses, chosen by measurement (the lecture says how): forecasts of the monthly
  changes, windows of `WINDOW` past changes, `HORIZON` months ahead, the last `N_TEST` changes kept for the test
  and the `N_VALIDATION` before them for validation.
- **`LinearAR`**: the linear autoregressive baseline, fitted by least squares on the same windows as the
  recurrent model and called like a Keras model, so that the same forecasting loop runs both.
- **Plots** of the series and its splits, and of the error per horizon.

Nothing here computes a graded exercise: windows, scaling, the recursive loop, the naive baselines, the errors
and the figure of the forecasts are the student's.
"""
import numpy as np

import rnncourse  # noqa: F401  (sets TensorFlow's logging environment before anything imports it)

# isort: split
import matplotlib.pyplot as plt

SEASON = 12
"""Months in the seasonal cycle of CO2 (plants take it up in the northern summer)."""
WINDOW = 24
"""Past monthly changes a model reads: two seasonal cycles."""
HORIZON = 12
"""Months ahead the forecasts go: one year."""
N_TEST = 96
"""Monthly changes kept for the test part: the last eight years (1994-2001)."""
N_VALIDATION = 60
"""Monthly changes before the test part kept for validation: five years (1989-1993)."""

SOURCE = ("Monthly mean CO2 at Mauna Loa (ppm), from the weekly flask samples of C. D. Keeling and T. P. Whorf "
          "(Scripps), as shipped in statsmodels.datasets.co2 (public domain)")


def load_co2_monthly():
    """The monthly mean CO2 at Mauna Loa in ppm, a pandas Series indexed by the first day of each month.

    statsmodels' weekly table (2284 weeks from March 1958, 59 of them without a measurement) averaged by calendar
    month: 526 months from March 1958 to December 2001; the 5 months without any measured week are filled in by
    linear interpolation in time. Read from the file inside statsmodels' installed package: no network.
    """
    import statsmodels.datasets.co2 as co2  # only unit 09 needs it; importing it takes a second

    weekly = co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate("time").rename("co2 (ppm)")


def decimal_years(index):
    """A DatetimeIndex as years with a fraction (March 1958 is 1958.167): plain numbers for plots and tests."""
    return np.asarray(index.year + (index.month - 1) / 12, dtype=float)


class LinearAR:
    """The linear autoregressive baseline: next value = past window @ coefficients + intercept.

    Fitted by ordinary least squares (`np.linalg.lstsq`) on the windows the recurrent model trains on, and called
    like a Keras model, `ar(x, training=False)` with x `(N, window, 1)` returning `(N, 1)`, so that the same
    recursive forecasting loop runs it. (statsmodels' `AutoReg` fits the same model, but on one series, not on
    the windows we give it; the lecture compares the two.)
    """

    def __init__(self, past, next_value):
        """past `(N, window)` or `(N, window, 1)`, next_value `(N,)` or `(N, 1)`: the training windows."""
        past = np.asarray(past, dtype=float).reshape(len(past), -1)
        design = np.column_stack([past, np.ones(len(past))])
        solution, *_ = np.linalg.lstsq(design, np.asarray(next_value, dtype=float).reshape(-1), rcond=None)
        self.coefficients, self.intercept = solution[:-1], float(solution[-1])
        self.window = past.shape[1]

    def __call__(self, x, training=False):
        x = np.asarray(x, dtype=float)
        if x.ndim != 3 or x.shape[1:] != (self.window, 1):
            raise ValueError(f"the linear AR model reads windows of shape (N, {self.window}, 1), got {x.shape}")
        return (x[:, :, 0] @ self.coefficients + self.intercept)[:, None]


def plot_splits(series, n_validation=N_VALIDATION, n_test=N_TEST, ax=None):
    """The series in ppm against the year, its training, validation and test parts in three colours."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    years, values = decimal_years(series.index), series.to_numpy()
    n = len(values)
    bounds = [0, n - n_validation - n_test, n - n_test, n]
    for (start, stop), name in zip(zip(bounds[:-1], bounds[1:]), ("training", "validation", "test")):
        ax.plot(years[start:stop], values[start:stop], label=f"{name} ({stop - start} months)")
    ax.set_title("Monthly mean CO2 at Mauna Loa, split by time")
    ax.set_xlabel("year")
    ax.set_ylabel("CO2 (ppm)")
    ax.legend()
    return ax


def plot_errors(table, ax=None, title="Mean absolute error on the test part, per horizon"):
    """`table` maps a forecaster's name to its MAE per horizon `(H,)` in ppm; one line each."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    for name, errors in table.items():
        errors = np.asarray(errors, dtype=float)
        ax.plot(np.arange(1, len(errors) + 1), errors, marker="o", label=name)
    ax.set_title(title)
    ax.set_xlabel("months ahead (horizon)")
    ax.set_ylabel("mean absolute error (ppm)")
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax
