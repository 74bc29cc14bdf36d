"""Finding designs, properties and scenarios: shipped ones by name, or files.

The shipped catalogue is installed inside the package (``einval.models``,
``einval.properties``, ``einval.scenarios``).  Anyone can also name a file
(``--design ./mine.py``, ``--scenario ./from-lkml.toml``): that is how a
scenario travels by mail.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import traceback
from importlib import resources
from pathlib import Path
from types import ModuleType

from . import scenario as scenario_file
from .design import Design
from .errors import InputError
from .property import Property
from .scenario import Scenario

DESIGNS = "einval.models"
PROPERTIES = "einval.properties"
SCENARIOS = "einval.scenarios"


def _looks_like_path(name: str, suffix: str) -> bool:
    return name.endswith(suffix) or "/" in name or "\\" in name


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise InputError("no such file", str(path))
    module_name = f"einval_user_{path.stem.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError("not a Python file", str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        raise InputError(f"syntax error: {err.msg}", str(path), err.lineno) from None
    except Exception as err:  # a user's file: report where it broke, one line
        frames = [f for f in traceback.extract_tb(err.__traceback__)
                  if f.filename == str(path)]
        line = frames[-1].lineno if frames else None
        raise InputError(f"{type(err).__name__}: {err}", str(path), line) from None
    return module


def _classes_in(module: ModuleType, base: type) -> list[type]:
    return [
        obj for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, base) and obj is not base
        and obj.__module__ == module.__name__
    ]


def _one_class(module: ModuleType, base: type, source: str) -> type:
    found = _classes_in(module, base)
    if len(found) != 1:
        raise InputError(
            f"expected exactly one {base.__name__} subclass, found {len(found)}",
            source)
    cls = found[0]
    if not cls.name:
        raise InputError(f"{cls.__name__} has no 'name'", source)
    return cls


def _shipped(package: str, base: type) -> list[type]:
    found = []
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        found.extend(_classes_in(module, base))
    return sorted(found, key=lambda c: (c.order, c.name))


def designs() -> list[type[Design]]:
    """The shipped designs, in catalogue order."""
    return _shipped(DESIGNS, Design)


def properties() -> list[type[Property]]:
    """The shipped properties, in catalogue order."""
    return _shipped(PROPERTIES, Property)


def scenario_names() -> list[str]:
    files = resources.files(SCENARIOS)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def _order_of_scenarios() -> list[str]:
    """Shipped scenarios in the order a reader meets them: simplest first."""
    preferred = ["one-thread", "two-threads", "go-unpinned", "go-pinned", "bpf-fentry"]
    names = scenario_names()
    return [n for n in preferred if n in names] + [n for n in names if n not in preferred]


def scenarios() -> list[Scenario]:
    return [scenario(n) for n in _order_of_scenarios()]


def _unknown(kind: str, name: str, known: list[str]) -> InputError:
    return InputError(f"unknown {kind} '{name}' (known: {', '.join(known)}; "
                      f"or give a file path)")


def design(name: str) -> type[Design]:
    """A shipped design by name, or the design in a ``.py`` file."""
    if _looks_like_path(name, ".py"):
        return _one_class(_import_file(Path(name)), Design, name)
    for cls in designs():
        if cls.name == name:
            return cls
    raise _unknown("design", name, [c.name for c in designs()])


def property_(name: str) -> type[Property]:
    """A shipped property by name, or the property in a ``.py`` file."""
    if _looks_like_path(name, ".py"):
        return _one_class(_import_file(Path(name)), Property, name)
    for cls in properties():
        if cls.name == name:
            return cls
    raise _unknown("property", name, [c.name for c in properties()])


def scenario(name: str) -> Scenario:
    """A shipped scenario by name, or a scenario file."""
    if _looks_like_path(name, ".toml"):
        return scenario_file.load(name)
    if name not in scenario_names():
        raise _unknown("scenario", name, _order_of_scenarios())
    text = resources.files(SCENARIOS).joinpath(f"{name}.toml").read_text("utf-8")
    return scenario_file.parse(text, f"scenarios/{name}.toml", name)
