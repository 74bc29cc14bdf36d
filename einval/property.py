"""What a property is: conditions on every state, and a witness.

A property file in ``properties/`` subclasses ``Property`` and yields its
conditions for a given world.  The witness defaults to "some call failed
and its caller retrieved the explanation", so a property cannot hold just
because nothing happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from .model import Check, Condition

if TYPE_CHECKING:  # pragma: no cover
    from .world import World


class Property:
    """Base class of a property.  Subclasses set ``name`` and ``summary``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    order: ClassVar[int] = 100

    def conditions(self, world: World) -> Iterable[Condition]:
        """Conditions every reachable state must satisfy."""
        raise NotImplementedError

    def witness(self, world: World) -> Condition:
        """A condition some reachable state must satisfy."""
        return world.witness_failed_and_retrieved()

    def check(self, world: World) -> Check:
        return Check(self.name, self.summary, tuple(self.conditions(world)),
                     self.witness(world))
