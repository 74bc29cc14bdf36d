"""Pieces of the world: scenario tables, and the registry that finds them.

A piece is one kind of thing a scenario can contain: a 1:1 thread, a
goroutine, an OS thread, a BPF program, an interrupt, a signal.  Its class
says which TOML table holds it (``[[thread]]``), the schema of that table,
and what it adds to the world, in phases (``World.build`` calls them in
this order, for every piece, in ``order``):

- ``register``: tasks, frames, writers (tags), and the code of callers;
- ``declare``: state variables;
- ``bind``: conditions other code must respect (an OS thread held by a
  goroutine blocked in a syscall; a thread's code paused by its handler);
- ``actions``: its own steps (a raw syscall of the Go runtime, an interrupt).

Path steps (``einval.steps``) are registered the same way, by keyword.
Classes register themselves when their module is imported; the modules of
``einval.actors`` and ``einval.steps`` are imported by ``load``.  A new
piece is a new module there: nothing else needs an edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .schema import Field, Name, Where

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario
    from .world import World

PIECES: dict[str, type[Piece]] = {}  # table name -> class
PACKAGES = ("einval.actors", "einval.steps")
_loaded = False


class Piece:
    """One entry of a scenario table (``[[table]]``)."""

    table: ClassVar[str] = ""
    fields: ClassVar[Mapping[str, Field]] = {"name": Name()}
    order: ClassVar[int] = 100  # reading and building order
    summary: ClassVar[str] = ""
    provides_step: ClassVar[bool] = False  # its name may appear in a path
    most: ClassVar[int] = 6  # at most this many entries

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.__dict__.get("table"):
            PIECES[cls.table] = cls

    def __init__(self, values: dict[str, Any], where: Where):
        self.where = where
        self.name: str = values.get("name", "")
        for key, value in values.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        return f"{self.table}({self.name})"

    # -- reading -----------------------------------------------------------
    def check(self, scenario: Scenario) -> None:
        """Checks against the rest of the scenario, once every table is read
        and references are resolved; raise ``self.where.fail(...)``."""

    @classmethod
    def check_all(cls, entries: list[Any], scenario: Scenario) -> None:
        """Checks across all entries of this table."""

    def step(self, args: list[str], where: Where) -> Any:
        """The path step this entry stands for (``provides_step``)."""
        raise where.fail(f"'{self.name}' is not a step")

    # -- building ----------------------------------------------------------
    def register(self, world: World) -> None:
        """Add tasks, frames, writers and callers' code to ``world``."""

    def declare(self, world: World) -> None:
        """Declare state variables."""

    def bind(self, world: World) -> None:
        """Register conditions on other code (occupancy, pauses)."""

    def actions(self, world: World) -> None:
        """Add this piece's own actions."""


def load() -> dict[str, type[Piece]]:
    """Import every piece module once; the registry of tables."""
    global _loaded
    if not _loaded:
        for package in PACKAGES:
            pkg = importlib.import_module(package)
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
                importlib.import_module(f"{package}.{info.name}")
        _loaded = True
    return PIECES
