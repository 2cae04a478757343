"""The data format between the grader and a sandboxed student kernel.

Whatever the student's code does, what crosses from the sandbox to the grader is JSON text that
`decode` turns into plain data only: None, bool, int, float, complex, str, bytes, lists, tuples,
dicts and NumPy arrays of numbers, plus references to objects that stay in the sandbox. No
pickle, no student classes: an object whose comparisons always succeed cannot reach a verdict.

This module has no imports beyond the standard library and NumPy, because the grader also runs
its source inside the sandbox (where the autograder package is not mounted).
"""
import base64
import json

import numpy as np

# Array dtypes that carry only numbers; object and structured dtypes are refused.
_SAFE_KINDS = "biufc"
# Limits that keep any accepted message under ~50 MB of the grader's memory: tests/test_wire.py
# measures the worst cases (at most 32 MB). Measured: the reference solutions of units 01-06, graded
# by `autograder grade`, send at most MEASURED_CHARS characters in one message (a request carrying a
# test's inputs; the largest answer had 1,570,240) and at most MEASURED_ITEMS JSON values; the limits
# leave a margin of four times and more.
MEASURED_CHARS, MEASURED_ITEMS = 1_984_249, 3_322
MAX_MESSAGE_CHARS = 8_000_000   # an array of 6 MB: its base64 text, its bytes and the array cost ~2.5x
MAX_MESSAGE_ITEMS = 250_000     # JSON values: small dicts and lists cost up to ~100 bytes each
_ITEM_SEPARATORS = "[{,:"       # every JSON value but the first follows one of these


class WireError(Exception):
    """A message that is not well-formed plain data."""


class MessageTooLarge(WireError):
    """A message larger than any the course needs; refused before it is decoded."""


def _array_record(array):
    array = np.asarray(array, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
    if array.dtype.kind not in _SAFE_KINDS:
        raise WireError(f"arrays of dtype {array.dtype} cannot be sent")
    return {"__nd__": [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode("ascii")]}


def encode(value, reference):
    """Plain data as JSON-ready records; anything else becomes reference(value), a dict naming it."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if value == value and abs(value) != float("inf") else {"__float__": repr(value)}
    if kind is complex:
        return {"__complex__": [repr(value.real), repr(value.imag)]}
    if kind is bytes:
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if kind is list:
        return [encode(item, reference) for item in value]
    if kind is tuple:
        return {"__tuple__": [encode(item, reference) for item in value]}
    if kind is dict:
        return {"__dict__": [[encode(k, reference), encode(v, reference)] for k, v in value.items()]}
    if kind is slice:
        return {"__slice__": [encode(value.start, reference), encode(value.stop, reference), encode(value.step, reference)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, np.ndarray) and value.dtype.kind in _SAFE_KINDS:
        return _array_record(value)
    if isinstance(value, np.generic) and value.dtype.kind in _SAFE_KINDS:
        return {"__scalar__": _array_record(np.asarray(value))["__nd__"]}
    return reference(value)


def dumps(value, reference):
    return json.dumps(encode(value, reference), allow_nan=False)


def _decode_array(record):
    if not (isinstance(record, list) and len(record) == 3):
        raise WireError("malformed array")
    dtype_text, shape, data = record
    if not isinstance(dtype_text, str) or not isinstance(shape, list) or not isinstance(data, str):
        raise WireError("malformed array")
    dtype = np.dtype(dtype_text)
    if dtype.kind not in _SAFE_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"arrays of dtype {dtype} are not accepted")
    if not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed array shape")
    raw = base64.b64decode(data, validate=True)  # (a str of ASCII: no encoded copy of the text)
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count * dtype.itemsize != len(raw):
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


_HASHABLE = (type(None), bool, int, float, str, bytes, complex, tuple)


def decode(record, resolve):
    """Rebuild plain data from JSON records; resolve(dict) turns a reference record into an object."""
    if record is None or type(record) in (bool, int, float, str):
        return record
    if type(record) is list:
        return [decode(item, resolve) for item in record]
    if type(record) is not dict or len(record) < 1:
        raise WireError("malformed record")
    if "__nd__" in record:
        return _decode_array(record["__nd__"])
    if "__scalar__" in record:
        return _decode_array(record["__scalar__"])[()]
    if "__float__" in record:
        text = record["__float__"]
        if text not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(text)
    if "__complex__" in record:
        real, imag = record["__complex__"]
        return complex(float(real), float(imag))
    if "__bytes__" in record:
        return base64.b64decode(record["__bytes__"].encode("ascii"), validate=True)
    if "__tuple__" in record:
        return tuple(decode(item, resolve) for item in record["__tuple__"])
    if "__dict__" in record:
        result = {}
        for key, value in record["__dict__"]:
            key = decode(key, resolve)
            if not isinstance(key, _HASHABLE):
                raise WireError("dictionary keys must be plain values")
            result[key] = decode(value, resolve)
        return result
    if "__slice__" in record:
        return slice(*(decode(part, resolve) for part in record["__slice__"]))
    if "__ellipsis__" in record:
        return Ellipsis
    return resolve(record)


def _check_size(text):
    """Refuse a text that could cost the grader more memory than any answer of the course needs."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageTooLarge(f"a message of {len(text):,} characters is more than the grader accepts "
                              f"({MAX_MESSAGE_CHARS:,}); no exercise needs an answer this large")
    items = sum(map(text.count, _ITEM_SEPARATORS))  # (str.count runs in C: ~10 ms for the largest text)
    if items > MAX_MESSAGE_ITEMS:
        raise MessageTooLarge(f"a message of about {items:,} values (lists, numbers, strings) is more than the "
                              f"grader accepts ({MAX_MESSAGE_ITEMS:,}); return NumPy arrays, not long Python lists")


def loads(text, resolve):
    if not isinstance(text, str):
        raise WireError("a message must be text")
    _check_size(text)
    try:
        record = json.loads(text)
    except RecursionError:
        raise MessageTooLarge("a message nested more deeply than the grader accepts") from None
    except ValueError as error:
        raise WireError(f"not JSON: {error}") from None
    try:
        return decode(record, resolve)
    except RecursionError:
        raise MessageTooLarge("a message nested more deeply than the grader accepts") from None
