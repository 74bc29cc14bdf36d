"""Which actions commute: read from the expression trees, not from designs.

Two actions are independent when neither writes a variable the other
reads or writes.  Then from any state where both are enabled, either order
reaches the same state and neither enables or disables the other, so a
search may fix one order (``System.ordered``).  Threads that touch only
their own buffers interleave freely in the world; this is what keeps the
solver from enumerating those interleavings.

Parameters with known values are folded away first: a goroutine's
guard reads "is the other goroutine pinned here", which with the other
goroutine unpinned reads nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..lang import fold, variables_of
from ..model import Action, Model


def footprint(action: Action, values: Mapping[int, int]
              ) -> tuple[frozenset[int], frozenset[int]]:
    """(variables read, variables written) by one action, parameters folded."""
    reads = set(variables_of(fold(action.guard, values)))
    for _, expr in action.updates:
        reads.update(variables_of(fold(expr, values)))
    writes = {index for index, _ in action.updates}
    return frozenset(reads), frozenset(writes)


def independent_below(model: Model, values: Mapping[int, int] | None = None
                      ) -> dict[int, list[int]]:
    """For each action number, the smaller action numbers independent of it.

    ``values``: parameters (frozen variables) whose value is fixed.
    """
    prints = [footprint(a, values or {}) for a in model.actions]
    out: dict[int, list[int]] = {}
    for b, (reads_b, writes_b) in enumerate(prints):
        out[b] = [
            a for a, (reads_a, writes_a) in enumerate(prints[:b])
            if not (writes_a & (reads_b | writes_b) or writes_b & reads_a)
        ]
    return out
