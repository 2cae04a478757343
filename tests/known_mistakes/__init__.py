"""Wrong implementations students really write, one module per unit (unitNN.py, list MISTAKES).

Each must lose the points of the tests named in its `loses` when graded with nbgrader. A module may
also list RIGHT_VARIANTS: correct implementations written another way than the reference (in place
on their own arrays, another order of operations), which must earn every point.
"""
import importlib
import pkgutil

KNOWN_MISTAKES = {}
RIGHT_VARIANTS = {}
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("unit"):
        _unit_module = importlib.import_module(f"{__name__}.{_module.name}")
        _mistakes = _unit_module.MISTAKES
        _number = _module.name[len("unit"):]
        from autograder.course import source_units as _units
        for _unit in _units():
            if _unit.startswith(_number + "_"):
                KNOWN_MISTAKES[_unit] = _mistakes
                RIGHT_VARIANTS[_unit] = getattr(_unit_module, "RIGHT_VARIANTS", [])
