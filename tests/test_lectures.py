"""Every lecture notebook runs top to bottom without errors and writes nothing to stderr."""
import pytest

from conftest import LECTURES, execute, stderr_outputs


def test_there_is_a_lecture_for_every_assignment():
    from conftest import UNITS
    assert {p.stem for p in LECTURES} >= set(UNITS)


@pytest.mark.slow
@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_runs_cleanly(lecture):
    nb = execute(lecture)
    assert stderr_outputs(nb) == []
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, "a lecture shows at least one figure"
