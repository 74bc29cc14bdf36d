"""Which traces to show: the clearest shortest counterexample, one per
distinct way a property breaks, and a witness for a holding property.

All three are chosen on the fully explored graph (``space``), never by
a different notion of a step: every trace is replayed through the
model's semantics (``Trace.replay``) before it is shown.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..explicit import compile_condition
from ..model import Check, Condition, Model
from ..verdict import Result, Trace
from . import space as spaces

#: Past this many (state, actor set) pairs ``--all`` gives up and says so.
DISTINCT_LIMIT = 200_000


class TooLarge(Exception):
    """The search for distinct counterexamples would be too large."""


def failed_condition(check: Check):
    """state -> the first condition of ``check`` it breaks, or None."""
    tests = [(c, compile_condition(c)) for c in check.always]

    def first(state: tuple[int, ...]) -> Condition | None:
        return next((c for c, holds in tests if not holds(state)), None)

    return first


def counterexample(model: Model, check: Check) -> Trace | None:
    """The clearest shortest counterexample, or None when none is reachable."""
    space = spaces.of(model)
    return spaces.clearest_trace(space, spaces.failing(space, check),
                                 failed_condition(check))


def witness(model: Model, check: Check) -> Trace | None:
    """The clearest shortest trace reaching the check's witness (a call
    fails and its caller reads the explanation): proof that a ``holds``
    was not vacuous."""
    space = spaces.of(model)
    return spaces.clearest_trace(space, spaces.satisfying(space, check.witness))


def models_for(designs: Sequence, scenarios: Sequence, properties: Sequence
               ) -> dict[tuple[str, str], Model]:
    """The ground model of each (design, scenario), keyed by their names,
    as the runner builds them (for witnesses of holding properties)."""
    from .. import world

    return {(d.name, s.name): world.build(s, d, properties)[0]
            for d in designs for s in scenarios}


#: Past this many states a counterexample is shown as the engine found
#: it: choosing the clearest would explore the graph a second time.
CLARIFY_LIMIT = 50_000


class EngineDisagreement(Exception):
    """The engine's shortest counterexample and the full graph's differ in
    length (the CLI reports it as ``ENGINES DISAGREE``, exit 2)."""


def clarify(results: Sequence[Result], limit: int = CLARIFY_LIMIT) -> list[Result]:
    """``results`` with each counterexample replaced by the clearest one of
    the same length (fewest context switches).  The length never changes:
    the engines' agreement on it is what ``--engine both`` checked, and a
    different length here is reported as a disagreement.  Models past
    ``limit`` states, or whose graph the bounds cut short, keep the
    engine's trace."""
    out = []
    for r in results:
        trace = r.verdict.trace
        if (trace is None or r.verdict.kind != "violated" or r.states > limit
                or r.clarified):
            out.append(r)
            continue
        space = spaces.of(trace.model)
        better = counterexample(trace.model, trace.model.check(r.property))
        if better is None or len(better.steps) != trace.length:
            if not space.complete:
                out.append(r)
                continue
            where = f"{r.design} in {r.scenario}" if r.design else trace.model.name
            raise EngineDisagreement(
                f"{where}: {r.property}: the engine's shortest "
                f"counterexample has {trace.length} steps, the explored graph's "
                f"{len(better.steps) if better else 'none'}")
        out.append(replace(r, verdict=replace(r.verdict, trace=better), clarified=True))
    return out


@dataclass
class Way:
    """One distinct way a property breaks: the condition that fails, the
    lanes (threads, goroutines, CPUs, programs) that took part, and the
    clearest shortest trace with exactly those."""

    condition: str
    lanes: tuple[str, ...]
    trace: Trace


def distinct(model: Model, check: Check, limit: int | None = None) -> list[Way]:
    """Every distinct way ``check`` breaks, one shortest trace each.

    Two counterexamples are the same way when they break the same
    condition with the same set of lanes; permutations of the same steps
    collapse.  A set of lanes that strictly contains another set that
    already breaks the same condition adds only bystanders and is left
    out.  Searched breadth-first over (state, lanes so far), never past a
    violating state, so each way's first trace is a shortest one.
    """
    limit = DISTINCT_LIMIT if limit is None else limit
    base = spaces.of(model)
    bad = spaces.failing(base, check)
    lanes = [a.lane or a.actor for a in model.actions]
    aug = spaces.Space(model)
    index: dict[tuple[int, frozenset], int] = {}

    def node(state: int, seen: frozenset, depth: int) -> int:
        key = (state, seen)
        if key not in index:
            if len(aug.states) >= limit:
                raise TooLarge(f"more than {limit} (state, actor set) pairs")
            index[key] = len(aug.states)
            aug.states.append(base.states[state])
            aug.depth.append(depth)
            aug.edges.append([])
            origin.append(key)
            queue.append(index[key])
        return index[key]

    origin: list[tuple[int, frozenset]] = []
    queue: deque[int] = deque()
    node(0, frozenset(), 0)
    while queue:
        current = queue.popleft()
        state, seen = origin[current]
        if state in bad:
            continue
        for action, target in base.edges[state]:
            nxt = node(target, seen | {lanes[action]}, aug.depth[current] + 1)
            if aug.depth[nxt] == aug.depth[current] + 1:
                aug.edges[current].append((action, nxt))
    groups: dict[tuple[str, frozenset], list[int]] = {}
    for number, (state, seen) in enumerate(origin):
        if state in bad:
            groups.setdefault((bad[state].label, seen), []).append(number)
    keep = [key for key in groups
            if not any(other[0] == key[0] and other[1] < key[1] for other in groups)]
    first = failed_condition(check)
    ways = []
    for label, seen in keep:
        trace = spaces.clearest_trace(aug, groups[label, seen], first)
        assert trace is not None
        ways.append(Way(label, tuple(sorted(seen)), trace))
    ways.sort(key=lambda w: (len(w.trace.steps), w.condition, w.lanes))
    return ways
