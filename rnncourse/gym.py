"""A trainer's workout log, and its figures (introduced in unit 04, the gym-workout example).

The trainer follows a fixed cycle of six workouts, one a day:

    shoulders -> biceps -> triceps -> chest -> back -> legs -> shoulders -> ...

Now and then they fall sick and miss one, two or three days in a row. After a missed stretch
the cycle resumes where it stopped: the day after "chest, missed, missed" is "back". The cycle
has six workouts and the week seven days, and the misses come at random, so the weekday says
nothing about the workout: only the last workout done does.

The log has one entry per day:

- `tokens`: the workout done, 0 to 5 (an index into WORKOUTS), or MISSED (6) on a sick day;
- `health`: 0 "well", 1 "tired" (at random, the workout is still done) or 2 "sick" (exactly
  the missed days);
- `dates`, and from them `weekday` (0 is Monday) and `month` (1 to 12).

Guarantees the unit relies on: the first day is a workout, and a missed stretch lasts at most
MAX_MISSED_RUN = 3 days, so any MAX_MISSED_RUN + 1 consecutive days hold at least one workout.
A model that reads the last 4 or more days therefore always sees the last workout done.
"""
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

WORKOUTS = ("shoulders", "biceps", "triceps", "chest", "back", "legs")
"""The trainer's cycle, in order; workout i is followed by workout (i + 1) % 6."""

MISSED = len(WORKOUTS)
"""The token of a missed day: 6, right after the six workouts."""

TOKENS = WORKOUTS + ("missed",)
NUM_TOKENS = len(TOKENS)
"""7: the size of a day's one-hot vector (six workouts and "missed")."""

HEALTH = ("well", "tired", "sick")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

MISS_PROBABILITY = 0.2
"""The chance that a sick stretch starts on the day after a workout."""
MISSED_RUN_PROBABILITIES = (0.5, 0.3, 0.2)
"""The chances that a sick stretch lasts 1, 2 or 3 days."""
MAX_MISSED_RUN = len(MISSED_RUN_PROBABILITIES)
TIRED_PROBABILITY = 0.25
"""The chance that the trainer feels tired on a day they work out (it changes nothing)."""

COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "lightgrey")
"""One colour per token, "missed" in grey."""


@dataclass(frozen=True)
class WorkoutLog:
    """One entry per day: the date, the token (a workout or MISSED) and the health status."""
    dates: np.ndarray   # datetime64[D], consecutive days
    tokens: np.ndarray  # int, 0..5 a workout, 6 missed
    health: np.ndarray  # int, 0 well, 1 tired, 2 sick

    def __len__(self):
        return len(self.tokens)

    def __getitem__(self, days):
        """The log of some days, e.g. `log[:364]` for the first 52 weeks."""
        if not isinstance(days, slice):
            raise TypeError("index a WorkoutLog with a slice of days, e.g. log[:364]")
        return WorkoutLog(self.dates[days], self.tokens[days], self.health[days])

    @property
    def weekday(self):
        """0 for Monday to 6 for Sunday."""
        return ((self.dates - np.datetime64("1970-01-05")).astype(int) % 7).astype(int)

    @property
    def month(self):
        """1 for January to 12 for December."""
        return self.dates.astype("datetime64[M]").astype(int) % 12 + 1

    def describe(self, day):
        """'Tue 2024-01-02: biceps (well)': one day of the log in words."""
        return (f"{WEEKDAYS[self.weekday[day]]} {self.dates[day]}: {TOKENS[self.tokens[day]]} "
                f"({HEALTH[self.health[day]]})")


def make_log(weeks, seed, start="2024-01-01"):
    """A log of `weeks` * 7 consecutive days from the date `start`, random but repeatable by `seed`.

    The cycle starts at a random workout on the first day, which is always a workout day. On the
    day after a workout a sick stretch starts with probability MISS_PROBABILITY; it lasts 1, 2 or 3
    days (MISSED_RUN_PROBABILITIES), and the next day the cycle goes on where it stopped.
    """
    rng = np.random.default_rng(seed)
    days = 7 * int(weeks)
    tokens = np.empty(days, dtype=int)
    health = np.zeros(days, dtype=int)
    position = int(rng.integers(len(WORKOUTS)))  # the next workout to do
    day = 0
    while day < days:
        if day > 0 and tokens[day - 1] != MISSED and rng.random() < MISS_PROBABILITY:
            run = 1 + int(rng.choice(MAX_MISSED_RUN, p=MISSED_RUN_PROBABILITIES))
            stop = min(day + run, days)
            tokens[day:stop], health[day:stop] = MISSED, 2
            day = stop
            continue
        tokens[day] = position
        health[day] = int(rng.random() < TIRED_PROBABILITY)
        position = (position + 1) % len(WORKOUTS)
        day += 1
    dates = np.datetime64(start, "D") + np.arange(days)
    return WorkoutLog(dates, tokens, health)


def _token_grid(log, weeks):
    """The tokens of the first `weeks` full weeks (Monday to Sunday) as a (weeks, 7) grid, -1 outside."""
    offset = int(log.weekday[0])  # blank cells before the first day
    cells = np.full(7 * weeks, -1)
    shown = min(len(log), 7 * weeks - offset)
    cells[offset:offset + shown] = log.tokens[:shown]
    return cells.reshape(weeks, 7), offset


def plot_calendar(log, weeks=5, ax=None, title="The trainer's log: one workout a day, some days missed"):
    """Draw the first `weeks` weeks of `log` as a calendar: one row per week, Monday to Sunday."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    grid, offset = _token_grid(log, weeks)
    cmap = ListedColormap(["white"] + list(COLORS))
    ax.imshow(grid + 1, cmap=cmap, vmin=0, vmax=NUM_TOKENS, aspect="auto")
    for week in range(weeks):
        for weekday in range(7):
            index = week * 7 + weekday - offset
            if grid[week, weekday] < 0 or index >= len(log):
                continue
            token = grid[week, weekday]
            label = TOKENS[token] if token != MISSED else "missed\n(sick)"
            color = "black" if token == MISSED else "white"
            ax.text(weekday, week, f"{str(log.dates[index])[5:]}\n{label}", ha="center", va="center",
                    fontsize=8, color=color)
    ax.set_xticks(range(7), WEEKDAYS)
    ax.set_yticks(range(weeks), [f"week {w + 1}" for w in range(weeks)])
    ax.set_xticks(np.arange(-0.5, 7), minor=True)
    ax.set_yticks(np.arange(-0.5, weeks), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set(xlabel="day of the week", title=title)
    return ax


def plot_accuracies(accuracies, chance=1 / len(WORKOUTS), ax=None,  # noqa: B008 (WORKOUTS is a constant tuple)
                    title="Accuracy on the held-out weeks"):
    """Grouped bars: {model name: {group name: accuracy}}, e.g. groups 'all days', 'after a missed day'."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    models = list(accuracies)
    groups = list(next(iter(accuracies.values())))
    width = 0.8 / len(groups)
    for g, group in enumerate(groups):
        xs = np.arange(len(models)) + (g - (len(groups) - 1) / 2) * width
        values = [accuracies[m][group] for m in models]
        bars = ax.bar(xs, values, width, label=group)
        ax.bar_label(bars, fmt="%.2f", fontsize=9, padding=2)
    ax.axhline(chance, color="grey", linestyle="--", linewidth=1, label=f"chance ({chance:.2f})")
    ax.set_xticks(range(len(models)), models)
    ax.set(ylabel="accuracy", ylim=(0, 1.12), title=title)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_states(h, tokens, predictions=None, ax=None, title="Hidden state, day by day"):
    """A heat map of one sequence of hidden states h (T, H), each day labelled with its token.

    With `predictions` (T token ids), each label also shows what the output layer reads off that day's state.
    """
    h = np.asarray(h)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    image = ax.imshow(h.T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    labels = [TOKENS[t] for t in tokens]
    if predictions is not None:
        labels = [f"{label}\nnext: {TOKENS[p]}" for label, p in zip(labels, predictions)]
    ax.set_xticks(range(len(tokens)), labels, fontsize=9)
    step = 1 if h.shape[1] <= 16 else 4
    ax.set_yticks(range(0, h.shape[1], step), [str(u) for u in range(0, h.shape[1], step)])
    ax.set(xlabel="day read (and the next workout predicted from the state after it)", ylabel="hidden unit",
           title=title)
    plt.colorbar(image, ax=ax, label="$h_t$", fraction=0.03)
    return ax


MARKERS = ("o", "s", "^", "D")
"""Marker of a window by the number of missed days at its end: 0 (yesterday was a workout) to 3."""


def plot_state_map(points, last_workout, days_missed, ax=None,
                   title="The state after reading a window, by the last workout done"):
    """Scatter 2-D views of hidden states (P, 2), coloured by the last workout done in each window
    and marked by how many missed days follow it (0 to MAX_MISSED_RUN)."""
    points = np.asarray(points)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    for missed in range(MAX_MISSED_RUN + 1):
        for workout in range(len(WORKOUTS)):
            chosen = (np.asarray(days_missed) == missed) & (np.asarray(last_workout) == workout)
            ax.scatter(points[chosen, 0], points[chosen, 1], s=40 if missed == 0 else 30, alpha=0.75,
                       marker=MARKERS[missed], color=COLORS[workout], edgecolors="black", linewidths=0.3)
    colours = [Patch(color=c, label=f"last done: {w}") for c, w in zip(COLORS, WORKOUTS)]
    shapes = [plt.Line2D([], [], marker=m, color="grey", linestyle="", label=f"then {k} missed")
              for k, m in enumerate(MARKERS)]
    ax.legend(handles=colours + shapes, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    ax.set(xlabel="first principal component", ylabel="second principal component", title=title)
    return ax
