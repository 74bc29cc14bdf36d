"""The explicit engine: breadth-first search of the interleaving graph.

States are tuples of ints, deduplicated; the graph (a networkx DiGraph,
node = state number, edge attribute ``action`` = action number) is built as
the search goes.  Breadth-first order means the first violating state found
has a shortest path from the initial state, so counterexamples are minimal.

Guards and updates are compiled once to Python functions (the same
``Expr`` trees the Z3 engine reads), which keeps the search fast enough to
run the whole catalogue in seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from .lang import to_python
from .model import Check, Condition, Model
from .verdict import Result, Trace, Verdict

Successors = Callable[[tuple[int, ...]], list[tuple[int, tuple[int, ...]]]]


def compile_successors(model: Model) -> Successors:
    """One Python function: state -> [(action number, next state), ...]."""
    n = len(model.variables)
    lines = ["def successors(s):", "    out = []"]
    for number, action in enumerate(model.actions):
        updates = dict(action.updates)
        if not updates:
            nxt = "s"
        else:
            items = [to_python(updates[i]) if i in updates else f"s[{i}]"
                     for i in range(n)]
            nxt = "(" + ", ".join(items) + ",)"
        lines.append(f"    if {to_python(action.guard)}:")
        lines.append(f"        out.append(({number}, {nxt}))")
    lines.append("    return out")
    namespace: dict = {}
    exec(compile("\n".join(lines), f"<{model.name}>", "exec"), namespace)  # noqa: S102
    return namespace["successors"]


def compile_condition(condition: Condition) -> Callable[[tuple[int, ...]], bool]:
    source = f"lambda s: {to_python(condition.expr)}"
    return eval(compile(source, f"<{condition.label}>", "eval"))  # noqa: S307


@dataclass
class Exploration:
    """The reachable part of the graph, up to the bounds."""

    model: Model
    states: list[tuple[int, ...]] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    transitions: int = 0
    limit: str | None = None  # which bound stopped the search, if any

    @property
    def complete(self) -> bool:
        return self.limit is None


def explore(model: Model, progress: Callable[[int, int], None] | None = None
            ) -> Exploration:
    """Breadth-first search from the initial state, within the model's bounds."""
    successors = compile_successors(model)
    init = model.initial_state()
    result = Exploration(model, [init], [0])
    index = {init: 0}
    graph = result.graph
    graph.add_node(0)
    queue = deque([0])
    max_states = model.max_states
    max_depth = model.max_depth
    while queue:
        current = queue.popleft()
        depth = result.depth[current]
        if progress is not None and current % 5000 == 0:
            progress(len(result.states), depth)
        for action, nxt in successors(result.states[current]):
            result.transitions += 1
            target = index.get(nxt)
            if target is None:
                if max_depth is not None and depth >= max_depth:
                    result.limit = f"depth bound {max_depth}"
                    continue
                if max_states is not None and len(result.states) >= max_states:
                    result.limit = f"state bound {max_states}"
                    continue
                target = len(result.states)
                index[nxt] = target
                result.states.append(nxt)
                result.depth.append(depth + 1)
                graph.add_node(target)
                queue.append(target)
            if not graph.has_edge(current, target):
                graph.add_edge(current, target, action=action)
    return result


def shortest_trace(exploration: Exploration, target: int) -> Trace:
    """A shortest path from the initial state to ``target``, as a trace."""
    path = nx.shortest_path(exploration.graph, 0, target)
    graph = exploration.graph
    steps = [graph.edges[a, b]["action"] for a, b in zip(path, path[1:])]
    return Trace.replay(exploration.model, steps)


def judge(exploration: Exploration, check: Check) -> Verdict:
    """The verdict on one property, from an exploration."""
    conditions = [(c, compile_condition(c)) for c in check.always]
    witness = compile_condition(check.witness)
    witnessed = False
    states = exploration.states
    for number, state in enumerate(states):
        for condition, holds in conditions:
            if not holds(state):
                trace = shortest_trace(exploration, number)
                trace.failed = condition
                return Verdict("violated", f"depth {len(trace.steps)}", trace,
                               depth=len(trace.steps))
        if not witnessed and witness(state):
            witnessed = True
    depth = max(exploration.depth)
    if not exploration.complete:
        return Verdict("unknown", f"{exploration.limit} reached after "
                       f"{len(states)} states (depth {depth}), no violation so far",
                       depth=depth)
    if not witnessed:
        return Verdict("unknown", f"vacuous: never \"{check.witness.label}\"",
                       depth=depth)
    return Verdict("holds", f"all {len(states)} states", depth=depth)


def check_model(model: Model, progress: Callable[[int, int], None] | None = None
                ) -> list[Result]:
    """Explore once, then judge every check of the model."""
    exploration = explore(model, progress)
    return [
        Result(check.name, judge(exploration, check), len(exploration.states),
               exploration.transitions, "explicit")
        for check in model.checks
    ]
