"""The referee: runs the instructor's test code outside the student's kernel.

nbgrader runs test cells in the student's own kernel, so the student's code can rewrite the
verdict (replace run_cell, strip asserts, patch NumPy). Here the test cells run in the grader's
process instead, in a namespace of their own. A name the tests need that the instructor's cells
did not define (the student's functions) is looked up in the sandboxed kernel and arrives as
plain data or as a RemoteObject: calling it runs the student's code in the sandbox and returns
plain data (see wire.py). Every comparison, assert and printed verdict happens here.
"""
import ast
import builtins
import contextlib
import inspect
import io
import sys
import time

import numpy as np
import zmq
from jupyter_client import BlockingKernelClient
from nbformat import NotebookNode

from autograder import agent, wire
from autograder.agent import CALLBACK_PROMPT, SERVE_PROMPT

# The kernel imports the agent as a module (the sandbox binds a private copy of the grader's package).
INSTALL_AGENT = f"__import__('importlib').import_module({agent.__name__!r})"
SERVE = f"__import__('sys').modules[{agent.__name__!r}].serve()"
# Dunder names the referee never asks the sandbox for (NumPy and Python probe them on any object).
_LOCAL_ONLY = lambda name: name.startswith("__") and name not in ("__name__", "__qualname__", "__module__", "__doc__")  # noqa: E731


WAKE_MS = 50  # the longest the referee sleeps between two looks at a silent kernel


class StudentKernelError(Exception):
    """The student's kernel could not answer: it died, broke a limit, or took too long."""


_NOT_FETCHED = object()
# What NumPy and the tests ask of an array; a RemoteObject answers them from its one fetched array.
_ARRAY_ATTRIBUTES = ("shape", "dtype", "ndim", "size", "T")
MAX_ERROR_MESSAGE_CHARS = 500  # of a student's exception shown in a test's output: it could carry hidden inputs


class RemoteObject:
    """An object that lives in the student's sandboxed kernel; every use is a request there.

    An array-like answers its shape, dtype, length, items and np.asarray() from ONE array fetched
    once: separate requests could disagree (a shape of (N, H) and an empty array).
    """
    __slots__ = ("_channel", "_key", "_types", "_name", "_params", "_array", "arguments_after_call")

    def __init__(self, channel, record):
        self._channel, self._key = channel, record["__ref__"]
        self._types = [t[:200] for t in record.get("types", []) if isinstance(t, str)][:50]
        self._name = str(record.get("name", ""))[:100]  # shown in tests' messages: no room for hidden inputs
        params = record.get("params")
        self._params = [p if isinstance(p, str) and p.isidentifier() else None
                        for p in (params if isinstance(params, list) else [])]
        self._array = _NOT_FETCHED
        self.arguments_after_call = {}  # of the last call: see _changed_arguments

    def _ask(self, op, **fields):
        return self._channel.request({"op": op, "target": self._key, **fields})

    def _as_array(self):
        """The object as a NumPy array of numbers, fetched once; None if it is not one."""
        if self._array is _NOT_FETCHED:
            try:
                answer = self._ask("array")
            except (StudentKernelError, TimeoutError):
                raise
            except Exception:  # noqa: BLE001 (whatever the student's kernel says, the object is no array)
                answer = None
            is_numbers = isinstance(answer, np.ndarray) and answer.dtype.kind in "biufc"
            self._array = answer if is_numbers else None
        return self._array

    def __call__(self, *args, **kwargs):
        answer = self._ask("call", args=list(args), kwargs=kwargs)
        if not isinstance(answer, dict) or "result" not in answer:
            raise StudentKernelError("the student's kernel sent a malformed answer")
        self.arguments_after_call = self._changed_arguments(answer.get("changed"), args, kwargs)
        return answer["result"]

    @staticmethod
    def _changed_arguments(changed, args, kwargs):
        """{position or keyword: value after the call} of the arguments the call wrote into in the sandbox.

        The tests never see those writes (their arrays went over as copies); a test that asks whether a
        function leaves its inputs alone reads them here, as a local test compares its own copies.
        Anything but a known position or keyword is dropped: the student's kernel sends this list.
        """
        found = {}
        for item in changed if isinstance(changed, list) else []:
            if not (isinstance(item, list) and len(item) == 2):
                continue
            where, value = item
            if (type(where) is int and 0 <= where < len(args)) or (isinstance(where, str) and where in kwargs):
                found[where] = value
        return found

    @property
    def __signature__(self):
        """The student's parameter names (identifiers only), so that inspect.signature names arguments in messages."""
        names = [name for name in self._params if name]
        if len(names) != len(self._params):
            names = []
        return inspect.Signature([inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])

    def __getattr__(self, name):
        if _LOCAL_ONLY(name):
            raise AttributeError(name)
        if name in _ARRAY_ATTRIBUTES and self._as_array() is not None:
            return getattr(self._array, name)
        return self._ask("getattr", name=name)

    def __getitem__(self, key):
        if self._as_array() is not None:
            return self._array[key]
        return self._ask("getitem", key=key)

    def __len__(self):
        if self._as_array() is not None:
            return len(self._array)
        length = self._ask("len")
        if type(length) is not int:
            raise TypeError("len() of a student object must be an int")
        return length

    def __iter__(self):
        if self._as_array() is not None:
            return iter(self._array)
        items = self._ask("iter")
        return iter(items if isinstance(items, list) else [])

    def __bool__(self):
        if self._as_array() is not None:
            return bool(self._array)
        return self._ask("bool") is True

    def __array__(self, dtype=None, copy=None):
        if self._as_array() is None:
            raise TypeError(f"{self!r} is not an array of numbers")
        return np.asarray(self._array, dtype=dtype)

    def __repr__(self):
        return f"<{self._name or (self._types[0] if self._types else 'object')} in the student's kernel>"

    @property
    def __class__(self):
        """The grader's own class of the same name, so that isinstance(model, keras.Model) works."""
        for name in self._types:
            module_name, _, qualname = name.partition(":")
            obj = sys.modules.get(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part, None) if obj is not None else None
            if isinstance(obj, type):
                return obj
        return RemoteObject


class SandboxChannel:
    """Requests to the agent in the student's kernel, over the kernel's own stdin channel.

    For each referee cell the channel starts the agent's serve() loop with one execute request;
    every request is then the reply to one input() prompt of that loop, and every answer the next
    prompt. A prompt that asks for a callback (the student's code calling a test's function) is
    answered on the spot.
    """

    def __init__(self, connection_file, is_alive, interrupt, death_reason=lambda: None):
        self._client = BlockingKernelClient()
        self._client.load_connection_file(connection_file)
        self._client.start_channels(shell=True, iopub=False, stdin=True, hb=False, control=False)
        # Woken by the kernel's next message on either channel, not polled with sleeps: the referee
        # shares the CPU with the student's code and must not spin while it computes.
        self._poller = zmq.Poller()
        for channel in (self._client.stdin_channel, self._client.shell_channel):
            self._poller.register(channel.socket, zmq.POLLIN)
        self._is_alive, self._interrupt, self._death_reason = is_alive, interrupt, death_reason
        self._callbacks, self._busy = {}, False
        self._serving = None   # msg_id of the running serve() execution
        self._broken = None    # why the kernel can no longer answer
        self.deadline = None   # monotonic time after which a request gives up

    def close(self):
        self._client.stop_channels()

    def install_agent(self, timeout=60):
        msg_id = self._client.execute(INSTALL_AGENT, silent=True, store_history=False)
        self._wait_reply(msg_id, time.monotonic() + timeout)

    def _reference(self, value):
        if isinstance(value, RemoteObject):
            return {"__ref__": object.__getattribute__(value, "_key")}
        key = len(self._callbacks) + 1
        self._callbacks[key] = value
        return {"__cb__": key, "callable": callable(value)}

    def _resolve(self, record):
        if "__ref__" in record and type(record["__ref__"]) is int:
            return RemoteObject(self, record)
        raise wire.WireError("unknown reference from the student's kernel")

    def request(self, message):
        if self._busy:
            raise StudentKernelError("the student's code called back into a test while the test waited for it")
        if self._broken:
            raise StudentKernelError(self._broken)
        text = wire.dumps(message, self._reference)
        if self._serving is None:
            self._serving = self._client.execute(SERVE, silent=True,
                                                 store_history=False, allow_stdin=True)
            self._next_answer()  # "ready"
        self._client.input(text)
        answer = self._next_answer()
        try:
            response = wire.loads(answer, self._resolve)
        except wire.MessageTooLarge as error:
            raise StudentKernelError(f"your code's answer was too large for the grader: {error}") from None
        except (ValueError, TypeError, KeyError, RecursionError, wire.WireError) as error:
            raise StudentKernelError(f"your kernel answered with something that is not plain data ({error})") from None
        if not isinstance(response, dict):
            raise StudentKernelError("your kernel answered with something that is not plain data")
        if "error" in response:
            raise _student_exception(response["error"])
        return response.get("ok")

    def finish(self):
        """End the serve() loop of this referee cell, interrupting the student's code if it still runs."""
        if self._serving is None:
            return
        msg_id, self._serving = self._serving, None
        try:
            self._client.input("done")
            self._wait_reply(msg_id, time.monotonic() + 10)
        except (StudentKernelError, TimeoutError):
            self._broken = self._broken or "the kernel running your code stopped answering"

    def _next_answer(self):
        """The next answer of the serve() loop, answering callbacks on the way."""
        while True:
            message = self._poll(self._client.stdin_channel, self.deadline)
            if message is None:  # the serve() execution ended: the student's code stopped it
                self._serving = None
                raise StudentKernelError("your code stopped the grader's helper in your kernel (it replaced input() "
                                         "or exited); the tests could not call your functions")
            prompt = message["content"].get("prompt", "")
            if prompt.startswith(SERVE_PROMPT):
                return prompt[len(SERVE_PROMPT):]
            if prompt.startswith(CALLBACK_PROMPT):
                self._answer_callback(prompt[len(CALLBACK_PROMPT):])
            else:
                self._client.input("")  # the student's own input(): nobody is there to type

    def _poll(self, channel, deadline):
        """A message from `channel`; None if the serve() execution replied (ended) first."""
        while True:
            if not self._is_alive():
                self._broken = f"the kernel running your code stopped{self._reason_text()}"
                raise StudentKernelError(self._broken)
            if deadline is not None and time.monotonic() > deadline:
                self._give_up()
                raise TimeoutError("your code did not finish within the time limit of this test cell")
            if channel.msg_ready():
                return channel.get_msg(timeout=1)
            if self._serving is not None and self._client.shell_channel.msg_ready():
                reply = self._client.shell_channel.get_msg(timeout=1)
                if reply.get("parent_header", {}).get("msg_id") == self._serving:
                    return None
                continue
            self._wait_for_message()

    def _give_up(self):
        """After a timeout: interrupt the student's code and end the serve() loop if it answers."""
        if self._serving is None:
            return
        self._interrupt()
        deadline, self.deadline = time.monotonic() + 10, None
        try:
            while time.monotonic() < deadline:
                if self._client.stdin_channel.msg_ready():
                    prompt = self._client.stdin_channel.get_msg(timeout=1)["content"].get("prompt", "")
                    self._client.input("done" if prompt.startswith(SERVE_PROMPT) else "")
                    if prompt.startswith(SERVE_PROMPT):
                        break
                time.sleep(0.01)
            else:
                self._broken = "the kernel running your code did not stop when interrupted"
        finally:
            self._serving = None

    def _wait_reply(self, msg_id, deadline):
        while True:
            if not self._is_alive():
                self._broken = f"the kernel running your code stopped{self._reason_text()}"
                raise StudentKernelError(self._broken)
            if time.monotonic() > deadline:
                raise TimeoutError("the kernel did not answer")
            if self._client.stdin_channel.msg_ready():  # a leftover prompt of the student's code
                self._client.stdin_channel.get_msg(timeout=1)
                self._client.input("")
            if not self._client.shell_channel.msg_ready():
                self._wait_for_message()
                continue
            reply = self._client.shell_channel.get_msg(timeout=1)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply

    def _wait_for_message(self):
        """Sleep until the kernel sends a message, at most WAKE_MS (to look at its health and the deadline)."""
        self._poller.poll(WAKE_MS)

    def _reason_text(self):
        reason = self._death_reason()
        return f": it {reason}" if reason else " (it exited, crashed or was killed)"

    def _answer_callback(self, request_text):
        self._busy = True
        try:
            answer = {"ok": self._perform_callback(wire.loads(request_text, self._resolve))}
        except Exception as error:  # noqa: BLE001 (the student's kernel gets the error as the callback's answer)
            answer = {"error": [type(error).__name__, str(error)]}
        finally:
            self._busy = False
        try:
            text = wire.dumps(answer, self._callback_reference)
        except wire.WireError as error:
            text = wire.dumps({"error": ["TypeError", str(error)]}, self._callback_reference)
        self._client.input(text)

    def _perform_callback(self, request):
        target = self._callbacks[request["target"]]
        if request["op"] == "call":
            return target(*request["args"], **request["kwargs"])
        if request["op"] == "getattr" and isinstance(request["name"], str) and not request["name"].startswith("_"):
            value = getattr(target, request["name"])
            if callable(value) and getattr(value, "__self__", None) is not target:
                raise AttributeError(f"{request['name']} is not available to your code during grading")
            return value
        raise AttributeError("this is not available to your code during grading")

    def _callback_reference(self, value):
        """A test's object can hand the sandbox its bound methods, nothing else that is not data."""
        if callable(value) and getattr(value, "__self__", None) in self._callbacks.values():
            return self._reference(value)
        raise wire.WireError(f"a {type(value).__name__} cannot be sent to your code")


def _cut(message):
    message = str(message)
    if len(message) <= MAX_ERROR_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_ERROR_MESSAGE_CHARS]}... (cut: the message had {len(message):,} characters)"


def _student_exception(error):
    """The exception the student's code raised, as the builtin exception of that name if there is one."""
    try:
        name, message = error
    except (TypeError, ValueError):
        return StudentKernelError("your code failed")
    name, message = str(name)[:100], _cut(message)
    cls = getattr(builtins, str(name), None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)) or cls is StopIteration:
        return StudentKernelError(f"{name}: {message}")
    try:
        return cls(str(message))
    except Exception:  # noqa: BLE001 (an exception class that cannot be made from a message)
        return StudentKernelError(f"{name}: {message}")


class RefereeNamespace(dict):
    """The test cells' globals: a name no instructor cell defined is fetched from the student's kernel."""

    def __init__(self, channel):
        super().__init__(__name__="__main__", __builtins__=builtins)
        self._channel, self._fetched = channel, {}

    def new_cell(self):
        self._fetched = {}  # the student's names may have changed since the last test cell

    def end_cell(self):
        self._channel.finish()

    def __missing__(self, name):
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        if name not in self._fetched:
            found = self._channel.request({"op": "lookup", "names": [name]})
            if not isinstance(found, dict) or name not in found:
                raise KeyError(name)
            self._fetched[name] = found[name]
        return self._fetched[name]


def run_cell(source, namespace, grade_id="cell"):
    """Run a cell's code in `namespace`; return its outputs as nbformat outputs.

    Tracebacks carry the exception only, never the test's source lines, so feedback cannot show
    hidden tests.
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    outputs = []
    namespace.new_cell()
    try:
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            exec(compile(tree, f"<{grade_id}>", "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), f"<{grade_id}>", "eval"), namespace) if last else None
        error = None
    except BaseException as caught:  # noqa: BLE001 (an error in a test is its verdict)
        value, error = None, caught
    finally:
        namespace.end_cell()
    if stdout.getvalue():
        outputs.append(NotebookNode(output_type="stream", name="stdout", text=stdout.getvalue()))
    if stderr.getvalue():
        outputs.append(NotebookNode(output_type="stream", name="stderr", text=stderr.getvalue()))
    if error is not None:
        ename, evalue = type(error).__name__, str(error)
        outputs.append(NotebookNode(output_type="error", ename=ename, evalue=evalue,
                                    traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]))
    elif value is not None:
        outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                    data={"text/plain": repr(value)}))
    return outputs


def loaded_attribute(dotted):
    """(owner, name) of `dotted` ("keras.utils.set_random_seed") if its top module is already imported,
    else None: the referee never imports a course's library to patch it."""
    top, *path = dotted.split(".")
    owner = sys.modules.get(top)
    for part in path[:-1]:
        owner = getattr(owner, part, None) if owner is not None else None
    return (owner, path[-1]) if owner is not None and path and hasattr(owner, path[-1]) else None


def call_loaded(dotted_names, *args):
    """Call each function of `dotted_names` whose module is imported (a course's reset between notebooks)."""
    for dotted in dotted_names:
        found = loaded_attribute(dotted)
        if found is not None:
            getattr(*found)(*args)


def install_seed_forwarding(dotted_names, channel_holder):
    """A test that seeds with one of `dotted_names` (the configuration's, e.g. keras.utils.set_random_seed)
    also seeds the student's kernel with the same function: models built there start alike."""
    for dotted in dotted_names:
        found = loaded_attribute(dotted)
        if found is None or hasattr(getattr(*found), "__wrapped_original__"):
            continue
        owner, name = found
        original = getattr(owner, name)

        def seed_both(seed, original=original, dotted=dotted):
            original(seed)
            channel = channel_holder.get("channel")
            if channel is not None:
                channel.request({"op": "seed", "seed": int(seed), "function": dotted})

        seed_both.__wrapped_original__ = original
        setattr(owner, name, seed_both)
