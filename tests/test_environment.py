"""One environment, four files that agree, and a .venv that holds it.

requirements.in says what the course asks for; `make lock` compiles it with uv into requirements.lock
(every distribution pinned and hashed, what `make setup` installs) and writes environment.yml's pip
section from the lock; pyproject.toml declares what the course's code imports.
"""
import ast
import re
import sys
import sysconfig
import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, distributions, packages_distributions, version

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder.course import COURSE_ROOT

RELOCK = "edit requirements.in if needed, then run `make lock`"
# Code that the course runs (autograder loads nbgrader_config.py) and code that only tests or develops it.
RUNTIME_CODE = ("autograder", "rnncourse", "nbgrader_config.py")
DEV_CODE = ("tests", "tools", "benchmarks")
# `make hub`'s code: the course's packages plus the [project.optional-dependencies] hub extra (JupyterHub).
HUB_CODE = ("hub",)
PIN = r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)"


@cache
def lock():
    """{name: (version, number of hashes)} of requirements.lock, and the lines that are no such pin."""
    entries, bad = {}, []
    text = (COURSE_ROOT / "requirements.lock").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        if not line:
            continue
        match = re.fullmatch(PIN + r"((?:\s+--hash=sha256:[0-9a-f]{64})*)", line)
        if match:
            entries[canonicalize_name(match.group(1))] = (match.group(2), match.group(3).count("--hash"))
        else:
            bad.append(line[:100])
    return entries, bad


def locked():
    return {name: pinned for name, (pinned, _) in lock()[0].items()}


def pyproject():
    return tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["project"]


def declared(groups):
    return {canonicalize_name(Requirement(r).name) for group in groups for r in group}


def test_running_on_python_311():
    assert sys.version_info[:2] == (3, 11)


def test_lock_pins_every_distribution_with_hashes():
    entries, bad = lock()
    assert entries, "requirements.lock pins nothing: run `make lock`"
    assert not bad, f"requirements.lock has lines that are not `name==version --hash=...`: {bad}; {RELOCK}"
    unhashed = sorted(name for name, (_, hashes) in entries.items() if hashes == 0)
    assert not unhashed, f"requirements.lock pins {unhashed} without --hash: {RELOCK}"


def test_requirements_in_is_in_the_lock():
    problems = []
    for number, line in enumerate((COURSE_ROOT / "requirements.in").read_text().splitlines(), 1):
        requirement, _, why = line.partition("#")
        if not requirement.strip():
            continue
        match = re.fullmatch(PIN, requirement.strip())
        if not match:
            problems.append(f"requirements.in:{number}: {requirement.strip()!r} is not pinned `name==version`")
            continue
        name, pinned = canonicalize_name(match.group(1)), match.group(2)
        if not why.strip():
            problems.append(f"requirements.in:{number}: {name} needs a comment that says why it is there")
        if name not in locked():
            problems.append(f"{name}=={pinned} is in requirements.in but not in requirements.lock: run `make lock`")
        elif locked()[name] != pinned:
            problems.append(f"requirements.in pins {name}=={pinned}, requirements.lock {locked()[name]}: "
                            "run `make lock`")
    assert not problems, "\n".join(problems)


def test_environment_yml_is_the_lock():
    conda = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    assert "python=3.11" in conda["dependencies"] and "pip" in conda["dependencies"], \
        "environment.yml must have python=3.11 and pip as conda dependencies: run `make lock`"
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert pip_section[-1] == "-e .", "environment.yml's pip section must end with `-e .`: run `make lock`"
    pins = {}
    for entry in pip_section[:-1]:
        match = re.fullmatch(PIN, entry.strip())
        assert match, f"environment.yml: {entry!r} is not `name==version`: run `make lock`"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"environment.yml lists {name} twice: run `make lock`"
        pins[name] = match.group(2)
    differ = sorted(f"{name}: environment.yml {pins.get(name, 'missing')}, lock {locked().get(name, 'missing')}"
                    for name in pins.keys() | locked().keys() if pins.get(name) != locked().get(name))
    assert not differ, f"environment.yml's pip section is not requirements.lock: {differ}; " \
        "run `make lock` (it writes environment.yml; do not edit it by hand)"


def test_pyproject_dependencies_are_locked():
    project = pyproject()
    groups = {"dependencies": project.get("dependencies", []),
              **{f"optional-dependencies.{k}": v for k, v in project.get("optional-dependencies", {}).items()}}
    problems = []
    for group, requirements in groups.items():
        for requirement in map(Requirement, requirements):
            name = canonicalize_name(requirement.name)
            if name not in locked():
                problems.append(f"pyproject.toml [project] {group} has {name}, which requirements.lock lacks: "
                                f"add it to requirements.in, then run `make lock`")
            elif not requirement.specifier.contains(locked()[name], prereleases=True):
                problems.append(f"pyproject.toml [project] {group} wants {requirement}, requirements.lock has "
                                f"{name}=={locked()[name]}: change the range or the pin in requirements.in, "
                                "then run `make lock`")
    assert not problems, "\n".join(problems)


def imported_modules(tree):
    """Top-level modules that a module imports: anywhere, in code strings it runs, or with `-m NAME`."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.partition(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "import" in node.value:
            found |= code_string_imports(node.value)
        elif isinstance(node, (ast.List, ast.Tuple)):
            items = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            found |= {module.partition(".")[0] for flag, module in zip(items, items[1:])
                      if flag == "-m" and isinstance(module, str)}
    return found


def code_string_imports(text):
    """Imports in a string of code; one that does not parse (a template, prose) line by line."""
    try:
        return imported_modules(ast.parse(text))
    except (SyntaxError, ValueError):
        found = set()
        for line in text.splitlines():
            if line.lstrip().startswith(("import ", "from ")):
                try:
                    found |= imported_modules(ast.parse(line.strip()))
                except (SyntaxError, ValueError):
                    pass  # prose that starts like an import
        return found


def first_party():
    """Modules of the course itself: its packages, and what tests/ imports from its own folder."""
    return {path.stem for folder in (COURSE_ROOT, COURSE_ROOT / "tests") for path in folder.iterdir()
            if path.suffix == ".py" or (path / "__init__.py").exists()}


def python_files(names):
    for name in names:
        path = COURSE_ROOT / name
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def test_every_imported_distribution_is_declared():
    project = pyproject()
    runtime = declared([project.get("dependencies", [])])
    dev = runtime | declared(project.get("optional-dependencies", {}).values())
    hub = runtime | declared([project.get("optional-dependencies", {}).get("hub", [])])
    module_owners = packages_distributions()
    ours = first_party() | set(sys.stdlib_module_names) | {"__future__"}
    problems = []
    for code, allowed, where in ((RUNTIME_CODE, runtime, "[project] dependencies"),
                                 (HUB_CODE, hub, "[project] dependencies or optional-dependencies.hub"),
                                 (DEV_CODE, dev, "[project] dependencies or optional-dependencies.dev")):
        for path in python_files(code):
            for module in sorted(imported_modules(ast.parse(path.read_text())) - ours):
                owners = {canonicalize_name(d) for d in module_owners.get(module, [])}
                if not owners:
                    problems.append(f"{path.relative_to(COURSE_ROOT)} imports {module}, which no installed "
                                    f"distribution provides: add it to requirements.in, run `make lock` "
                                    f"and `make setup`, and declare it in pyproject.toml's {where}")
                elif not owners & allowed:
                    problems.append(f"{path.relative_to(COURSE_ROOT)} imports {module} (from {sorted(owners)}): "
                                    f"declare it in pyproject.toml's {where}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_installed_versions_are_the_locked_ones():
    problems = []
    for name, pinned in locked().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "nothing"
        if installed != pinned:
            problems.append(f"{name}: locked {pinned}, installed {installed}")
    assert not problems, f"the environment is not requirements.lock: {problems}; run `make setup` " \
        "(or `make clean setup`)"


def test_nothing_installed_beyond_the_lock():
    # Only what pip installed into .venv: once imported, setuptools puts its vendored packages'
    # metadata (jaraco, zipp, ...) on sys.path, so distributions() alone depends on the tests before.
    site = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    extra = sorted({canonicalize_name(d.metadata["Name"]) for d in distributions(path=site)}
                   - locked().keys() - {canonicalize_name(pyproject()["name"])})
    assert not extra, f"installed but not in requirements.lock: {extra}; add what the course needs to " \
        "requirements.in and run `make lock`, then `make clean setup` for an environment that is exactly the lock"
