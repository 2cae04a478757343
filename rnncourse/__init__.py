"""Helpers the course notebooks import: quiet TensorFlow, data, plots and visible checks.

Import it first in every notebook (`import rnncourse`): it keeps TensorFlow's C++ log lines
off stderr, which nbgrader would otherwise count as a failed test. It never holds reference
solutions.
"""
import os

# Must be set before TensorFlow is imported anywhere in the kernel.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # no C++ INFO/WARNING lines on stderr
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN banner; repeatable float sums

UNITS = (
    "01_feedforward_vs_recurrent",
    "02_hidden_state",
    "03_bptt",
    "04_gym_workout",
    "05_architectures",
    "06_gradient_problems",
    "07_lstm_gru",
    "08_deep_bidirectional_attention",
    "09_capstone_forecasting",
)
