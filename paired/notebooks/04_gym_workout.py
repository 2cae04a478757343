# %% [markdown]
# # Unit 04: the gym-workout example
#
# Units 02 and 03 built a recurrent network from its equation and trained it.
# This unit puts one to work on a small story in which memory is the whole point.
# A trainer follows a fixed cycle of workouts, one a day; some days they are sick and miss the gym, and afterwards the cycle resumes where it stopped.
# Which workout comes today?
#
# **What you will learn**
# - how to turn a day-by-day log into training pairs: a window of past days, one-hot encoded, and the workout to predict;
# - why a model on the calendar (day of the week, month, health) cannot predict the workout;
# - why a model that sees only yesterday fails on the day after a missed day, and how to compute the best it can ever do;
# - how a recurrent model over the last week gets those days right, and what its hidden state remembers;
# - how to compute the first step $h_0$ and $y_0$ of an RNN by hand, and check it against NumPy and Keras.
#
# **Prerequisites.** Unit 02 (the hidden-state equation, `keras.layers.SimpleRNN`, softmax) and unit 01 (Keras models with `Dense` layers).
#
# In the assignment you write the one-hot encoding, the pairs, the hand calculation and the recurrent model yourself.

# %% [markdown]
# Run the next cell first.
# `rnncourse` is imported before Keras because it keeps TensorFlow's log lines off stderr.

# %%
import rnncourse  # first: keeps TensorFlow's C++ log lines off stderr
import numpy as np
import matplotlib.pyplot as plt
import keras
from rnncourse import gym

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The trainer's log
#
# The trainer's cycle has six workouts, always in this order, and starts again after legs:

# %%
print(" -> ".join(gym.WORKOUTS), "-> shoulders -> ...")

# %% [markdown]
# `gym.make_log` writes a log of the trainer's days, with a seed so that it comes out the same every time.
# On the day after a workout, a sick stretch starts with probability 0.2, and it lasts one, two or three days.
# After it, the cycle goes on where it stopped.
# Each day also has its calendar (date, day of the week, month) and a health status: "sick" on the missed days, "well" or, at random, "tired" on the others.

# %%
log = gym.make_log(weeks=234, seed=0)   # four and a half years, from Monday 1 January 2024
for day in range(10):
    print(log.describe(day))

# %% [markdown]
# Here are the first five weeks as a calendar: one row per week, Monday to Sunday.

# %%
gym.plot_calendar(log, weeks=5)
plt.show()

# %% [markdown]
# Follow the colours along the rows: after each grey stretch the cycle picks up with the workout after the last one done.
# Now look down a column: Mondays bring all sorts of workouts.
# The cycle has 6 workouts and the week has 7 days, and the misses come at random, so the weekday says nothing about the workout.
# Count over the whole log how often each workout fell on each weekday:

# %%
done = log.tokens != gym.MISSED
counts = np.zeros((7, len(gym.WORKOUTS)), dtype=int)
np.add.at(counts, (log.weekday[done], log.tokens[done]), 1)   # counts[weekday, workout] += 1
share = counts / counts.sum(axis=1, keepdims=True)
print("        " + " ".join(f"{w:>9}" for w in gym.WORKOUTS))
for weekday, row in zip(gym.WEEKDAYS, share):
    print(f"{weekday:>7} " + " ".join(f"{s:9.2f}" for s in row))

# %% [markdown]
# Every workout turns up on every weekday, with shares scattered around $1/6 \approx 0.17$.
# They are not all equal: the cycle drifts slowly against the week, so for a few weeks one workout can dominate a weekday.
# But the drift is random, and what held in one stretch of weeks tells nothing about the next.
#
# ## 2. The task, and the training pairs
#
# On every day $t$ on which the trainer works out, predict **which** workout it is from the days before.
# Missed days have nothing to predict, but they are part of the history the models read.
#
# Each day becomes a one-hot vector of size 7: the six workouts and "missed" (token 6, `gym.MISSED`).
# A training pair is the one-hot encoding of the `WINDOW = 7` days before day $t$, oldest first, and the workout done on day $t$.
# A missed stretch lasts at most three days, so a window of seven days always holds the last workout done: the answer is always in the input.

# %%
WINDOW = 7


def make_pairs(tokens, window=WINDOW):
    # Keras cuts the one-hot log into every run of `window` consecutive days, each paired with the token of
    # the day after it; the pairs whose target is a missed day are then dropped. Returns X, y and the days t.
    one_hot_days = keras.ops.one_hot(tokens[:-1], gym.NUM_TOKENS)
    runs = keras.utils.timeseries_dataset_from_array(one_hot_days, tokens[window:], sequence_length=window,
                                                     batch_size=len(tokens))
    X, y = (np.asarray(a) for a in next(iter(runs)))
    days = np.arange(window, len(tokens))
    keep = y != gym.MISSED
    return X[keep], y[keep], days[keep]


# %% [markdown]
# The first 208 weeks (four years) are for training, the last 26 weeks are held out to measure accuracy.
# The held-out part starts `WINDOW` days early, so that its first day has its seven days of history.

# %%
split = 208 * 7
X_train, y_train, train_days = make_pairs(log.tokens[:split])
X_test, y_test, test_days = make_pairs(log.tokens[split - WINDOW:])
test_days = test_days + split - WINDOW                # positions in the whole log
after_missed = X_test[:, -1, gym.MISSED] == 1         # the last day of the window, yesterday, was missed
print("training pairs:", X_train.shape, y_train.shape)
print("held-out pairs:", X_test.shape, "of which", after_missed.sum(), "come right after a missed day")

# %% [markdown]
# One held-out pair that comes right after a missed day:

# %%
i = np.flatnonzero(after_missed)[0]
print("the 7 days before:", [gym.TOKENS[k] for k in X_test[i].argmax(axis=-1)])
print("today's workout:  ", gym.TOKENS[y_test[i]])


# %% [markdown]
# ## 3. Three models
#
# All three models end in a softmax over the 7 tokens and are trained the same way, for 20 epochs with Adam.
# The target is never "missed", so each model quickly learns to give that class almost no probability.

# %%
def train(model, inputs, targets, epochs=20):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(inputs, targets, epochs=epochs, batch_size=64, verbose=0)
    return model


def accuracy(model, inputs, targets):
    predicted = np.asarray(model(inputs, training=False)).argmax(axis=-1)
    return float(np.mean(predicted == targets))


# %% [markdown]
# ### 3.1 The calendar model
#
# The first model reads what a calendar and a health tracker know about day $t$: the day of the week (one-hot, 7 numbers), the month (12) and the health status (3), 22 numbers in all.

# %%
def calendar_features(log, days):
    return np.concatenate([np.eye(7)[log.weekday[days]],         # Monday .. Sunday
                           np.eye(12)[log.month[days] - 1],      # January .. December
                           np.eye(3)[log.health[days]]], axis=1)  # well, tired, sick


C_train, C_test = calendar_features(log, train_days), calendar_features(log, test_days)
keras.utils.set_random_seed(0)
calendar_model = train(keras.Sequential([keras.Input((22,)),
                                         keras.layers.Dense(32, activation="relu"),
                                         keras.layers.Dense(gym.NUM_TOKENS, activation="softmax")]),
                       C_train, y_train)
print(f"calendar model: {accuracy(calendar_model, C_train, y_train):.2f} on the training weeks, "
      f"{accuracy(calendar_model, C_test, y_test):.2f} on the held-out weeks")

# %% [markdown]
# Whatever it picks up on the training weeks does not carry over: on the held-out weeks it is close to the chance level of $1/6$.
# Health does not help either: it tells when the trainer misses a day, not which workout comes next.
#
# ### 3.2 The one-step model: yesterday's workout
#
# The second model reads only yesterday: the last day of each window, a one-hot vector of size 7.
# A single `Dense` layer with a softmax is enough, since it can learn one row of scores for each possible yesterday.

# %%
yesterday_train, yesterday_test = X_train[:, -1], X_test[:, -1]   # (P, 7)
keras.utils.set_random_seed(0)
one_step_model = train(keras.Sequential([keras.Input((gym.NUM_TOKENS,)),
                                         keras.layers.Dense(gym.NUM_TOKENS, activation="softmax")]),
                       yesterday_train, y_train)
print(f"one-step model on the held-out weeks: {accuracy(one_step_model, yesterday_test, y_test):.2f} on all days, "
      f"{accuracy(one_step_model, yesterday_test[after_missed], y_test[after_missed]):.2f} "
      f"on the days after a missed day")

# %% [markdown]
# When yesterday was a workout, today's is the next one in the cycle, and the model gets it right.
# When yesterday was missed, its input is the same vector, "missed", on every such day, so it gives the same answer on all of them.
# The best single answer is the workout that is most common on those days, so no model that reads only yesterday, however big or well trained, can beat this **ceiling** on the held-out weeks:

# %%
n_after = after_missed.sum()
best_guess = np.bincount(y_test[after_missed], minlength=gym.NUM_TOKENS).max()
ceiling_after = best_guess / n_after
ceiling_all = ((~after_missed).sum() + best_guess) / len(y_test)
print(f"the most common workout after a missed day covers {best_guess} of those {n_after} days")
print(f"ceiling of any one-step model: {ceiling_after:.3f} after a missed day, {ceiling_all:.3f} on all days")

# %% [markdown]
# The last workout before a sick stretch is equally likely to be any of the six, so this ceiling is about $1/6$ after a missed day; on this particular half-year it is a little higher by chance.

# %% [markdown]
# ### 3.3 The recurrent model
#
# The third model reads the whole window, one day at a time, with a `SimpleRNN` of 32 units, and predicts from its last hidden state.

# %%
keras.utils.set_random_seed(0)
rnn_model = train(keras.Sequential([keras.Input((WINDOW, gym.NUM_TOKENS)),
                                    keras.layers.SimpleRNN(32),
                                    keras.layers.Dense(gym.NUM_TOKENS, activation="softmax")]),
                  X_train, y_train)
print(f"recurrent model on the held-out weeks: {accuracy(rnn_model, X_test, y_test):.2f} on all days, "
      f"{accuracy(rnn_model, X_test[after_missed], y_test[after_missed]):.2f} on the days after a missed day")

# %% [markdown]
# ## 4. The three side by side

# %%
results = {
    "calendar\n(day, month, health)": (calendar_model, C_test),
    "one step\n(yesterday only)": (one_step_model, yesterday_test),
    "recurrent\n(the last 7 days)": (rnn_model, X_test),
}
accuracies = {name: {"all held-out days": accuracy(model, inputs, y_test),
                     "days after a missed day": accuracy(model, inputs[after_missed], y_test[after_missed])}
              for name, (model, inputs) in results.items()}
gym.plot_accuracies(accuracies)
plt.show()

# %% [markdown]
# The numbers tell the story, and the next cell checks that they do (it fails if a change to this notebook breaks the story):
# - the calendar model is near chance on every kind of day;
# - the one-step model is right whenever yesterday was a workout, and stays at or below its ceiling after a missed day;
# - the recurrent model is right on almost every day, including the days after a missed day.

# %%
calendar, one_step, recurrent = accuracies.values()
assert calendar["all held-out days"] < 0.4
assert one_step["days after a missed day"] <= ceiling_after + 1e-9
assert one_step["all held-out days"] <= ceiling_all + 1e-9
assert recurrent["days after a missed day"] >= 0.9 > ceiling_after
assert recurrent["all held-out days"] >= 0.95
print("the story holds")

# %% [markdown]
# ## 5. The first step by hand
#
# What does the recurrent model compute?
# Exactly unit 02's equations, one day at a time:
#
# $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h), \qquad y_t = h_t W_{hy} + b_y, \qquad p_t = \mathrm{softmax}(y_t).$$
#
# A word on indices: $h_0$ is the state **after** reading the first input $x_0$, and the state before it is $h_{-1}$.
# Keras starts from $h_{-1} = 0$.
# (In unit 02's `rnn_forward(x, h0, ...)`, the argument `h0` is this initial state $h_{-1}$; the returned `h[:, 0]` is $h_0$.)
# So at $t = 0$ the recurrent term vanishes:
#
# $$h_0 = \tanh(x_0 W_{xh} + 0 \cdot W_{hh} + b_h) = \tanh(x_0 W_{xh} + b_h).$$
#
# Take a mini trainer with a cycle of three workouts, legs, back, chest, and "missed": $D = 4$ tokens, $H = 2$ hidden units, $V = 4$ output scores.

# %%
mini_tokens = ("legs", "back", "chest", "missed")
x_0 = np.array([[1.0, 0.0, 0.0, 0.0]])         # (1, D): day 0 was "legs"
W_xh = np.array([[0.5, -1.0],                  # (D, H): one row per token
                 [1.0, 0.5],
                 [-0.5, 0.25],
                 [0.0, 0.0]])
W_hh = np.array([[0.5, -0.25], [0.25, 0.5]])   # (H, H): not needed at t = 0
b_h = np.array([0.25, 0.5])                    # (H,)
W_hy = np.array([[0.5, 1.0, -0.5, 0.0],        # (H, V): one column per output score
                 [-1.0, 0.5, 0.25, -0.5]])
b_y = np.array([0.0, 0.5, 0.0, -0.25])         # (V,)

# %% [markdown]
# A one-hot $x_0$ times $W_{xh}$ picks one row of $W_{xh}$: here the first row, the row of "legs".
#
# $$x_0 W_{xh} + b_h = (0.5,\ -1) + (0.25,\ 0.5) = (0.75,\ -0.5)$$
#
# $$h_0 = \big(\tanh 0.75,\ \tanh(-0.5)\big) = (0.6351,\ -0.4621)$$
#
# Each output score is $h_0$ times a column of $W_{hy}$, plus its bias:
#
# $$\begin{aligned}
# y_0[\text{legs}] &= 0.6351 \cdot 0.5 + (-0.4621) \cdot (-1) + 0 &&= 0.7797 \\
# y_0[\text{back}] &= 0.6351 \cdot 1 + (-0.4621) \cdot 0.5 + 0.5 &&= 0.9041 \\
# y_0[\text{chest}] &= 0.6351 \cdot (-0.5) + (-0.4621) \cdot 0.25 + 0 &&= -0.4331 \\
# y_0[\text{missed}] &= 0.6351 \cdot 0 + (-0.4621) \cdot (-0.5) - 0.25 &&= -0.0189
# \end{aligned}$$
#
# The softmax turns the scores into probabilities:
#
# $$p_0 = \frac{e^{y_0}}{\sum_j e^{y_0[j]}} = \frac{(2.181,\ 2.470,\ 0.649,\ 0.981)}{6.280} = (0.347,\ 0.393,\ 0.103,\ 0.156).$$
#
# The largest is "back", the workout that follows legs: these weights were chosen to get it right.
# Check every number with NumPy:

# %%
h_0 = np.tanh(x_0 @ W_xh + np.zeros((1, 2)) @ W_hh + b_h)   # h_{-1} = 0
y_0 = h_0 @ W_hy + b_y
p_0 = np.exp(y_0) / np.exp(y_0).sum(axis=-1, keepdims=True)
print("h_0 =", h_0)
print("y_0 =", y_0)
print("p_0 =", p_0, "-> prediction:", mini_tokens[p_0.argmax()])

# %% [markdown]
# And with Keras: a `SimpleRNN` followed by a `Dense` layer, given these weights, reading a sequence of one day.
# `set_weights` takes `[kernel, recurrent_kernel, bias]` $= [W_{xh}, W_{hh}, b_h]$ for the `SimpleRNN` and `[kernel, bias]` $= [W_{hy}, b_y]$ for the `Dense` layer.

# %%
mini = keras.Sequential([keras.Input((None, 4)), keras.layers.SimpleRNN(2), keras.layers.Dense(4)])
mini.layers[0].set_weights([W_xh, W_hh, b_h])
mini.layers[1].set_weights([W_hy, b_y])
y_keras = np.asarray(mini(x_0[:, None, :]))      # input (N, T, D) = (1, 1, 4)
print("y_0 from Keras:", y_keras, " same as NumPy:", np.allclose(y_keras, y_0, atol=1e-6))

# %% [markdown]
# $W_{hh}$ played no part at $t = 0$, since it multiplies $h_{-1} = 0$.
# It matters from $t = 1$ on, when it carries $h_0$ into $h_1$: scale it by 10 and $y_0$ stays the same while $y_1$ changes.

# %%
x_01 = np.array([[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]])   # legs, then missed: (1, 2, 4)
for scale in (1, 10):
    mini.layers[0].set_weights([W_xh, scale * W_hh, b_h])
    print(f"{scale:2d} W_hh:  y_0 = {np.asarray(mini(x_0[:, None, :]))[0]},  y_1 = {np.asarray(mini(x_01))[0]}")

# %% [markdown]
# ## 6. Why the recurrent model gets it right
#
# To predict the day after a missed stretch, the model must still know the last workout done, one to three days back.
# Its only memory is the hidden state, so the state at the end of the window must encode that workout, whatever the days after it.
#
# Run the trained `SimpleRNN`'s weights in a layer that returns every state (`return_sequences=True`), and look at the states while it reads one held-out window that ends with a missed stretch.
# Under each day is the workout the output layer predicts from the state after that day.

# %%
rnn_layer, output_layer = rnn_model.layers
reader = keras.layers.SimpleRNN(32, return_sequences=True)
reader.build((None, WINDOW, gym.NUM_TOKENS))
reader.set_weights(rnn_layer.get_weights())          # the same W_xh, W_hh, b_h
window_tokens = X_test.argmax(axis=-1)               # (P, 7) tokens, oldest first
ends_missed = (window_tokens[:, -2:] == gym.MISSED).all(axis=1) & (window_tokens[:, 0] != gym.MISSED)
i = np.flatnonzero(ends_missed)[0]                   # a window that starts with a workout, ends with 2+ missed days
h = np.asarray(reader(X_test[i:i + 1]))[0]           # (7, 32): h_0 .. h_6
predicted = np.asarray(output_layer(h)).argmax(axis=-1)  # what the output layer reads off each state
gym.plot_states(h, window_tokens[i], predicted, title="The hidden state while reading one window")
plt.show()
print("prediction after the last day:", gym.TOKENS[predicted[-1]], "  right answer:", gym.TOKENS[y_test[i]])

# %% [markdown]
# Each workout pushes the state into a pattern of its own.
# A missed day changes the state, but not what the output layer reads off it: from the last workout on, the prediction stays on the workout that follows it.
# The model was trained only on the state after all seven days; the states on the way can mostly be read the same way, because every step applies the same weights.
# To see this for every held-out window at once, take the final state of each window (32 numbers), project the states onto their two main directions (principal components, from an SVD), and colour each point by the last workout done in its window.
# The marker says how many missed days came after it.

# %%
final_states = np.asarray(reader(X_test))[:, -1]                         # (P, 32)
centred = final_states - final_states.mean(axis=0)
_, _, directions = np.linalg.svd(centred, full_matrices=False)
points = centred @ directions[:2].T                                      # (P, 2)
last_done_at = np.array([np.flatnonzero(w != gym.MISSED)[-1] for w in window_tokens])
last_done = window_tokens[np.arange(len(window_tokens)), last_done_at]
days_missed = WINDOW - 1 - last_done_at
gym.plot_state_map(points, last_done, days_missed)
plt.show()

# %% [markdown]
# The windows that end with a workout (circles) form six tight groups, one per workout.
# Missed days after it (squares, triangles, diamonds) move the state to groups of their own, but the colour, the last workout done, still decides where a point lies.
# In two dimensions some groups come close; in all 32 the output layer tells them apart, since it is right on every held-out window.
#
# This is what the one-step model lacks: its input after a missed day is always the same, "missed".
# The recurrent model's input after a missed day is the whole window, and its state carries the part that matters.
# Its memory has a limit, though: a window of 7 days works because no missed stretch lasts more than 3 days.
# A trainer who could be away for two weeks would need a longer window.
#
# ## Summary
#
# - A log becomes training pairs: a window of the days before day $t$, one-hot encoded, oldest first, and the workout of day $t$; missed days are inputs, never targets.
# - The calendar (day of the week, month, health) holds no information about a 6-day cycle broken by random misses: that model stays near $1/6$.
# - A model that reads only yesterday is right after a workout, but after a missed day its input is always the same; its ceiling there is the share of the most common answer, about $1/6$.
# - A recurrent model over the last 7 days is right on nearly every held-out day, because its state keeps the last workout done through the missed days.
# - At $t = 0$ the state before is $h_{-1} = 0$, so $h_0 = \tanh(x_0 W_{xh} + b_h)$ and $y_0 = h_0 W_{hy} + b_y$; $W_{hh}$ acts from $t = 1$ on.
#
# In the assignment you write the one-hot encoding, the training pairs, the first step by hand and in NumPy, and the recurrent model.
#
# **Next, unit 05: architecture types,** from one-to-one to encoder-decoder, each with its input and output shapes.
