"""Finding designs, properties and scenarios: shipped ones by name, or files.

The catalogue is three folders: ``models/`` (designs), ``properties/`` and
``scenarios/``.  Which copy is used, first match wins:

1. the folder named by the environment variable ``EINVAL_CATALOGUE``;
2. the checkout einval runs from (``einval/`` beside ``pyproject.toml``),
   so ``python -m einval.cli`` and ``pytest`` in a checkout use the files
   being edited, whatever copy is installed;
3. the copy installed inside the package by ``pip install .``.

Catalogue files are loaded by path, once each.  Anyone can also name a
file (``--design ./mine.py``, ``--scenario ./from-lkml.toml``): that is how
a scenario travels by mail.  A design may be named with switches on
(``task-struct:in_task``) or by one of its variants (``shared-storage``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from functools import cache
from pathlib import Path
from types import ModuleType

from . import scenario as scenario_file
from .design import Choice, Design, choices_of
from .errors import InputError
from .property import Property
from .scenario import Scenario

PACKAGE = Path(__file__).resolve().parent
KINDS = ("models", "properties", "scenarios")


def root() -> Path:
    """The folder holding ``models/``, ``properties/`` and ``scenarios/``."""
    env = os.environ.get("EINVAL_CATALOGUE")
    if env:
        path = Path(env)
        if not all((path / kind).is_dir() for kind in KINDS):
            raise InputError(f"EINVAL_CATALOGUE={env}: expected the folders "
                             f"{', '.join(k + '/' for k in KINDS)} there")
        return path
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "models").is_dir():
        return checkout
    return PACKAGE


def folder(kind: str) -> Path:
    return root() / kind


def _looks_like_path(name: str, suffix: str) -> bool:
    return name.endswith(suffix) or "/" in name or "\\" in name


# -- Python files ---------------------------------------------------------
@cache
def _import_file(path: Path, prefix: str = "einval_user") -> ModuleType:
    """Import a design or property file by path, once; its errors are one
    line naming the file (a file may not end the process either)."""
    if not path.is_file():
        raise InputError("no such file", str(path))
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    module_name = f"{prefix}_{stem}_{abs(hash(str(path.resolve()))) % 10**8}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError("not a Python file", str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        raise InputError(f"syntax error: {err.msg}", str(path), err.lineno) from None
    except SystemExit as err:
        raise InputError(f"the file calls sys.exit({err.code!r}) when loaded",
                         str(path), _line(err, path)) from None
    except Exception as err:  # a user's file: report where it broke, one line
        raise InputError(f"{type(err).__name__}: {err}", str(path),
                         _line(err, path)) from None
    return module


def _line(err: BaseException, path: Path) -> int | None:
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if f.filename == str(path)]
    return frames[-1].lineno if frames else None


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
    if not isinstance(cls.name, str) or not cls.name:
        raise InputError(f"{cls.__name__} has no 'name'", source)
    return cls


def _shipped(kind: str, base: type) -> list[type]:
    found = []
    for path in sorted(folder(kind).glob("*.py")):
        if path.name.startswith("_"):
            continue
        found.extend(_classes_in(_import_file(path.resolve(), f"einval_{kind}"), base))
    return sorted(found, key=lambda c: (c.order, c.name))


# -- designs --------------------------------------------------------------
def design_classes() -> list[type[Design]]:
    """The shipped designs, in catalogue order."""
    return _shipped("models", Design)


def designs() -> list[Choice]:
    """Every row of ``einval compare``: each design, then its variants."""
    return [row for cls in design_classes() for row in choices_of(cls)]


def design(spec: str) -> Choice:
    """A design by name, variant name or ``.py`` file, with ``:switches``."""
    name, switches = spec, ""
    if ":" in spec and not spec.endswith(".py"):
        name, switches = spec.rsplit(":", 1)
    on = frozenset(s for s in switches.split(",") if s) if switches else frozenset()
    if switches and not on:
        raise InputError(f"design '{spec}': no switch named after ':'")
    if _looks_like_path(name, ".py"):
        base = Choice(_one_class(_import_file(Path(name).resolve()), Design, name))
    else:
        rows = {row.name: row for row in designs()}
        if name not in rows:
            raise _unknown("design", name, list(rows))
        base = rows[name]
    unknown = sorted(on - set(base.design.switches))
    if unknown:
        known = ", ".join(base.design.switches) or "none"
        raise InputError(f"design {base.design.name} has no switch '{unknown[0]}' "
                         f"(its switches: {known})")
    if not on:
        return base
    label = f"{base.name}:{','.join(sorted(on))}" if base.label else ""
    return Choice(base.design, base.switches | on, label)


# -- properties -----------------------------------------------------------
def properties() -> list[type[Property]]:
    """The shipped properties, in catalogue order."""
    return _shipped("properties", Property)


def property_(name: str) -> type[Property]:
    """A shipped property by name, or the property in a ``.py`` file."""
    if _looks_like_path(name, ".py"):
        return _one_class(_import_file(Path(name).resolve()), Property, name)
    for cls in properties():
        if cls.name == name:
            return cls
    raise _unknown("property", name, [c.name for c in properties()])


# -- scenarios ------------------------------------------------------------
def scenario_paths() -> list[Path]:
    """Shipped scenario files, by name."""
    return sorted(folder("scenarios").glob("*.toml"), key=lambda p: p.name)


def scenario_names() -> list[str]:
    return [p.stem for p in scenario_paths()]


def scenarios() -> list[Scenario]:
    return [scenario(str(p)) for p in scenario_paths()]


def scenario(name: str) -> Scenario:
    """A shipped scenario by name, or a scenario file."""
    if _looks_like_path(name, ".toml"):
        path = Path(name)
        shipped = folder("scenarios")
        try:
            source = f"scenarios/{path.resolve().relative_to(shipped.resolve())}"
        except ValueError:
            source = name
        return _load(path, source)
    names = scenario_names()
    if name not in names:
        raise _unknown("scenario", name, names)
    return _load(folder("scenarios") / f"{name}.toml", f"scenarios/{name}.toml")


# -- claims -----------------------------------------------------------------
def claims_folder() -> Path:
    """The claim files of ``einval claims``: ``claims/`` beside the other
    folders (``EINVAL_CATALOGUE``, a checkout), else the copy installed as
    ``einval/claims_data`` (``einval/claims.py`` is the code reading them).
    A catalogue copy without claims uses the ones shipped."""
    top = root()
    if (top / "claims").is_dir():
        return top / "claims"
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "claims").is_dir():
        return checkout / "claims"
    return PACKAGE / "claims_data"


def _load(path: Path, source: str) -> Scenario:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read scenario: {err.strerror}", source) from None
    text = scenario_file.decode(data, source)
    return scenario_file.parse(text, source, path.stem)


def _unknown(kind: str, name: str, known: list[str]) -> InputError:
    return InputError(f"unknown {kind} '{name}' (known: {', '.join(known)}; "
                      f"or give a file path)")
