"""`make start NO_BROWSER=1` serves JupyterLab on the course with its kernel and nbgrader."""
import json
import sys
from pathlib import Path

import pytest

from autograder.course import COURSE_ROOT

# One worker owns the server (the course_server fixture) for these tests and the browser tests.
pytestmark = [pytest.mark.xdist_group("jupyter"), pytest.mark.slow]


def test_prints_the_url_to_open(course_server):
    assert f"http://127.0.0.1:{course_server.port}/lab" in course_server.log.read_text()


def test_serves_the_release_notebooks_and_lectures(course_server):
    for unit in sorted(p.name for p in (COURSE_ROOT / "source").iterdir()):
        status, _ = course_server.get(f"/api/contents/release/{unit}/{unit}.ipynb?content=0")
        assert status == 200
    status, body = course_server.get("/api/contents/notebooks")
    assert status == 200 and json.loads(body)["content"]


def test_python3_kernel_runs_the_course_environment(course_server):
    _, body = course_server.get("/api/kernelspecs")
    spec = json.loads(body)["kernelspecs"]["python3"]["spec"]
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()


def test_nbgrader_extensions_are_enabled(course_server):
    status, _ = course_server.get("/formgrader")
    assert status == 200
    _, body = course_server.get("/lab/api/extensions")
    names = {extension["name"] for extension in json.loads(body)}
    assert any("nbgrader" in name for name in names), names


def test_formgrader_knows_the_points_of_every_unit(course_server):
    """make start fills gradebook.db, so the formgrader shows each unit's points, not 0."""
    _, body = course_server.get("/formgrader/api/assignments")
    points = {assignment["name"]: assignment["max_score"] for assignment in json.loads(body)}
    assert set(points) == {p.name for p in (COURSE_ROOT / "source").iterdir() if p.is_dir()}
    assert all(score > 0 for score in points.values()), points


def test_jupyterlab_asks_nothing_of_a_first_time_user(course_server):
    """No "get Jupyter news?" prompt (the course works offline); a closed notebook frees its kernel."""
    def default(plugin, setting):  # make start's overrides become the settings' defaults
        _, body = course_server.get(f"/lab/api/settings/@jupyterlab/{plugin}")
        return json.loads(body)["schema"]["properties"][setting]["default"]
    assert default("apputils-extension:notification", "fetchNews") == "false"
    assert default("notebook-extension:tracker", "kernelShutdown") is True
