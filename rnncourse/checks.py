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


def check_pair(name, result):
    """Fail unless a function returned a tuple of two things, e.g. `(h_next, cache)`."""
    if not isinstance(result, tuple) or len(result) != 2:
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise AssertionError(f"{name} must return a pair (value, cache); got {got}")


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
    for mistake, wrong_answer in (likely_mistakes or {}).items():
        wrong_answer = np.asarray(wrong_answer, dtype=float)
        if wrong_answer.shape == got.shape and np.allclose(got, wrong_answer, rtol=rtol, atol=atol):
            raise AssertionError(f"{name} is wrong: {mistake}")
    worst = np.unravel_index(np.nanargmax(np.abs(got - expected)), got.shape) if got.size else ()
    raise AssertionError(
        f"{name} is wrong: expected {_preview(expected)}, got {_preview(got)}; "
        f"largest difference at index {tuple(int(i) for i in worst)}: "
        f"expected {expected[worst]:.6g}, got {got[worst]:.6g}"
    )


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


def call(function, *args):
    """Call a student's function; turn a NumPy shape error or a division by zero into a failed check
    whose message names the inputs' shapes.

    A NotImplementedError (the untouched stub) and other errors pass through unchanged.
    """
    before = [_copy_arrays(arg) for arg in args]
    try:
        result = function(*args)
    except ZeroDivisionError as error:
        names = _parameter_names(function, len(args))
        described = ", ".join(f"{name} {_describe(arg)}" for name, arg in zip(names, args))
        raise AssertionError(f"{function.__name__} raised ZeroDivisionError: {error}. It was called with "
                             f"{described}") from None
    except ValueError as error:
        text = str(error)
        if not any(word in text for word in ("matmul", "broadcast", "shapes", "dimension")):
            raise
        names = _parameter_names(function, len(args))
        shapes = ", ".join(f"{name} {_describe(arg)}" for name, arg in zip(names, args))
        raise AssertionError(
            f"{function.__name__} raised ValueError: {text}\n"
            f"It was called with {shapes}. Check that every matrix product pairs a "
            f"(.., K) array with a (K, ..) one, and that arrays you combine have matching shapes "
            f"(a reduction such as z.max(axis=-1) drops that axis unless you pass keepdims=True)."
        ) from None
    # Graded in the sandbox, the function wrote into the sandbox's copies; the grader's proxy says so.
    changed_remotely = getattr(function, "changed_in_place", None)
    if isinstance(changed_remotely, str):
        raise AssertionError(changed_remotely)
    for index, (arg, copy) in enumerate(zip(args, before)):
        if not _same_arrays(arg, copy):
            name = _parameter_names(function, len(args))[index]
            raise AssertionError(f"{getattr(function, '__name__', 'your function')} changed its argument {name} in "
                                 f"place: compute new arrays (x + 1, np.clip(x, ...)) instead of writing into the "
                                 f"inputs (x += 1, x[...] = ..., out=x); the caller still needs them")
    return result


def _copy_arrays(value):
    """Copies of the arrays in an argument (also inside lists, tuples and dicts), to check it later."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [_copy_arrays(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy_arrays(item) for key, item in value.items()}
    return None


def _same_arrays(value, copy):
    if isinstance(value, np.ndarray):
        return (isinstance(copy, np.ndarray) and value.shape == copy.shape
                and np.array_equal(value, copy, equal_nan=value.dtype.kind in "fc"))
    if isinstance(value, (list, tuple)):
        return isinstance(copy, list) and len(value) == len(copy) and all(map(_same_arrays, value, copy))
    if isinstance(value, dict):
        return isinstance(copy, dict) and value.keys() == copy.keys() and all(_same_arrays(value[k], copy[k]) for k in value)
    return True


def _parameter_names(function, count):
    import inspect
    try:
        names = [name for name, parameter in inspect.signature(function).parameters.items()
                 if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return names[:count] + [f"number {i + 1}" for i in range(len(names), count)]
