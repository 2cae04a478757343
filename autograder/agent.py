"""The grader's agent inside a sandboxed student kernel.

The grader imports this module in the student's kernel (the sandbox holds a private read-only copy
of the grader's package; without a sandbox, the installed one). It answers the referee's requests: look up a name, call a function, read an
attribute, with plain data or references to objects that stay in the sandbox. Nothing here is
trusted: the student's code can replace any of it, and can then only send other data back.
"""
import builtins

import numpy as np

from autograder.wire import WireError, dumps, encode, loads

_objects = {}          # reference id -> object of the sandbox the referee holds a reference to
CALLBACK_PROMPT = "\x00grader-callback:"
SERVE_PROMPT = "\x00grader-answer:"


def _reference(value):
    """Keep a sandbox object here and describe it to the referee."""
    plain = _as_array(value)
    if plain is not None:
        return encode(plain, _reference)
    key = len(_objects) + 1
    _objects[key] = value
    types = []
    for cls in type(value).__mro__:
        types.append(f"{getattr(cls, '__module__', '?')}:{getattr(cls, '__qualname__', '?')}")
    return {"__ref__": key, "types": types, "callable": callable(value), "params": _parameter_names(value),
            "name": str(getattr(value, "__name__", "")) if isinstance(getattr(value, "__name__", None), str) else ""}


def _parameter_names(value):
    """The names of a function's positional parameters, for messages that name an argument."""
    import inspect
    try:
        parameters = inspect.signature(value).parameters.values()
    except (TypeError, ValueError):  # not callable, or a builtin without a signature
        return []
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _as_array(value):
    """Tensors and array-likes as NumPy arrays, so that tests receive numbers, not references."""
    if isinstance(value, np.ndarray):
        return np.asarray(value)
    if hasattr(value, "__array__") and not isinstance(value, type) and hasattr(value, "shape") and hasattr(value, "dtype"):
        try:
            array = np.asarray(value)
        except Exception:  # noqa: BLE001 (a student's object may raise anything: then it is no array)
            return None
        return array if array.dtype.kind in "biufc" else None
    return None


class _Callback:
    """An object of the referee (a test's function or stand-in model), called from the sandbox."""

    def __init__(self, key):
        self._key = key

    def _ask(self, op, **fields):
        request = dumps({"op": op, "target": self._key, **fields}, _reference)
        answer = builtins.input(CALLBACK_PROMPT + request)
        response = loads(answer, _resolve)
        if response.get("error"):
            name, message = response["error"]
            raise getattr(builtins, name, RuntimeError)(message) if isinstance(getattr(builtins, name, None), type) \
                else RuntimeError(message)
        return response["ok"]

    def __call__(self, *args, **kwargs):
        return self._ask("call", args=list(args), kwargs=kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)


def _resolve(record):
    if "__ref__" in record:
        return _objects[record["__ref__"]]
    if "__cb__" in record:
        return _Callback(record["__cb__"])
    raise WireError("unknown reference")


def _snapshot(value):
    """A copy of the arrays, lists and dicts in an argument, to see later what a call changed."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(item) for item in value]
    if isinstance(value, dict):
        return {key: _snapshot(item) for key, item in value.items()}
    return value


def _same(before, after):
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        return (isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.shape == after.shape
                and before.dtype == after.dtype and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(_same(b, a) for b, a in zip(before, after))
    if isinstance(before, dict) and isinstance(after, dict):
        return before.keys() == after.keys() and all(_same(before[k], after[k]) for k in before)
    return before is after


def _changed_args(snapshots, args, kwargs):
    """[position or name, value after the call] of each argument the call changed in place (exactly, bit for bit).

    The values go back so that the tests can judge the change (by how much, where) as they would judge one
    in a local run; whether a change the size of rounding counts is the course's call, not the grader's.
    """
    positional = [[index, arg] for index, (snapshot, arg) in enumerate(zip(snapshots[0], args))
                  if not _same(snapshot, arg)]
    return positional + [[name, value] for name, value in kwargs.items() if not _same(snapshots[1][name], value)]


def _namespace():
    return get_ipython().user_ns  # noqa: F821 (IPython's builtin in a kernel)


def _seed(seed, function):
    """Seed Python's and NumPy's generators, and call the seeding function a test called in the referee
    (a dotted name such as keras.utils.set_random_seed) if its module is imported here."""
    import random
    import sys
    random.seed(seed)
    np.random.seed(seed)
    top, *path = str(function).split(".")
    target = sys.modules.get(top)
    for part in path:
        target = getattr(target, part, None)
    if path and callable(target):
        target(seed)


def _perform(request):
    op = request["op"]
    if op == "lookup":
        namespace, found = _namespace(), {}
        for name in request["names"]:
            if name in namespace:
                found[name] = namespace[name]
        return found
    if op == "seed":
        return _seed(request["seed"], request.get("function", ""))
    target = _objects[request["target"]]
    if op == "call":
        args, kwargs = request["args"], request["kwargs"]
        snapshots = [_snapshot(a) for a in args], {k: _snapshot(v) for k, v in kwargs.items()}
        result = target(*args, **kwargs)
        return {"result": result, "changed": _changed_args(snapshots, args, kwargs)}
    if op == "getattr":
        return getattr(target, request["name"])
    if op == "setattr":
        setattr(target, request["name"], request["value"])
        return None
    if op == "getitem":
        return target[request["key"]]
    if op == "len":
        return len(target)
    if op == "iter":
        return list(target)
    if op == "array":
        array = _as_array(target)
        if array is None:
            raise TypeError(f"a {type(target).__name__} is not an array")
        return array
    if op == "bool":
        return bool(target)
    if op == "str":
        return str(target)
    if op == "repr":
        return repr(target)
    raise ValueError(f"unknown request {op!r}")


def handle(request_text):
    """The answer to one request, as JSON text."""
    try:
        request = loads(request_text, _resolve)
        return dumps({"ok": _perform(request)}, _reference)
    except BaseException as error:  # noqa: BLE001 (the referee turns it into the test's exception)
        try:
            return dumps({"error": [type(error).__name__, str(error)[:20000]]}, _reference)
        except BaseException:  # noqa: BLE001 (the error could not even be described)
            return dumps({"error": ["RuntimeError", "an error that could not be described"]}, _reference)


def serve():
    """Answer the referee's requests until it says "done": one kernel execution per test cell.

    Requests and answers travel as the prompt and the reply of input(), the kernel's stdin channel,
    so a request costs one message each way and no cell has to be compiled for it.
    """
    answer = "ready"
    while True:
        request = builtins.input(SERVE_PROMPT + answer)
        if request == "done":
            return
        answer = handle(request)
