"""What crosses from a student's kernel to the referee is plain data, whatever the student sends."""
import importlib.util
import json

import numpy as np
import pytest

from autograder import wire


def no_references(record):
    raise wire.WireError("no references here")


def roundtrip(value):
    return wire.loads(wire.dumps(value, no_references), no_references)


def test_plain_data_survives_the_trip():
    value = {"loss": np.float64(0.25), "grads": [np.arange(6.0).reshape(2, 3)[:, ::2], np.zeros((0, 4))],
             "shape": (2, 3), 7: None, "flag": True, "scalar": np.int32(3), "text": "é", "inf": float("inf")}
    back = roundtrip(value)
    assert back["loss"] == 0.25 and np.ndim(back["loss"]) == 0
    np.testing.assert_array_equal(back["grads"][0], [[0.0, 2.0], [3.0, 5.0]])
    assert back["grads"][1].shape == (0, 4)
    assert back["shape"] == (2, 3) and back[7] is None and back["flag"] is True
    assert back["scalar"].dtype == np.int32 and back["inf"] == float("inf")


@pytest.mark.parametrize("record", [
    {"__nd__": ["|O", [1], "AAAAAAAAAAA="]},                       # object arrays could hold anything
    {"__nd__": ["<f8", [2], "AAAAAAAAAAA="]},                      # data shorter than its shape
    {"__nd__": ["<f8", [-1], ""]},                                 # a negative shape
    {"__float__": "__import__('os')"},                            # only nan and the infinities
    {"__dict__": [[["a", "list"], 1]]},                            # a key that cannot be hashed
    {"__class__": "keras.Model"},                                  # no such record
])
def test_forged_records_are_refused(record):
    with pytest.raises(wire.WireError):
        wire.loads(json.dumps(record), no_references)


def test_student_objects_never_decode_as_values():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

    seen = []
    wire.dumps([AlwaysEqual(1.0), np.ma.masked_array([1.0])], lambda value: seen.append(value) or {"ref": len(seen)})
    assert [type(value) for value in seen] == [AlwaysEqual]  # a subclass of float is not sent as a float


# ---- the referee against an agent the student rewrote (no kernel: the agent's code runs here) ----

import time  # noqa: E402
import tracemalloc  # noqa: E402

from autograder import referee  # noqa: E402
from rnncourse import checks  # noqa: E402


class InProcessAgent:
    """The grader's agent, run in this process: a channel to a "student's kernel" with no kernel.

    Requests and answers still cross as JSON text through wire.dumps/loads, as they do over the
    kernel's stdin channel; `perform` can be replaced the way a student rewrites `autograder.agent`.
    """

    def __init__(self):
        # A fresh instance of the agent module (its own objects), as each kernel imports it.
        spec = importlib.util.find_spec("autograder.agent")
        self.agent = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.agent)

    def remote(self, value, **record):
        """A RemoteObject for `value` living in the agent, its reference record changed by `record`."""
        return referee.RemoteObject(self, {**self.agent._reference(value), **record})

    def request(self, message):
        text = wire.dumps(message, lambda value: {"__ref__": object.__getattribute__(value, "_key")})
        answer = wire.loads(self.agent.handle(text), lambda record: referee.RemoteObject(self, record))
        if "error" in answer:
            raise referee._student_exception(answer["error"])
        return answer.get("ok")


def forged_array_agent(claimed_shape, sent_array):
    """A rewritten agent that answers `.shape` with one thing and `np.asarray()` with another."""
    channel = InProcessAgent()
    honest = channel.agent._perform

    def perform(request):
        if request["op"] == "getattr" and request["name"] in ("shape", "ndim", "size"):
            return {"shape": claimed_shape, "ndim": len(claimed_shape), "size": int(np.prod(claimed_shape))}[request["name"]]
        if request["op"] == "getattr" and request["name"] == "dtype":
            return "float64"
        if request["op"] in ("array", "len"):
            return sent_array if request["op"] == "array" else claimed_shape[0]
        return honest(request)

    channel.agent._perform = perform
    return channel.remote(object(), types=["numpy:ndarray"])


def test_a_result_that_claims_a_shape_but_converts_to_an_empty_array_fails_with_its_shape():
    got = forged_array_agent((3, 1), np.zeros(0))
    with pytest.raises(AssertionError, match=r"h: expected shape \(3, 1\), got \(0,\)"):
        checks.check_close("h", got, np.ones((3, 1)))
    with pytest.raises(AssertionError, match=r"expected shape \(3, 1\), got \(0,\)"):
        checks.check_shape("h", forged_array_agent((3, 1), np.zeros(0)), (3, 1))


def test_a_remote_array_has_one_shape_dtype_and_length():
    got = forged_array_agent((3, 1), np.arange(5.0))
    array = np.asarray(got)
    assert (got.shape, got.ndim, got.size, got.dtype, len(got)) == ((5,), 1, 5, np.float64, 5)
    assert array.shape == (5,) and list(got) == [0.0, 1.0, 2.0, 3.0, 4.0] and got[4] == 4.0
    assert got.T.shape == (5,)


def test_an_array_answer_that_is_not_numbers_is_not_an_array():
    got = forged_array_agent((2,), ["a", "b"])
    with pytest.raises(AssertionError, match="expected an array of numbers"):
        checks.check_close("h", got, np.ones(2))
    with pytest.raises(TypeError):
        np.asarray(got)


def test_checks_refuse_object_arrays_with_a_clear_message():
    with pytest.raises(AssertionError, match="h: expected an array of numbers"):
        checks.check_close("h", [np.zeros(2), "x"], np.zeros(2))
    with pytest.raises(AssertionError, match=r"h: expected shape \(2, 3\), got \(0,\)"):
        checks.check_close("h", [], np.zeros((2, 3)))


def in_place_student_functions():
    def scale(x, factor):
        x *= factor
        return x

    def restore(x):  # unit 03's numerical_gradient: changes x, then puts every entry back
        total = 0.0
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + 1e-5
            total += float(np.sum(x))
            x[i] = old
        return total

    return scale, restore


def test_an_argument_changed_in_place_fails_only_the_check_that_asks_and_as_locally():
    channel = InProcessAgent()
    scale, _ = in_place_student_functions()
    x = np.arange(4.0)
    assert np.array_equal(checks.call(channel.remote(scale), x, 3.0), 3 * np.arange(4.0))  # no check asked
    with pytest.raises(AssertionError) as raised:
        checks.call(channel.remote(scale), x, 3.0, inputs_unchanged=True)
    assert np.array_equal(x, np.arange(4.0))  # the test's own array, untouched
    with pytest.raises(AssertionError) as locally:  # the course's own check, on the same function
        checks.call(scale, x, 3.0, inputs_unchanged=True)
    assert np.array_equal(x, np.arange(4.0))  # locally too: the function got a copy
    assert str(raised.value) == str(locally.value)
    assert "scale changed its argument x in place (at index (3,) it was 3 and is now 9; 3 of its 4 entries " \
           "changed): compute new arrays" in str(raised.value)


def test_a_call_after_one_that_changed_an_argument_starts_clean():
    channel = InProcessAgent()
    scale, _ = in_place_student_functions()
    remote = channel.remote(scale)
    assert np.array_equal(remote(x=np.ones(3), factor=2.0), 2 * np.ones(3))
    assert set(remote.arguments_after_call) == {"x"}
    remote(x=np.ones(2), factor=1.0)  # the next call that writes nothing clears it
    assert remote.arguments_after_call == {}


def test_parameter_names_from_the_student_kernel_are_used_only_if_they_are_identifiers():
    channel = InProcessAgent()
    scale, _ = in_place_student_functions()
    forged = channel.remote(scale, params=["x = __import__('os')", "factor"])
    with pytest.raises(AssertionError, match="scale changed its argument number 1 in place"):
        checks.call(forged, np.arange(4.0), 3.0, inputs_unchanged=True)


def test_a_change_the_size_of_rounding_is_no_change():
    """x + eps - 2 eps + eps leaves some entries one ulp off: that x is unchanged; a real change is not."""
    def round_trip(x, eps=1e-5):
        x += eps
        x -= 2 * eps
        x += eps
        return 0.0

    x = np.random.default_rng(3).normal(size=(40,))
    trial = x.copy()
    round_trip(trial)
    assert not np.array_equal(trial, x)  # the case this test is about: some bits differ
    checks.call(round_trip, x, inputs_unchanged=True)
    checks.call(InProcessAgent().remote(round_trip), x, inputs_unchanged=True)
    with pytest.raises(AssertionError, match="changed its argument x in place"):
        checks.call(lambda x: x.__iadd__(1e-9), x, inputs_unchanged=True)


def test_an_argument_changed_and_restored_is_not_a_change():
    channel = InProcessAgent()
    _, restore = in_place_student_functions()
    x = np.random.default_rng(0).normal(size=(3, 2))
    before = x.copy()
    assert channel.remote(restore)(x) == pytest.approx(6 * np.sum(before) + 6e-5)
    assert np.array_equal(x, before)


def test_a_student_exception_message_is_cut():
    def fails(x):
        raise ValueError("shapes do not match: " + repr(x.tolist()) * 1000)

    with pytest.raises(ValueError) as raised:
        InProcessAgent().remote(fails)(np.arange(50.0))
    message = str(raised.value)
    assert message.startswith("shapes do not match: [0.0, 1.0") and len(message) <= 600
    assert "cut" in message


def peak_memory_of(function):
    """(what function() returned or raised, peak bytes Python allocated meanwhile, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = function()
    except Exception as error:  # noqa: BLE001 (the outcome is what the test looks at)
        outcome = error
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, peak, seconds


@pytest.mark.parametrize("text", [
    "[" * 200_000 + "]" * 200_000,                       # nested deeper than any answer of the course
    "[" + "[]," * 3_000_000 + "[]]",                     # 3 million empty lists, 9 MB of text
    '{"ok": [' + "{\"a\":0}," * 1_000_000 + "0]}",       # a million small dicts
])
def test_a_message_that_would_decode_to_a_huge_structure_is_refused_quickly_and_cheaply(text):
    outcome, peak, seconds = peak_memory_of(lambda: wire.loads(text, no_references))
    assert isinstance(outcome, wire.WireError), type(outcome)
    assert "grader" in str(outcome)
    assert peak < 5_000_000 and seconds < 2, (peak, seconds)


def worst_accepted_messages():
    """The most expensive answers still under the limits: one array, many small containers, a long string."""
    cap, items = wire.MAX_MESSAGE_CHARS, wire.MAX_MESSAGE_ITEMS
    answer = '{"__dict__": [["ok", %s]]}'
    many = lambda item, separators: answer % ("[" + (item + ",") * (items // separators - 10) + item + "]")  # noqa: E731
    return {
        "array": wire.dumps({"ok": np.zeros((cap - 100) // 4 * 3 // 8)}, no_references),
        "empty lists": many("[]", 2),
        "floats": many("0.5", 1),
        "tuples": many('{"__tuple__":[]}', 4),
        "dicts": many('{"__dict__":[[0,0]]}', 6),
        "text": answer % ('"' + "\U0001d11e" * (cap - 40) + '"'),  # 4 bytes a character in memory
    }


@pytest.mark.parametrize("kind", list(worst_accepted_messages()))
def test_no_accepted_message_costs_the_referee_more_than_50_mb(kind):
    text = worst_accepted_messages()[kind]
    assert len(text) <= wire.MAX_MESSAGE_CHARS
    outcome, peak, _ = peak_memory_of(lambda: wire.loads(text, no_references))
    assert isinstance(outcome, dict), outcome
    print(f"{kind}: {len(text):,} characters, peak {peak / 1e6:.1f} MB")
    assert peak < 50_000_000, peak


def test_a_message_over_the_cap_is_refused_with_a_message_the_student_understands():
    text = json.dumps({"ok": "x" * (wire.MAX_MESSAGE_CHARS + 1)})
    with pytest.raises(wire.WireError, match="more than the grader accepts"):
        wire.loads(text, no_references)


def test_what_the_student_kernel_names_reaches_a_test_message_short():
    channel = InProcessAgent()
    remote = channel.remote(object(), name="leak" * 10_000, types=["x" * 10_000] * 1000)
    assert len(repr(remote)) < 200
    with pytest.raises(AssertionError) as raised:
        checks.check_equal("the decoded rows", ["hidden input"] * 10_000, [])
    assert len(str(raised.value)) < 700 and "characters" in str(raised.value)
