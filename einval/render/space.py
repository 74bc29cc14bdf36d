"""The whole reachable graph of a small model, every edge kept.

The explicit engine keeps one action per pair of states, enough for a
shortest counterexample.  Choosing *which* shortest counterexample to
show (the clearest, one per distinct way a property breaks, a witness)
needs every action between every pair of states, so this module
re-explores the model breadth-first and keeps them all, every state as
a tuple of ints and without symmetry reduction (a trace names threads).
It reuses the engine's compiled successor function, so the two cannot
disagree on what a step does, and the depth of each state is the same.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..explicit import compile_condition, compile_successors
from ..model import Check, Condition, Model
from ..verdict import Trace

State = tuple[int, ...]


@dataclass
class Space:
    """Reachable states in breadth-first order; ``edges[n]``: every
    ``(action, target)`` leaving state ``n``, in action order."""

    model: Model
    states: list[State] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    edges: list[list[tuple[int, int]]] = field(default_factory=list)
    limit: str | None = None

    @property
    def complete(self) -> bool:
        return self.limit is None

    def fired(self) -> set[int]:
        """Action numbers that label at least one explored edge."""
        return {action for out in self.edges for action, _ in out}


def explore(model: Model) -> Space:
    """Breadth-first search within the model's bounds, keeping all edges."""
    successors = compile_successors(model)
    init = model.initial_state()
    space = Space(model, [init], [0], [])
    index = {init: 0}
    queue = deque([0])
    while queue:
        current = queue.popleft()
        depth = space.depth[current]
        out: list[tuple[int, int]] = []
        for action, packed in successors(space.states[current]):
            nxt = tuple(packed)  # the engine may pack states into bytes
            target = index.get(nxt)
            if target is None:
                if model.max_depth is not None and depth >= model.max_depth:
                    space.limit = f"depth bound {model.max_depth}"
                    continue
                if model.max_states is not None and len(space.states) >= model.max_states:
                    space.limit = f"state bound {model.max_states}"
                    continue
                target = len(space.states)
                index[nxt] = target
                space.states.append(nxt)
                space.depth.append(depth + 1)
                queue.append(target)
            out.append((action, target))
        space.edges.append(out)
    return space


#: Explored spaces of the models most recently asked about, newest last:
#: a run asks about one model several times (counts, clearest trace,
#: coverage), never about many at once, so a few are enough.
_SPACES: OrderedDict[int, tuple[Model, Space]] = OrderedDict()
KEEP = 8


def of(model: Model) -> Space:
    """The space of ``model``, explored once while it is among the last
    ``KEEP`` models asked about."""
    found = _SPACES.pop(id(model), None)
    if found is None or found[0] is not model:
        found = (model, explore(model))
    _SPACES[id(model)] = found
    while len(_SPACES) > KEEP:
        _SPACES.popitem(last=False)
    return found[1]


def failing(space: Space, check: Check) -> dict[int, Condition]:
    """Violating states, each with the first condition it breaks."""
    tests = [(c, compile_condition(c)) for c in check.always]
    out: dict[int, Condition] = {}
    for number, state in enumerate(space.states):
        for condition, holds in tests:
            if not holds(state):
                out[number] = condition
                break
    return out


def satisfying(space: Space, condition: Condition) -> list[int]:
    """States where ``condition`` holds, in breadth-first order."""
    test = compile_condition(condition)
    return [n for n, s in enumerate(space.states) if test(s)]


def switches(lanes: Iterable[str]) -> int:
    """How often consecutive steps change lane: the context switches."""
    out, last = 0, None
    for lane in lanes:
        if last is not None and lane != last:
            out += 1
        last = lane
    return out


def clearest(space: Space, targets: Iterable[int]) -> list[int] | None:
    """Actions of the clearest shortest path to any of ``targets``.

    Only targets at the smallest depth count, so the path is a shortest
    counterexample, as long as the engine's.  Among those paths: the
    fewest context switches, then the lexicographically smallest action
    numbers (a fixed, process-independent tie-break).  Dynamic
    programming over the breadth-first layers, keyed by (state, lane of
    the last step), since the cost of a step depends on the one before.
    """
    targets = list(targets)
    if not targets:
        return None
    depth = min(space.depth[t] for t in targets)
    goal = {t for t in targets if space.depth[t] == depth}
    lanes = [a.lane or a.actor for a in space.model.actions]
    # best[(state, lane)] = (switches, actions)
    layer: dict[tuple[int, str], tuple[int, tuple[int, ...]]] = {(0, ""): (0, ())}
    for _ in range(depth):
        nxt: dict[tuple[int, str], tuple[int, tuple[int, ...]]] = {}
        for (node, lane), (cost, path) in sorted(layer.items()):
            for action, target in space.edges[node]:
                if space.depth[target] != space.depth[node] + 1:
                    continue
                new_lane = lanes[action]
                value = (cost + (lane not in ("", new_lane)), path + (action,))
                key = (target, new_lane)
                if key not in nxt or value < nxt[key]:
                    nxt[key] = value
        layer = nxt
    found = [value for (node, _), value in layer.items() if node in goal]
    return list(min(found)[1]) if found else None


def clearest_trace(space: Space, targets: Iterable[int],
                   failed: Callable[[State], Condition | None] | None = None
                   ) -> Trace | None:
    """``clearest`` replayed as a trace (``failed`` names its condition)."""
    actions = clearest(space, targets)
    if actions is None:
        return None
    trace = Trace.replay(space.model, actions)
    if failed is not None:
        trace.failed = failed(trace.final)
    return trace


def never_fired(model: Model, fired: set[int]) -> list[str]:
    """Actions that never fired, an actor named once when none of its
    actions fired: where a property may hold only vacuously."""
    by_actor: dict[str, list[int]] = {}
    for number, action in enumerate(model.actions):
        by_actor.setdefault(action.actor, []).append(number)
    out = []
    for actor, numbers in by_actor.items():
        idle = [n for n in numbers if n not in fired]
        if idle and len(idle) == len(numbers):
            out.append(f"{actor} never acts")
        else:
            out += [f"{actor}: {model.actions[n].name}" for n in idle]
    return out
