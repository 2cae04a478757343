"""Wrong implementations students really write, one module per unit (unitNN.py, list MISTAKES).

Each must lose the points of the tests named in its `loses` when graded with nbgrader.
"""
import importlib
import pkgutil

KNOWN_MISTAKES = {}
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("unit"):
        _mistakes = importlib.import_module(f"{__name__}.{_module.name}").MISTAKES
        _number = _module.name[len("unit"):]
        from autograder.course import source_units as _units
        for _unit in _units():
            if _unit.startswith(_number + "_"):
                KNOWN_MISTAKES[_unit] = _mistakes
