"""Visible checks used by the assignments' test cells (introduced in unit 02).

Each check raises an AssertionError whose message a student can act on: what was expected,
what they got (in that order), and, when their answer matches a known mistake, which one.
"""
from collections.abc import Mapping

import numpy as np


def _preview(array, limit=6):
    flat = np.asarray(array).ravel()
    text = np.array2string(flat[:limit], precision=4, suppress_small=True)
    return text if flat.size <= limit else text[:-1] + " ...]"


def check_type(name, got, expected_type):
    """Fail unless `got` is an instance of `expected_type`."""
    if not isinstance(got, expected_type):
        wanted = getattr(expected_type, "__name__", str(expected_type))
        raise AssertionError(f"{name}: expected a {wanted}, got {type(got).__name__}")


def check_returns(name, result, names):
    """Fail unless the function `name` returned a tuple of len(names) things, e.g. `(h_next, cache)`, naming them
    in the message; return them as a dict by name."""
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else f"a {type(result).__name__}"
        raise AssertionError(f"{name} must return a tuple ({', '.join(names)}); got {got}")
    return dict(zip(names, result))


def as_numbers(name, got):
    """`got` as ONE NumPy array of numbers, so that its shape and its values come from the same array.

    (Asking an object for its shape and then for its values could give answers that disagree.)
    """
    try:
        array = np.asarray(got)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"{name}: expected an array of numbers, got a {type(got).__name__} that NumPy "
                             f"cannot turn into one ({str(error)[:200]})") from None
    if array.dtype.kind not in "biufc":
        raise AssertionError(f"{name}: expected an array of numbers, got a {type(got).__name__} that NumPy turns "
                             f"into an array of {array.dtype} (items that are not numbers, or lists of different lengths)")
    return array


def _check_array_shape(name, array, expected_shape):
    expected_shape = tuple(expected_shape)
    if array.shape == expected_shape:
        return
    message = f"{name}: expected shape {expected_shape}, got {array.shape}"
    if sorted(array.shape) == sorted(expected_shape):
        message += " (the right sizes in the wrong order: check which axis you stack or sum over)"
    raise AssertionError(message)


def check_shape(name, got, expected_shape):
    """Fail unless `got` is an array of `expected_shape`; say so if only the axis order differs."""
    _check_array_shape(name, as_numbers(name, got), expected_shape)


def check_finite(name, got, hint=""):
    """Fail if `got` holds NaN or infinity."""
    bad = ~np.isfinite(np.asarray(as_numbers(name, got), dtype=float))
    if bad.any():
        raise AssertionError(f"{name}: {bad.sum()} entries are NaN or infinite. {hint}".strip())


def check_close(name, got, expected, likely_mistakes: Mapping | None = None, rtol=1e-5, atol=1e-5):
    """Fail unless `got` equals `expected` to tolerance.

    `likely_mistakes` maps a sentence describing a mistake to the answer that mistake gives;
    if `got` matches one of them, that sentence is the message.
    """
    expected = np.asarray(expected)
    got = as_numbers(name, got)
    _check_array_shape(name, got, expected.shape)  # an empty array would pass np.allclose
    got = np.asarray(got, dtype=float)
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return
    difference = _largest_difference(got, expected)
    for mistake, wrong_answer in (likely_mistakes or {}).items():
        wrong_answer = np.asarray(wrong_answer, dtype=float)
        if wrong_answer.shape == got.shape and np.allclose(got, wrong_answer, rtol=rtol, atol=atol):
            raise AssertionError(f"{name} is wrong: {mistake} ({difference})")
    raise AssertionError(f"{name} is wrong: expected {_preview(expected)}, got {_preview(got)}; {difference}")


def _largest_difference(got, expected):
    """Where got and expected differ most, both values printed with enough digits to tell them apart."""
    if not got.size:
        return "no entries"
    gap = np.abs(got - expected)
    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(gap), np.inf, gap)), got.shape)
    a, b = expected[worst], got[worst]
    digits = 6
    while digits < 17 and f"{a:.{digits}g}" == f"{b:.{digits}g}":
        digits += 1
    return (f"largest difference at index {tuple(int(i) for i in worst)}: expected {a:.{digits}g}, "
            f"got {b:.{digits}g} (off by {abs(b - a):.2g})")


def check_equal(name, got, expected, hint=""):
    """Fail unless `got == expected` (for integers, strings and the like; arrays compare as one array)."""
    if isinstance(got, np.ndarray) or isinstance(expected, np.ndarray):
        same = np.array_equal(as_numbers(name, got), np.asarray(expected))
    else:
        same = got == expected
    if not same:
        raise AssertionError(f"{name}: expected {_short(expected)}, got {_short(got)}. {hint}".strip())


def _short(value, limit=500):
    """repr(value), cut: a wrong answer could be long, or carry the hidden inputs it was given."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


def _describe(value):
    """'(3, 4)' for an array, 'a tuple of 5' for a cache and the like."""
    if isinstance(value, np.ndarray) or np.isscalar(value):
        return str(np.shape(value))
    if isinstance(value, (tuple, list)):
        return f"(a {type(value).__name__} of {len(value)})"
    return f"(a {type(value).__name__})"


def call(function, *args, inputs_unchanged=False):
    """Call a student's function on fresh copies of the arrays in `args` and return its result.

    The test's own arrays are never handed over: whatever the function writes into its inputs, expected
    values computed from them stay right, and a function that works on its inputs in place loses no
    point for it unless `inputs_unchanged=True`. That option is for the one test whose prompt asks to
    leave the inputs unchanged: it fails if an array argument changed by more than rounding (a change
    put back, as numerical gradients do, passes even if the last bit differs).

    A NumPy shape error or a division by zero becomes a failed check whose message names the inputs'
    shapes; a NotImplementedError (the untouched stub) and other errors pass through unchanged.
    """
    given = [_fresh_copy(arg) for arg in args]
    try:
        result = function(*given)
    except ZeroDivisionError as error:
        raise AssertionError(f"{_function_name(function)} raised ZeroDivisionError: {error}. It was called with "
                             f"{_described_arguments(function, args)}") from None
    except ValueError as error:
        text = str(error)
        if not any(word in text for word in ("matmul", "broadcast", "shapes", "dimension")):
            raise
        raise AssertionError(
            f"{_function_name(function)} raised ValueError: {text}\n"
            f"It was called with {_described_arguments(function, args)}. Check that every matrix product pairs a "
            f"(.., K) array with a (K, ..) one, and that arrays you combine have matching shapes "
            f"(a reduction such as z.max(axis=-1) drops that axis unless you pass keepdims=True)."
        ) from None
    if inputs_unchanged:
        # Graded in the sandbox, the function wrote into the sandbox's copies; the grader sends those back.
        written_remotely = getattr(function, "arguments_after_call", None) or {}
        after = [written_remotely.get(index, copy) for index, copy in enumerate(given)]
        _check_unchanged(function, args, after)
    return result


# An input "left unchanged" may differ by rounding: x + eps - 2 eps + eps need not give x back bit for bit.
UNCHANGED_RTOL = 1e-12


def _check_unchanged(function, before, after):
    names = _parameter_names(function, len(before))
    for name, old, new in zip(names, before, after):
        where = _first_change(old, new)
        if where is not None:
            raise AssertionError(f"{_function_name(function)} changed its argument {name} in place{where}: compute "
                                 f"new arrays (x + 1, np.clip(x, ...)) instead of writing into the inputs (x += 1, "
                                 f"x[...] = ..., out=x); the caller still needs them")


def _first_change(old, new):
    """None if `new` is `old` up to rounding; else a few words saying where it changed."""
    if isinstance(old, np.ndarray):
        try:
            new = np.asarray(new)
        except (TypeError, ValueError):
            return " (it is no longer an array of numbers)"
        if new.shape != old.shape:
            return f" (its shape went from {old.shape} to {new.shape})"
        if old.dtype.kind not in "fc" or new.dtype.kind not in "biufc":
            return None if np.array_equal(old, new) else " (its entries changed)"
        difference = np.abs(new.astype(complex if old.dtype.kind == "c" else float) - old)
        allowed = UNCHANGED_RTOL * (1 + np.abs(old))
        bad = ~(difference <= allowed)  # NaN counts as changed
        bad &= ~(np.isnan(old) & np.isnan(new))
        if not bad.any():
            return None
        worst = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(difference, nan=np.inf), -1)), old.shape)
        return (f" (at index {tuple(int(i) for i in worst)} it was {old[worst]:.6g} and is now {new[worst]:.6g}; "
                f"{int(bad.sum())} of its {old.size} entries changed)")
    if isinstance(old, (list, tuple)):
        if not isinstance(new, (list, tuple)) or len(new) != len(old):
            return " (items were added or removed)"
        for index, (item, new_item) in enumerate(zip(old, new)):
            where = _first_change(item, new_item)
            if where is not None:
                return f", item {index}{where}"
        return None
    if isinstance(old, dict):
        if not isinstance(new, dict) or new.keys() != old.keys():
            return " (keys were added or removed)"
        for key in old:
            where = _first_change(old[key], new[key])
            if where is not None:
                return f", entry {key!r}{where}"
    return None


def _fresh_copy(value):
    """`value` with every array in it (also inside lists, tuples and dicts) copied; other objects as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        copies = [_fresh_copy(item) for item in value]
        return tuple(copies) if isinstance(value, tuple) else copies
    if isinstance(value, dict):
        return {key: _fresh_copy(item) for key, item in value.items()}
    return value


def _function_name(function):
    name = getattr(function, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else "your function"


def _described_arguments(function, args):
    names = _parameter_names(function, len(args))
    return ", ".join(f"{name} {_describe(arg)}" for name, arg in zip(names, args))


def _parameter_names(function, count):
    import inspect
    try:
        names = [name for name, parameter in inspect.signature(function).parameters.items()
                 if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return names[:count] + [f"number {i + 1}" for i in range(len(names), count)]
