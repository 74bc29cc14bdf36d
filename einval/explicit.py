"""The explicit engine: breadth-first search of the interleaving graph.

Breadth-first order means the first violating state found has a shortest
path from the initial state, so counterexamples are minimal.  The search
itself lives in ``einval.search``: guards and updates compiled once to
Python (the same ``Expr`` trees the Z3 engine reads) and indexed by the
program-counter values they need, states packed into bytes, one parent
pointer per state instead of a graph, an early stop once every property
is violated, and symmetry reduction over interchangeable threads and
goroutines (on by default: it is only used where it is verified on the
model, see ``einval.search.symmetry``).

Verdicts: ``violated`` with a shortest trace when some stored state
violates a condition (even if a bound was reached); otherwise ``unknown``
when a bound was reached or the witness never was; otherwise ``holds``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

from .model import Check, Condition, Model
from .search import compile as _compile
from .search import core
from .search.compile import State, Successors, pack, packs_to_bytes
from .search.core import Exploration
from .verdict import Deferred, Result, Trace, Verdict

__all__ = ["Exploration", "check_model", "compile_condition", "compile_successors",
           "explore", "judge", "shortest_trace"]

Progress = Callable[[int, int], None]

# Partial-order reduction is off unless asked for (``por=True``, or
# ``EINVAL_POR=1`` for a whole run, the CLI included): reduced and
# unreduced searches agree (tests/test_search_por.py), but on the Go
# scenarios, where goroutines migrate between OS threads, nearly every
# step depends on every other: it saves under 5 % of the states there and
# costs several times the time (benchmarks/bench_search.py).
POR_DEFAULT = os.environ.get("EINVAL_POR", "") == "1"


def compile_successors(model: Model) -> Successors:
    """One Python function: state -> [(action number, next state), ...],
    compiled once per model (``search.compile.successors_of``)."""
    return _compile.successors_of(model)


def compile_condition(condition: Condition) -> Callable[[State], bool]:
    return _compile.compile_condition(condition)


def _canon(model: Model, symmetry: bool) -> Callable[[State], State] | None:
    if not symmetry:
        return None
    from .search import symmetry as sym

    return sym.canonicaliser(model, packs_to_bytes(model))


def _ample(model: Model, por: bool):
    if not por:
        return None
    from .search import por as partial_order

    found = partial_order.reduction(model)
    return None if found is None else found.ample


def explore(model: Model, progress: Progress | None = None, *, symmetry: bool = True,
            watch: tuple[Check, ...] | list[Check] = (), settle: bool = True,
            por: bool = False, stop_after: tuple[str, ...] = ()) -> Exploration:
    """Breadth-first search from the initial state, within the model's
    bounds; ``watch``: stop once each of these checks is violated (or
    once those named in ``stop_after`` are).
    ``settle``: when every check is watched, judge a call's observations on
    the transition that settles them and forget them (``model.Settle``).
    ``por``: along stubborn sets only (``search.por``; not with a depth
    bound): the same verdicts, but a trace need not be a shortest one."""
    return core.search(model, compile_successors(model), canon=_canon(model, symmetry),
                       watch=watch, progress=progress,
                       settle=_compile.compile_settle(model) if settle else None,
                       ample=_ample(model, por), stop_after=stop_after)


def shortest_trace(exploration: Exploration, target: int) -> Trace:
    """A shortest path from the initial state to ``target``, as a trace."""
    return exploration.trace(target)


def judge(exploration: Exploration, check: Check) -> Verdict:
    """The verdict on one property, from an exploration."""
    bad = core.first_violation(exploration, check)
    if bad is not None:
        depth = exploration.depth[bad[0]]  # breadth first: the run's length
        trace = Deferred(depth, partial(_trace_to, exploration, bad[0], check),
                         exploration.model)
        return Verdict("violated", f"depth {depth}", trace, depth=depth)
    states = len(exploration.states)
    depth = max(exploration.depth)
    if exploration.stopped:  # pragma: no cover - only stops when all are violated
        raise AssertionError(f"{check.name}: judged on a search stopped early")
    if not exploration.complete:
        return Verdict("unknown", f"{exploration.limit} reached after "
                       f"{states} states (depth {depth}), no violation so far",
                       depth=depth)
    if not core.witnessed(exploration, check):
        return Verdict("unknown", f"vacuous: never \"{check.witness.label}\"",
                       depth=depth)
    return Verdict("holds", f"all {states} states", depth=depth)


def _trace_to(exploration: Exploration, index: int, check: Check) -> Trace:
    """The shortest run to stored state ``index``, replayed, ending in the
    failure of ``check`` (made when the verdict's trace is first read:
    ``clarify`` usually shows a clearer one of the same length)."""
    trace = exploration.trace(index)
    trace.failed = _failed_in(check, trace)
    return trace


def _failed_in(check: Check, trace: Trace) -> Condition:
    """The first condition of ``check`` false in the trace's last state
    (with symmetry, the run's own state, not the stored representative)."""
    final = pack(trace.model, trace.final)
    for condition in check.always:
        if not _compile.condition_of(trace.model, condition)(final):
            return condition
    raise AssertionError(f"{check.name}: the trace ends in no violation")


def check_model(model: Model, progress: Progress | None = None, *,
                symmetry: bool = True, settle: bool = True,
                por: bool | None = None) -> list[Result]:
    """Explore once, judging as states are found (and a call's observations
    on the transition that settles them), then every check.

    With partial-order reduction (``por``, default ``POR_DEFAULT``) the
    verdicts come from the reduced search; when it finds a violation, the
    unreduced search (which stops once those checks are violated, at the
    end of the first level that violates each) gives the shortest trace.
    The depth of any other verdict is the reduced search's deepest level."""
    if por is None:
        por = POR_DEFAULT
    exploration = explore(model, progress, symmetry=symmetry, watch=model.checks,
                          settle=settle, por=por)
    reduced = por and model.max_depth is None
    bad = tuple(c.name for c in model.checks
                if reduced and core.first_violation(exploration, c) is not None)
    verdicts = [None if c.name in bad else judge(exploration, c) for c in model.checks]
    if bad:
        shortest = explore(model, progress, symmetry=symmetry, watch=model.checks,
                           settle=settle, stop_after=bad)
        # A state bound can stop the unreduced search first: the reduced
        # search's run is then still a real one, if not a shortest.
        verdicts = [judge(shortest if c.name in shortest.violations else exploration, c)
                    if v is None else v for c, v in zip(model.checks, verdicts)]
    return [
        Result(check.name, verdict, len(exploration.states), exploration.transitions,
               "explicit")
        for check, verdict in zip(model.checks, verdicts)
    ]
