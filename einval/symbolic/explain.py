"""Why a property holds: the design assumptions its proof cannot do without.

A frozen variable may carry an ``assumption`` sentence ("G1 is pinned to
M1 (runtime.LockOSThread)").  With the parameters symbolic, each pinned to
its scenario value by an assumption literal, the unsat cores of a proof's
queries name the parameters it used.  A core is only *sufficient*, though:
Z3 need not return a minimal one, and k-induction converges sooner with
every parameter fixed, so the core over-approximates.  Each assumption in
it is therefore dropped in turn (the parameter then takes every value of
its domain, each combination checked) and kept only if the property is no
longer proved without it.  The result is a minimal sufficient set: no
assumption in it can go, though another minimal set may exist (with two
goroutines each pinned to one of two OS threads, either pin alone keeps
the other goroutine where it is).
"""

from __future__ import annotations

from collections.abc import Callable

Prover = Callable[[frozenset[int]], set[int]]  # free parameters -> checks proved


def minimal_assumptions(cores: dict[int, set[int]], prove: Prover,
                        sentences: set[int]) -> dict[int, list[int]]:
    """For each proved check (index -> its core), a minimal set of the
    ``sentences`` parameters it needs, by deletion; ``prove`` is cached."""
    cache: dict[frozenset[int], set[int]] = {}

    def proved(free: frozenset[int]) -> set[int]:
        if free not in cache:
            cache[free] = prove(free)
        return cache[free]

    out: dict[int, list[int]] = {}
    for check, core in cores.items():
        free = frozenset(sentences - core)  # the core did without these
        if not core & sentences or check in proved(frozenset(sentences)):
            out[check] = []
            continue
        for param in sorted(core & sentences):
            if check in proved(free | {param}):
                free = free | {param}
        out[check] = sorted(sentences - free)
    return out
