"""Subcommands that live in a file of their own.

Each module here defines ``add_parser(sub)``, which adds one subcommand
to the ``einval`` parser (``sub`` is argparse's subparsers object) and
sets ``func`` to the function that runs it. A new command is one new
file in this folder: the parser finds the modules by name, in
alphabetical order, so ``einval --help`` lists them the same way in any
process.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """Every command module of this package, alphabetically."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
