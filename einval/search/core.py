"""Breadth-first search with compact storage and an early stop.

What is kept per state: the packed state itself (``bytes``, see
``compile``), once in a set for deduplication and once in the list that is
also the BFS queue; the index of the state it was first reached from, the
action that reached it and its depth, in ``array``s (4 bytes each).  No
graph object: a shortest path is the chain of parent indices, since in
breadth-first order the first time a state is reached is along a shortest
path.  (The old engine stored a networkx graph of every state and edge:
two thirds of its memory.)

Early stop: with ``watch`` the search judges every property as each new
state is found.  States are found in BFS order, so the first violating
state of a property is a shortest one, exactly the state a judgement after
the whole search would pick; the search stops once every watched property
is violated.  A property that holds still needs every reachable state (and
its witness), and a bound reached is never "holds": those verdicts are
left to ``judge`` as before.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..lang import Not, Or, code, evaluate, to_python
from ..model import Check, Model
from ..verdict import Trace
from .compile import State, Successors, condition_of, frozen_values, pack
from .fold import fold

Progress = Callable[[int, int], None]
Ample = Callable[[State, list], "list | None"]


@dataclass
class Exploration:
    """The reachable part of the state space, up to the bounds.

    ``states[i]`` is a packed state (a representative of its symmetry
    orbit when ``canon`` is set); ``parent[i]``, ``action[i]`` and
    ``depth[i]`` say how BFS first reached it (-1 for the initial state).
    """

    model: Model
    successors: Successors
    canon: Callable[[State], State] | None = None
    states: list[State] = field(default_factory=list)
    parent: array = field(default_factory=lambda: array("i"))
    action: array = field(default_factory=lambda: array("i"))
    depth: array = field(default_factory=lambda: array("I"))
    transitions: int = 0
    limit: str | None = None  # which bound stopped the search, if any
    violations: dict[str, int] = field(default_factory=dict)  # check -> first bad state
    witnessed: set[str] = field(default_factory=set)  # checks whose witness was met
    stopped: bool = False  # every watched check violated: the search stopped early
    settle: Callable[[State], State] | None = None  # observations forgotten once judged
    scanned: tuple[dict[str, int], set[str]] | None = None  # ``_scan``, once asked

    @property
    def complete(self) -> bool:
        """Every reachable state was stored."""
        return self.limit is None and not self.stopped

    @property
    def graph(self):  # -> networkx.DiGraph
        """The stored states as a networkx graph (node = state number, edge
        attribute ``action`` = the first action between them), for analyses
        and pictures of small scenarios: built on demand, by running the
        successors of every stored state once more."""
        import networkx as nx

        out = nx.DiGraph()
        out.add_nodes_from(range(len(self.states)))
        number = {state: i for i, state in enumerate(self.states)}
        for i, state in enumerate(self.states):
            for action, nxt in self.successors(state):
                if self.settle is not None and nxt not in number:
                    nxt = self.settle(nxt)
                target = number.get(self.canon(nxt) if self.canon else nxt)
                if target is not None and not out.has_edge(i, target):
                    out.add_edge(i, target, action=action)
        return out

    def _step(self, successors: list[tuple[int, State]], wanted: State
              ) -> tuple[int, State] | None:
        """The first successor stored as ``wanted``: as it is, or with the
        observations of settled calls forgotten (a path may pass through
        retrievals that settled them; the concrete state then goes on
        settled too, which no step reads, so the actions are the same)."""
        canon = self.canon
        assert canon is not None
        for number, nxt in successors:
            if canon(nxt) == wanted:
                return number, nxt
            if self.settle is not None:
                settled = self.settle(nxt)
                if settled is not nxt and canon(settled) == wanted:
                    return number, settled
        return None

    def path(self, target: int) -> list[int]:
        """State indices from the initial state to ``target``."""
        out = [target]
        while self.parent[out[-1]] >= 0:
            out.append(self.parent[out[-1]])
        return out[::-1]

    def trace(self, target: int) -> Trace:
        """A shortest run from the initial state to ``target``, replayed.

        Without symmetry the stored actions are the run.  With it, each
        stored state stands for its orbit, so the run is rebuilt forwards:
        from the concrete state reached so far, the first successor whose
        representative is the next state on the path (one exists, since
        the swap that took the stored state to this one maps its
        successors to this one's)."""
        path = self.path(target)
        if self.canon is None:
            return Trace.replay(self.model, [self.action[i] for i in path[1:]])
        current = pack(self.model, self.model.initial_state())
        actions = []
        for index in path[1:]:
            wanted = self.states[index]
            found = self._step(self.successors(current), wanted)
            if found is None:
                # Only when the compiled successors are not symmetric (a
                # broken engine, as fault injection makes): the model's own
                # semantics still has the step, so the trace shows it.
                found = self._step(_every_successor(self.model, current), wanted)
                assert found is not None, f"{self.model.name}: no step to state {index}"
            actions.append(found[0])
            current = found[1]
        return Trace.replay(self.model, actions)


def _every_successor(model: Model, state: State) -> list[tuple[int, State]]:
    """Successors by evaluating every action's trees (slow, no compiled code)."""
    out = []
    for number, action in enumerate(model.actions):
        if evaluate(action.guard, state):
            nxt = list(state)
            for index, expr in action.updates:
                nxt[index] = int(evaluate(expr, state))
            out.append((number, pack(model, nxt)))
    return out


class _Watch:
    """Judges checks on each new state; recompiled when one is decided.

    One generated function per concern: which undecided checks a state
    violates, and which unwitnessed checks it witnesses (bit masks)."""

    def __init__(self, model: Model, checks: Sequence[Check], exploration: Exploration,
                 stop_after: Sequence[str] = ()):
        self.stop_after = set(stop_after)
        self.model = model
        self.checks = list(checks)
        self.ex = exploration
        self.frozen = frozen_values(model)
        self.bad = self._compile("violated")
        self.good = self._compile("witnessed")

    def _compile(self, what: str) -> Callable[[State], int] | None:
        tests = []
        for bit, check in enumerate(self.checks):
            if what == "violated" and check.name not in self.ex.violations:
                expr = Or(Not(c.expr) for c in check.always)
            elif what == "witnessed" and check.name not in self.ex.witnessed:
                expr = check.witness.expr
            else:
                continue
            tests.append((bit, fold(expr, self.frozen)))
        if not tests:
            return None
        lines = ["def test(s):", "    m = 0"]
        for bit, expr in tests:
            lines += [f"    if {to_python(expr)}:", f"        m |= {1 << bit}"]
        lines.append("    return m")
        namespace: dict = {}
        exec(code("\n".join(lines), "exec", f"<{what}>"),  # noqa: S102
             namespace)
        return namespace["test"]

    def witness(self, state: State) -> None:
        """Record the checks whose witness ``state`` meets."""
        if self.good is not None:
            found = self.good(state)
            if found:
                for bit, check in enumerate(self.checks):
                    if found >> bit & 1:
                        self.ex.witnessed.add(check.name)
                self.good = self._compile("witnessed")

    def violates(self, state: State) -> bool:
        """``state`` violates some check not yet violated (nothing recorded:
        ``see`` does that once the state is stored)."""
        return self.bad is not None and self.bad(state) != 0

    def see(self, state: State, index: int) -> bool:
        """Judge one new state; True when every check is now violated."""
        if self.good is not None:
            found = self.good(state)
            if found:
                for bit, check in enumerate(self.checks):
                    if found >> bit & 1:
                        self.ex.witnessed.add(check.name)
                self.good = self._compile("witnessed")
        if self.bad is not None:
            found = self.bad(state)
            if found:
                for bit, check in enumerate(self.checks):
                    if found >> bit & 1:
                        self.ex.violations[check.name] = index
                self.bad = self._compile("violated")
                return self.bad is None or bool(
                    self.stop_after) and self.stop_after <= self.ex.violations.keys()
        return False


def search(model: Model, successors: Successors, *,
           canon: Callable[[State], State] | None = None,
           watch: Sequence[Check] = (), progress: Progress | None = None,
           settle: Callable[[State], State] | None = None,
           ample: Ample | None = None, stop_after: Sequence[str] = ()) -> Exploration:
    """Breadth-first search from the initial state, within the model's
    bounds; with ``watch``, stop once each of those checks is violated.

    With ``settle`` (``compile.compile_settle``; it needs every check of
    the model watched), the observations of a call are judged on the
    transition that settles them and then forgotten: the state is stored
    with them back at their initial values.  A transition that violates a
    check stores its state unsettled instead, so the trace ends in it.
    Only observations that nothing else reads are settled
    (``model.sound_settles``), so the forgotten values change no future
    step and no verdict, and shortest paths keep their lengths.

    With ``ample`` (``por.Reduction.ample``), a state is expanded along
    a stubborn set only, with the breadth-first cycle proviso (see
    ``por``); no depth bound then.  With ``stop_after``, the search also
    stops once each of those checks is violated."""
    init = pack(model, model.initial_state())
    if canon is not None:
        init = canon(init)
    ex = Exploration(model, successors, canon, [init], array("i", [-1]),
                     array("i", [-1]), array("I", [0]))
    if watch and {c.name for c in watch} >= {c.name for c in model.checks}:
        ex.settle = settle
    else:
        settle = None  # a check judged after the search needs every observation
    states, depth = ex.states, ex.depth
    seen = {init}
    watcher = _Watch(model, watch, ex, stop_after) if watch else None
    if watcher is not None and watcher.see(init, 0):
        ex.stopped = True
        return ex
    max_states, max_depth = model.max_states, model.max_depth
    if ample is not None:
        if max_depth is not None:
            raise ValueError("partial-order reduction keeps no depth bound")
        return _reduced(ex, seen, watcher, ample, progress)
    transitions = 0
    head = 0
    # Representatives of this level's successors: interleavings that
    # commute reach one state by several paths (a diamond), and the
    # representative is the costly part.  Cleared level by level, so it
    # holds one level's successors at most.
    cached: dict[State, State] = {}
    cached_level = 0
    while head < len(states):
        current = states[head]
        level = depth[head]
        if progress is not None and head % 5000 == 0:
            progress(len(states), level)
        for number, nxt in successors(current):
            transitions += 1
            if settle is not None and watcher is not None:
                settled = settle(nxt)
                if settled is not nxt:
                    if max_depth is not None and level >= max_depth:
                        ex.limit = f"depth bound {max_depth}"
                        continue
                    watcher.witness(nxt)
                    if not watcher.violates(nxt):
                        nxt = settled
            if nxt in seen:
                continue  # stored: with symmetry, already a representative
            if canon is not None:
                if level != cached_level:
                    cached.clear()  # a state's predecessors are one level up
                    cached_level = level
                rep = cached.get(nxt)
                if rep is None:
                    rep = cached[nxt] = canon(nxt)
                nxt = rep
                if nxt in seen:
                    continue
            if max_depth is not None and level >= max_depth:
                ex.limit = f"depth bound {max_depth}"
                continue
            if max_states is not None and len(states) >= max_states:
                ex.limit = f"state bound {max_states}"
                continue
            seen.add(nxt)
            if _store(ex, nxt, head, number, level, watcher):
                ex.transitions = transitions
                return ex
        head += 1
    ex.transitions = transitions
    return ex


def _store(ex: Exploration, nxt: State, head: int, number: int, level: int,
           watcher: _Watch | None) -> bool:
    """Store a new state reached from state ``head`` by action ``number``
    at ``level``; True when the watched checks are all decided (stop)."""
    ex.states.append(nxt)
    ex.parent.append(head)
    ex.action.append(number)
    ex.depth.append(level + 1)
    if watcher is not None and watcher.see(nxt, len(ex.states) - 1):
        ex.stopped = True
        return True
    return False


def first_violation(ex: Exploration, check: Check) -> tuple[int, int] | None:
    """(state index, condition number) of the first stored state that
    violates ``check``, in BFS order; None when none does."""
    if check.name in ex.violations:
        index = ex.violations[check.name]
        return index, _failing(ex, check, ex.states[index])
    if _own(ex, check):
        index = _scan(ex)[0].get(check.name)
        return None if index is None else (index, _failing(ex, check, ex.states[index]))
    conditions = [condition_of(ex.model, c) for c in check.always]  # not the model's
    for index, state in enumerate(ex.states):
        for number, holds in enumerate(conditions):
            if not holds(state):
                return index, number
    return None


def _failing(ex: Exploration, check: Check, state: State) -> int:
    for number, c in enumerate(check.always):
        if not condition_of(ex.model, c)(state):
            return number
    raise AssertionError(f"{check.name}: state {state!r} violates no condition")


def witnessed(ex: Exploration, check: Check) -> bool:
    """Some stored state satisfies the check's witness."""
    if check.name in ex.witnessed:
        return True
    if _own(ex, check):
        return check.name in _scan(ex)[1]
    test = condition_of(ex.model, check.witness)  # not one of the model's checks
    return any(test(state) for state in ex.states)


def _own(ex: Exploration, check: Check) -> bool:
    """``check`` is one of the explored model's own (``_scan`` judged it)."""
    return any(c is check for c in ex.model.checks)


def _scan(ex: Exploration) -> tuple[dict[str, int], set[str]]:
    """For every check of the model that the search did not judge: the
    first stored state that violates it, and whether one meets its
    witness, in one pass over the states with one generated function (not
    one pass and one compiled function per condition)."""
    if ex.scanned is not None:
        return ex.scanned
    frozen = frozen_values(ex.model)
    checks = ex.model.checks
    lines, bad_open, good_open = [], 0, 0
    for bit, check in enumerate(checks):
        if check.name not in ex.violations:
            bad_open |= 1 << bit
            test = to_python(fold(Or(Not(c.expr) for c in check.always), frozen))
            lines += [f"        if open_bad & {1 << bit} and {test}:",
                      f"            bad[{bit}] = n",
                      f"            open_bad &= ~{1 << bit}"]
        if check.name not in ex.witnessed:
            good_open |= 1 << bit
            test = to_python(fold(check.witness.expr, frozen))
            lines += [f"        if open_good & {1 << bit} and {test}:",
                      f"            open_good &= ~{1 << bit}"]
    source = "\n".join([
        "def scan(states):",
        f"    bad, open_bad, open_good = {{}}, {bad_open}, {good_open}",
        "    for n, s in enumerate(states):",
        "        if not (open_bad or open_good):",
        "            break",
        *lines,
        f"    return bad, {good_open} & ~open_good"])
    namespace: dict = {}
    exec(code(source, "exec", "<judge>"), namespace)  # noqa: S102
    bad, good = namespace["scan"](ex.states)
    ex.scanned = ({checks[bit].name: index for bit, index in bad.items()},
                  {c.name for bit, c in enumerate(checks) if good >> bit & 1})
    return ex.scanned


def _reduced(ex: Exploration, seen: set, watcher: _Watch | None, ample: Ample,
             progress: Progress | None) -> Exploration:
    """The search loop of ``search`` along stubborn sets (no depth bound).

    Proviso: if a reduced successor is a stored state not one level
    deeper, the state is fully expanded, so every cycle of the stored
    graph has a fully expanded state (``por``)."""
    model, successors, canon, settle = ex.model, ex.successors, ex.canon, ex.settle
    states, depth = ex.states, ex.depth
    max_states = model.max_states
    number_of = dict.fromkeys(seen, 0)  # stored state -> index
    transitions = 0
    head = 0

    def prepare(nxt: State) -> State:
        if settle is not None and watcher is not None:
            settled = settle(nxt)
            if settled is not nxt:
                watcher.witness(nxt)
                if not watcher.violates(nxt):
                    nxt = settled
        if canon is not None and nxt not in number_of:
            nxt = canon(nxt)
        return nxt

    while head < len(states):
        current = states[head]
        level = depth[head]
        if progress is not None and head % 5000 == 0:
            progress(len(states), level)
        full = successors(current)
        chosen = ample(current, full, ex.violations.keys(), ex.witnessed) \
            if len(full) > 1 else None
        found = []
        if chosen is not None:
            found = [(number, prepare(nxt)) for number, nxt in chosen]
            for _, nxt in found:
                index = number_of.get(nxt)
                if index is not None and depth[index] <= level:
                    chosen = None  # proviso: fully expanded
                    break
        if chosen is None:
            done = {number for number, _ in found}
            found += [(number, prepare(nxt)) for number, nxt in full if number not in done]
            found.sort(key=lambda item: item[0])
        for number, nxt in found:
            transitions += 1
            if nxt in number_of:
                continue
            if max_states is not None and len(states) >= max_states:
                ex.limit = f"state bound {max_states}"
                continue
            number_of[nxt] = len(states)
            if _store(ex, nxt, head, number, level, watcher):
                ex.transitions = transitions
                return ex
        head += 1
    ex.transitions = transitions
    return ex
