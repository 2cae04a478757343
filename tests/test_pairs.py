"""Every notebook has a jupytext py:percent twin under paired/, with the same cells; build refuses pairs that differ."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

from autograder.build import build
from autograder.course import COURSE_ROOT, CourseError
from autograder.pairs import PAIRED, as_script, load_config, notebooks, pair_problems, paired_file
from conftest import LECTURES, UNITS

NOTEBOOKS = notebooks()
JUPYTEXT = str(Path(sys.executable).parent / "jupytext")


def twin_of(notebook, root=COURSE_ROOT):
    return Path(root) / PAIRED / Path(notebook).relative_to(COURSE_ROOT).with_suffix(".py")


def test_every_notebook_has_its_pair_and_they_agree():
    assert len(NOTEBOOKS) == len(UNITS) + len(LECTURES)
    assert pair_problems() == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_pair_is_where_the_layout_says_and_outside_source(notebook):
    """nbgrader copies every file of source/UNIT/ into the release; the twin must be under paired/."""
    twin = paired_file(notebook, load_config())
    assert twin == twin_of(notebook)
    assert twin.relative_to(COURSE_ROOT).parts[0] == PAIRED


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_round_trip_is_exact(notebook):
    """The script read back has the notebook's cells: types, sources and all their metadata, nbgrader's included."""
    nb = nbformat.read(notebook, as_version=4)
    text = twin_of(notebook).read_text(encoding="utf-8")
    assert as_script(nb, load_config()) == text, f"run `jupytext --sync {notebook.relative_to(COURSE_ROOT)}`"
    back = jupytext.reads(text, fmt="py:percent")
    assert [(c.cell_type, c.source, c.metadata) for c in back.cells] == \
           [(c.cell_type, c.source, c.metadata) for c in nb.cells]
    graded = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    assert all(meta["schema_version"] == 3 and "grade_id" in meta for meta in graded)


def test_jupytext_sync_changes_no_byte_in_either_direction(course_copy):
    """`jupytext --sync` from either side rewrites the other side exactly as committed (cell ids, kernel too)."""
    pairs = [(course_copy / n.relative_to(COURSE_ROOT), twin_of(n, course_copy)) for n in NOTEBOOKS]
    before = {path: path.read_bytes() for pair in pairs for path in pair}
    for side in (1, 0):  # first the scripts are newer, then the notebooks
        for pair in pairs:
            stamp = pair[side].stat().st_mtime + 10
            os.utime(pair[side], (stamp, stamp))
        result = subprocess.run([JUPYTEXT, "--sync", *(str(pair[side]) for pair in pairs)],
                                cwd=course_copy, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert {path: path.read_bytes() for path in before} == before, result.stdout


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_build_check_fails_on_an_edited_script_naming_the_pair_and_the_fix(course_copy, unit):
    script = course_copy / PAIRED / "source" / unit / f"{unit}.py"
    edit(script, "### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n    edited_in_the_script = True\n")
    notebook = f"source/{unit}/{unit}.ipynb"
    for check_only in (True, False):
        before = (course_copy / "release" / unit / f"{unit}.ipynb").read_bytes()
        with pytest.raises(CourseError) as error:
            build(check_only=check_only, root=course_copy)
        message = str(error.value)
        assert f"{notebook} and its paired script {PAIRED}/source/{unit}/{unit}.py differ" in message
        assert "+      edited_in_the_script = True" in message  # nbdime's diff: '+' is the script
        assert "[grade id " in message
        assert f"jupytext --sync {PAIRED}/source/{unit}/{unit}.py" in message
        assert f"jupytext --sync {notebook}" in message
        assert message.count(" differ ") == 1  # the other pairs agree
        assert (course_copy / "release" / unit / f"{unit}.ipynb").read_bytes() == before


def test_build_check_fails_on_an_edited_notebook_and_on_nbgrader_metadata(course_copy):
    """Points changed in the notebook only, and a lecture cell changed in the notebook only."""
    unit = UNITS[0]
    path = course_copy / "source" / unit / f"{unit}.ipynb"
    nb = nbformat.read(path, as_version=4)
    graded = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("points"))
    graded.metadata.nbgrader.points += 1
    nbformat.write(nb, path)
    lecture = course_copy / "notebooks" / LECTURES[0].name
    nb = nbformat.read(lecture, as_version=4)
    nb.cells[0].source += "\nA sentence added in the notebook."
    nbformat.write(nb, lecture)
    with pytest.raises(CourseError) as error:
        build(check_only=True, root=course_copy)
    message = str(error.value)
    assert f"/metadata/nbgrader/points [grade id {graded.metadata.nbgrader.grade_id}]:" in message
    assert f"notebooks/{LECTURES[0].name} and its paired script {PAIRED}/notebooks/{LECTURES[0].stem}.py" in message
    assert "-  A sentence added in the notebook." in message  # '-' is the notebook


def test_same_cells_written_differently_are_in_sync(course_copy):
    """Pairs are compared by their cells, not their bytes: metadata keys in another order are fine."""
    script = twin_of(NOTEBOOKS[0], course_copy)
    edit(script, 'nbgrader={"grade": false, "grade_id": "intro",', 'nbgrader={"grade_id": "intro", "grade": false,')
    assert pair_problems(course_copy) == []


def test_missing_and_orphan_scripts_and_notebook_metadata_are_reported(course_copy):
    unit, lecture = UNITS[-1], LECTURES[-1]
    (course_copy / PAIRED / "source" / unit / f"{unit}.py").unlink()
    shutil.move(course_copy / PAIRED / "notebooks" / f"{lecture.stem}.py",
                course_copy / PAIRED / "notebooks" / "renamed.py")
    path = course_copy / "source" / UNITS[0] / f"{UNITS[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}  # what JupyterLab's "Pair with" menu writes
    nbformat.write(nb, path)
    problems = "\n".join(pair_problems(course_copy))
    assert f"source/{unit}/{unit}.ipynb has no paired script {PAIRED}/source/{unit}/{unit}.py" in problems
    assert f"notebooks/{lecture.name} has no paired script" in problems
    assert f"{PAIRED}/notebooks/renamed.py has no notebook notebooks/renamed.ipynb" in problems
    assert f"source/{UNITS[0]}/{UNITS[0]}.ipynb sets its own jupytext pairing" in problems


def test_metadata_filters_written_by_jupyterlab_are_accepted(course_copy):
    """Saving a pair in JupyterLab adds jupytext's filters to the notebook's metadata; the pair still agrees."""
    path = course_copy / "source" / UNITS[0] / f"{UNITS[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.metadata["jupytext"] = {"cell_metadata_filter": "nbgrader,tags", "notebook_metadata_filter": "-all"}
    nbformat.write(nb, path)
    assert pair_problems(course_copy) == []


def test_a_configuration_pairing_inside_source_is_refused(course_copy):
    """jupytext.toml changed to pair next to the notebook: the scripts would reach the release."""
    (course_copy / "jupytext.toml").write_text('formats = "ipynb,py:percent"\n')
    problems = pair_problems(course_copy)
    assert any(f"pairs source/{UNITS[0]}/{UNITS[0]}.ipynb with source/{UNITS[0]}/{UNITS[0]}.py, inside source/"
               in problem for problem in problems), problems


def test_release_notebooks_are_not_paired():
    """JupyterLab's jupytext extension must not write scripts next to the students' notebooks."""
    config = load_config()
    for unit in UNITS:
        assert paired_file(COURSE_ROOT / "release" / unit / f"{unit}.ipynb", config) is None


@pytest.mark.parametrize("keep", ["script", "notebook"])
def test_the_commands_in_the_message_make_the_chosen_side_win(course_copy, keep):
    unit = UNITS[0]
    script = course_copy / PAIRED / "source" / unit / f"{unit}.py"
    notebook = course_copy / "source" / unit / f"{unit}.ipynb"
    edit(script, "### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n    edited_in_the_script = True\n")
    # The side to keep is the older file (a checkout leaves any order): the commands must not rely on it.
    now = time.time()
    kept, other = (script, notebook) if keep == "script" else (notebook, script)
    os.utime(kept, (now - 60, now - 60))
    os.utime(other, (now - 30, now - 30))
    [message] = pair_problems(course_copy, [unit])
    command = next(line.split(":", 1)[1].strip() for line in message.splitlines()
                   if line.strip().startswith(f"keep the {keep}:"))
    command = command.replace(".venv/bin/jupytext", JUPYTEXT)
    subprocess.run(command, shell=True, cwd=course_copy, check=True, capture_output=True)
    assert pair_problems(course_copy, [unit]) == []
    script_won = "edited_in_the_script = True" in notebook.read_text(encoding="utf-8")
    assert script_won == (keep == "script")
