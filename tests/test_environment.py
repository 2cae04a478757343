"""The two install paths (pip and conda) pin the same packages, and the course's packages install."""
import re
import sys

import yaml

from autograder.course import COURSE_ROOT

REQUIRED = {"jupyterlab", "nbgrader", "tensorflow-cpu", "keras", "numpy", "matplotlib"}


def pins(lines):
    found = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)==([^\s#]+)\s*(#.*)?", line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_requirements_pin_every_package_exactly():
    lines = [l for l in (COURSE_ROOT / "requirements.txt").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert len(pins(lines)) == len(lines), "every line of requirements.txt must be name==version"
    assert REQUIRED <= set(pins(lines))


def test_environment_yml_agrees_with_requirements():
    conda = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    requirements = pins((COURSE_ROOT / "requirements.txt").read_text().splitlines())
    assert pins(pip_section) == requirements
    assert "-e ." in pip_section, "environment.yml must install the course's own packages"
    assert "python=3.11" in conda["dependencies"]


def test_running_on_python_311():
    assert sys.version_info[:2] == (3, 11)


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version
    for name, pinned in pins((COURSE_ROOT / "requirements.txt").read_text().splitlines()).items():
        assert version(name) == pinned, f"{name}: pinned {pinned}, installed {version(name)}"
