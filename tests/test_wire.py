"""What crosses from a student's kernel to the referee is plain data, whatever the student sends."""
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
