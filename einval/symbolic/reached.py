"""The reached states as a candidate invariant, which Z3 then proves.

The shipped models have a few thousand reachable states at most.  This
engine enumerates them itself, breadth-first, with the model's guards and
updates compiled to Python (the explicit engine's successor function,
compiled once per model from the same ``Expr`` trees; that engine's
search and its results are never read here), and
offers their disjunction, as a decision diagram, to Z3 as an invariant.  Z3 accepts it only if
the initial state is among them and no step of *its own* transition
relation leaves them: then it holds in every reachable state, for runs of
any length, whatever the enumeration got wrong.  An enumeration that
missed a state, or added one whose successors it lacks, makes the
candidate non-inductive (Z3 finds the step out, and the engine goes on
without it: k-induction and Houdini, as before); one that added states
closed under steps only weakens it (``Search.trusting`` says how the
engine then recovers its proofs).  So a proof that uses it rests on Z3
alone, and the candidate costs one query where Houdini's facts cost
thousands of terms and a hard query each round.

This is Houdini with the strongest candidate there is (Daikon-style
filtering taken to the end): the state set itself.  Beyond ``LIMIT``
states the enumeration stops and nothing is offered.

The enumeration proposes more, which Z3 checks the same way: its
breadth-first levels (``Reached.levelled``: no step from level ``j``
goes beyond ``j + 1``, so a property holding on the levels below ``d``
holds for the first ``d`` steps of every run), and the run by which it
first reached each state (``Reached.run``, confirmed by ``runs.py``).
Together they settle a shortest counterexample without unrolling
(``Search._certify``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import z3

from ..deadline import Deadline
from ..lang import BOOL, Expr, code, to_python
from ..model import Model
from ..search.compile import packs_to_bytes, successors_of
from .compile import Scratch, assert_terms, conj, disj, equal, implies, neg
from .system import System
from .unroll import check

LIMIT = 20000  # states; beyond, no candidate (the term would be too large)

State = tuple[int, ...]


def moves(model: Model):
    """``moves(state) -> list of (action number, successor state)``,
    compiled once.

    An update is applied even when it leaves the variable's domain, as
    the explicit semantics does: such a state then lies outside every
    domain constraint, and only weakens the candidate."""
    lines = ["def moves(s):", "    out = []"]
    for number, a in enumerate(model.actions):
        lines.append(f"    if {to_python(a.guard)}:")
        lines.append("        t = list(s)")
        values = ", ".join(to_python(e) for _, e in a.updates)
        targets = ", ".join(f"t[{i}]" for i, _ in a.updates)
        if a.updates:
            lines.append(f"        {targets}, = {values},")
        lines.append(f"        out.append(({number}, tuple(int(x) for x in t)))")
    lines.append("    return out")
    scope: dict = {}
    exec(code("\n".join(lines)), scope)  # noqa: S102 - our own source, from our own trees
    return scope["moves"]


def successors(model: Model):
    """``next(state) -> list of successor states``, compiled once."""
    step = moves(model)
    return lambda state: [after for _, after in step(state)]


def reachable(model: Model, limit: int = LIMIT) -> set[State] | None:
    """Every state reachable from the initial one, or None past ``limit``."""
    found = levels(model, limit)
    return None if found is None else set(found)


@dataclass
class Enumeration:
    """The reached states, breadth-first: each with the fewest steps to
    it, and the state and action it was first reached from."""

    levels: dict[State, int]  # in the order found
    parents: dict[State, tuple[State, int]]

    def run(self, state: State) -> tuple[list[State], list[int]]:
        """A shortest run to ``state``: its states, from the initial one,
        and the numbers of the actions between them."""
        states, actions = [state], []
        while state in self.parents:
            state, action = self.parents[state]
            states.append(state)
            actions.append(action)
        return states[::-1], actions[::-1]


def levels(model: Model, limit: int = LIMIT) -> dict[State, int] | None:
    """Each reachable state with the fewest steps that reach it, or None
    past ``limit`` states."""
    found = explore(model, limit)
    return None if found is None else found.levels


def explore(model: Model, limit: int = LIMIT) -> Enumeration | None:
    """The reachable states breadth-first, or None past ``limit``.

    The successors are the explicit search's compiled function (one
    compile per model for both engines) when its states are bytes; an
    update that leaves a byte's range stops it, and this engine's own
    ``moves`` go on from the start (a proposal either way: Z3 checks it)."""
    if packs_to_bytes(model):
        try:
            found = _breadth_first(successors_of(model), bytes(model.initial_state()),
                                   limit)
        except ValueError:  # a value out of a byte's range: not packable
            found = None
        else:
            if found is None:
                return None
            return Enumeration({tuple(s): d for s, d in found.levels.items()},
                               {tuple(s): (tuple(p), a)
                                for s, (p, a) in found.parents.items()})
    return _breadth_first(moves(model), model.initial_state(), limit)


def _breadth_first(step, init, limit: int) -> Enumeration | None:
    seen = {init: 0}
    parents: dict = {}
    frontier = [init]
    depth = 0
    while frontier:
        depth += 1
        later = []
        for state in frontier:
            for action, after in step(state):
                if after not in seen:
                    seen[after] = depth
                    parents[after] = (state, action)
                    later.append(after)
        if len(seen) > limit:
            return None
        frontier = later
    return Enumeration(seen, parents)


class Diagram:
    """Terms over state 0 that follow a set of states as a decision
    diagram over the variables that vary in it: equal suffixes are one
    subterm, so Z3's clauses follow the set's structure instead of
    listing it (on the largest shipped model, 1640 states, Z3 took five
    times longer over a flat disjunction of the states)."""

    def __init__(self, system: System, states: dict[State, int]):
        self.system = system
        self.states = states
        s = system.state(0)
        self.ctx = s[0].ctx if s else z3.main_ctx()
        self.order = [i for i in system.moving if len({t[i] for t in states}) > 1]
        self.fixed = [i for i in system.moving if i not in set(self.order)]
        # One per system: the levels' diagrams test the same values.
        self._equal: dict[tuple[int, int], z3.ExprRef] = system.memo("diagram equal")

    def equal(self, i: int, value: int) -> z3.ExprRef:
        """Variable ``i`` of state 0 is ``value`` (false outside its domain:
        no state of Z3's relation has it)."""
        found = self._equal.get((i, value))
        if found is None:
            v = self.system.model.variables[i]
            x = self.system.state(0)[i]
            if v.sort == BOOL:
                found = x if value else neg(x)
            elif 0 <= value < v.domain.size:
                found = equal(x, self.system.value(i, value))
            else:
                found = z3.BoolVal(False, self.ctx)
            self._equal[i, value] = found
        return found

    def member(self) -> z3.BoolRef:
        """State 0 is one of the states."""
        first = next(iter(self.states))
        ands = [self.equal(i, first[i]).ast for i in self.fixed]
        if not self.order:
            return conj([*(self.equal(i, first[i]) for i in self.fixed),
                         z3.BoolVal(True, self.ctx)], self.ctx)
        scratch = Scratch(self.ctx)
        try:
            ands.append(self._node(scratch, 0, sorted(self.states), {}))
            return scratch.result(scratch.conj(ands))
        finally:
            scratch.release()

    def _node(self, scratch: Scratch, level: int, rows: list[State], unique: dict):
        """The raw term of the rows' suffixes from ``order[level]`` on (None:
        true, past the last variable); equal suffixes are one term."""
        if level == len(self.order):
            return None
        if len(rows) == 1:  # one path left: the same nested terms, built directly
            row, order = rows[0], self.order
            term = self.equal(order[-1], row[order[-1]]).ast
            for j in reversed(order[level:-1]):
                term = scratch.conj([self.equal(j, row[j]).ast, term])
            return term
        i = self.order[level]
        groups: dict[int, list[State]] = {}
        for row in rows:
            groups.setdefault(row[i], []).append(row)
        children = [(v, self._node(scratch, level + 1, groups[v], unique))
                    for v in sorted(groups)]
        key = (level, tuple((v, None if c is None else c.value) for v, c in children))
        found = unique.get(key)
        if found is None:
            arms = [self.equal(i, v).ast if c is None else
                    scratch.conj([self.equal(i, v).ast, c]) for v, c in children]
            found = unique[key] = arms[0] if len(arms) == 1 else scratch.disj(arms)
        return found


class Prover:
    """One solver with a step of the relation, asked whether candidate
    sets of states are closed under it."""

    def __init__(self, system: System, deadline: Deadline):
        self.system = system
        self.deadline = deadline
        self.solver = system.enc.solver()
        assert_terms(self.solver, system.in_domain(0))
        assert_terms(self.solver, system.step(0))
        values = system.param_values()
        self.pins = {z3.Bool(f"pin{i}"): i for i in values}
        assert_terms(self.solver, [z3.Implies(p, c) for p, c in zip(self.pins, values.values())])
        self.count = 0

    def unsat(self, query: z3.BoolRef) -> frozenset[int] | None:
        """The parameters used if ``query`` is unsatisfiable, else None."""
        self.count += 1
        literal = z3.Bool(f"query{self.count}")
        assert_terms(self.solver, implies(literal, query))
        if check(self.solver, [literal, *self.pins], self.deadline):
            return None
        return frozenset(self.pins[p] for p in self.solver.unsat_core() if p in self.pins)

    def closed(self, start: z3.BoolRef, step: z3.BoolRef) -> frozenset[int] | None:
        """The parameters used if the initial state satisfies ``start``
        and every step from a state satisfying ``step`` stays in it (a
        term over states 0 and 1); else None."""
        return self.unsat(self.leaving(start, step))

    def leaving(self, start: z3.BoolRef, step: z3.BoolRef) -> z3.BoolRef:
        """The initial state fails ``start``, or a step fails ``step``: one
        query for both (a check of the solver costs more than the
        disjunction's extra branch)."""
        return disj([conj([*self.system.initial(0), neg(start)]), neg(step)])


@dataclass
class Reached:
    """The reached states, proved an inductive invariant by Z3."""

    invariant: z3.BoolRef  # at step 0
    core: set[int]  # parameters (by index) the proof used
    depth: int  # steps to the farthest state
    levels: dict[State, int]  # each state, with the fewest steps to it
    found: Enumeration
    diagram: Diagram
    prover: Prover
    within: list[z3.BoolRef] = field(default_factory=list)  # proved: ``levelled``
    nearest_found: dict[str, State | None] = field(default_factory=dict)  # ``nearest``
    sources: dict[int, tuple[Expr, str]] = field(default_factory=dict)  # ``_source``

    def first(self, expr: Expr) -> int | None:
        """The fewest steps to a state where ``expr`` holds, as the
        enumeration says (None: nowhere).  Only a hint of where to look:
        Z3 still has to find the run."""
        state = self.nearest(expr)
        return None if state is None else self.levels[state]

    def nearest(self, expr: Expr) -> State | None:
        """The first state found where ``expr`` holds (None: nowhere);
        each expression's answer is kept (the engine asks twice)."""
        source = self._source(expr)
        if source not in self.nearest_found:
            self.look_for([expr])
        return self.nearest_found[source]

    def _source(self, expr: Expr) -> str:
        """``to_python(expr)``, made once per tree asked about (kept with
        it: its identity is not reused)."""
        found = self.sources.get(id(expr))
        if found is None:
            found = self.sources[id(expr)] = (expr, to_python(expr))
        return found[1]

    def look_for(self, exprs: list[Expr]) -> None:
        """Find the first state of each expression in one pass over the
        states, with one compiled function (``nearest`` then answers)."""
        sources = list(dict.fromkeys(s for s in map(self._source, exprs)
                                     if s not in self.nearest_found))
        if not sources:
            return
        lines = ["def scan(states):", f"    first = [None] * {len(sources)}",
                 f"    left = {len(sources)}", "    for s in states:"]
        for n, source in enumerate(sources):
            lines += [f"        if first[{n}] is None and {source}:",
                      f"            first[{n}] = s", "            left -= 1"]
        lines += ["        if not left:", "            break", "    return first"]
        scope: dict = {}
        exec(code("\n".join(lines)), scope)  # noqa: S102 - our own source, from our own trees
        self.nearest_found.update(zip(sources, scope["scan"](self.levels)))

    def run(self, expr: Expr) -> tuple[list[State], list[int]] | None:
        """A shortest run to a state where ``expr`` holds, as the
        enumeration says: a proposal, which Z3 confirms (``runs.py``)."""
        state = self.nearest(expr)
        return None if state is None else self.found.run(state)

    def levelled(self, steps: int) -> bool:
        """Whether Z3 proves the breadth-first levels below ``steps``: the
        initial state is in level 0, and each step from a
        state of level ``j`` goes to one of level ``j + 1`` or less, for
        each ``j < steps - 1``.  Then, by induction on ``j``, a state ``j
        < steps`` steps from the initial one is at level ``j`` or less, so
        a goal that holds in every state of a level below ``steps``
        holds for the first ``steps`` steps of every run (``below``).

        Each level is a diagram of its own states (``Diagram``), so the
        levels cost one diagram of the whole set; one query asks for a
        step out of any of them (on the catalogue, a third of the time of
        one query per level, which itself took half the time of ranking
        the states with a number)."""
        if steps <= len(self.within):
            return True
        asked = self.levels_query(steps)
        if asked is None or self.prover.unsat(asked[1]) is None:
            return False
        self.within = asked[0]
        return True

    def levels_query(self, steps: int) -> tuple[list[z3.BoolRef], z3.BoolRef] | None:
        """The diagrams of the levels below ``steps``, each with the levels
        before it (``within``), and the query that refutes them (None: a
        level is empty, no breadth-first enumeration)."""
        frontier: dict[int, dict[State, int]] = {j: {} for j in range(steps)}
        for state, level in self.levels.items():
            if level < steps:
                frontier[level][state] = 0
        if not all(frontier.values()):
            return None
        exact = [Diagram(self.system, frontier[j]).member() for j in range(steps)]
        within = [disj(exact[:j + 1], exact[0].ctx) for j in range(steps)]
        leaving = [conj([exact[j - 1], neg(self.system.shift(within[j], 1))])
                   for j in range(1, steps)]
        start = conj([*self.system.initial(0), neg(exact[0])])
        return within, disj([start, *leaving])

    def deepest(self, goals: Sequence[Expr], bound: int) -> int:
        """The most steps to the first state of any of ``goals`` (the runs
        the engine will confirm), at most ``bound``; 0 if none is reached."""
        self.look_for(list(goals))
        return max((self.levels[s] for s in map(self.nearest, goals)
                    if s is not None and self.levels[s] <= bound), default=0)

    @property
    def system(self) -> System:
        return self.prover.system

    def below(self, steps: int) -> z3.BoolRef:
        """State 0 is at a level below ``steps`` (``levelled`` up to it)."""
        return self.within[steps - 1]


def prove(system: System, deadline: Deadline | None = None,
          failures: Sequence[Expr] = (), bound: int = 0) -> Reached | None:
    """The reached states, if Z3 proves them an inductive invariant of the
    (domain-blocked) relation; None if there are too many states or Z3
    finds a step out of them.

    ``failures``: states the engine will want shortest runs to (within
    ``bound`` steps): the levels below the deepest first one are proved
    in the same query (``levelled``), but for symbolic parameters, whose
    unsat core must be the reached states' own.  If that query fails,
    the reached states are asked alone.

    A solver that gives up at the run's ``deadline`` raises ``TimeLimit``."""
    found = explore(system.model)
    if found is None:
        return None
    diagram = Diagram(system, found.levels)
    inv = diagram.member()
    prover = Prover(system, deadline or Deadline())
    step = implies(inv, system.shift(inv, 1))
    result = Reached(inv, set(), max(found.levels.values()), found.levels, found,
                     diagram, prover)
    steps = 0 if system.symbolic_params else result.deepest(failures, bound)
    asked = result.levels_query(steps) if steps > 0 else None
    if asked is not None:
        core = prover.unsat(disj([prover.leaving(inv, step), asked[1]]))
        if core is not None:
            result.core, result.within = set(core), asked[0]
            return result
    core = prover.closed(inv, step)
    if core is None:
        return None
    result.core = set(core)
    return result
