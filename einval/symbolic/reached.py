"""The reached states as a candidate invariant, which Z3 then proves.

The shipped models have a few thousand reachable states at most.  This
engine enumerates them itself, breadth-first, with the model's guards and
updates compiled to Python (``lang.to_python``: the same ``Expr`` trees,
not the explicit engine's search, whose results are never read here), and
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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from ..deadline import Deadline, TimeLimit
from ..lang import BOOL, Expr, to_python
from ..model import Model
from .system import System

LIMIT = 20000  # states; beyond, no candidate (the term would be too large)

State = tuple[int, ...]


def successors(model: Model):
    """``next(state) -> list of successor states``, compiled once.

    An update is applied even when it leaves the variable's domain, as
    the explicit semantics does: such a state then lies outside every
    domain constraint, and only weakens the candidate."""
    lines = ["def nxt(s):", "    out = []"]
    for a in model.actions:
        lines.append(f"    if {to_python(a.guard)}:")
        lines.append("        t = list(s)")
        values = ", ".join(to_python(e) for _, e in a.updates)
        targets = ", ".join(f"t[{i}]" for i, _ in a.updates)
        if a.updates:
            lines.append(f"        {targets}, = {values},")
        lines.append("        out.append(tuple(int(x) for x in t))")
    lines.append("    return out")
    scope: dict = {}
    exec("\n".join(lines), scope)  # noqa: S102 - our own source, from our own trees
    return scope["nxt"]


def reachable(model: Model, limit: int = LIMIT) -> set[State] | None:
    """Every state reachable from the initial one, or None past ``limit``."""
    found = levels(model, limit)
    return None if found is None else set(found)


def levels(model: Model, limit: int = LIMIT) -> dict[State, int] | None:
    """Each reachable state with the fewest steps that reach it, or None
    past ``limit`` states."""
    nxt = successors(model)
    init = model.initial_state()
    seen = {init: 0}
    frontier = [init]
    depth = 0
    while frontier:
        depth += 1
        later = []
        for state in frontier:
            for after in nxt(state):
                if after not in seen:
                    seen[after] = depth
                    later.append(after)
        if len(seen) > limit:
            return None
        frontier = later
    return seen


def _join(make, terms: Sequence[z3.ExprRef], ctx: z3.Context) -> z3.BoolRef:
    """``And``/``Or`` of many terms in one call into Z3: the Python
    wrappers check every argument's sort and context, which is most of
    the cost for terms of thousands of arguments."""
    array = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
    return z3.BoolRef(make(ctx.ref(), len(terms), array), ctx)


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
        self._equal: dict[tuple[int, int], z3.ExprRef] = {}

    def equal(self, i: int, value: int) -> z3.ExprRef:
        """Variable ``i`` of state 0 is ``value`` (false outside its domain:
        no state of Z3's relation has it)."""
        found = self._equal.get((i, value))
        if found is None:
            v = self.system.model.variables[i]
            x = self.system.state(0)[i]
            if v.sort == BOOL:
                found = x if value else z3.Not(x)
            elif 0 <= value < v.domain.size:
                found = x == self.system.value(i, value)
            else:
                found = z3.BoolVal(False, self.ctx)
            self._equal[i, value] = found
        return found

    def _build(self, leaf: Callable[[State], z3.ExprRef],
               node: Callable[[int, list[tuple[int, z3.ExprRef]]], z3.ExprRef]
               ) -> z3.ExprRef:
        unique: dict[tuple, z3.ExprRef] = {}

        def build(level: int, rows: list[State]) -> z3.ExprRef:
            if level == len(self.order):
                return leaf(rows[0])
            groups: dict[int, list[State]] = {}
            for row in rows:
                groups.setdefault(row[self.order[level]], []).append(row)
            children = [(v, build(level + 1, groups[v])) for v in sorted(groups)]
            key = (level, tuple((v, id(c)) for v, c in children))  # c: kept in unique
            found = unique.get(key)
            if found is None:
                found = unique[key] = node(self.order[level], children)
            return found

        return build(0, sorted(self.states))

    def member(self) -> z3.BoolRef:
        """State 0 is one of the states."""
        true = z3.BoolVal(True, self.ctx)

        def node(i: int, children: list[tuple[int, z3.ExprRef]]) -> z3.ExprRef:
            arms = [self.equal(i, v) if c is true else
                    _join(z3.Z3_mk_and, [self.equal(i, v), c], self.ctx)
                    for v, c in children]
            return arms[0] if len(arms) == 1 else _join(z3.Z3_mk_or, arms, self.ctx)

        first = next(iter(self.states))
        ands = [self.equal(i, first[i]) for i in self.fixed]
        ands.append(self._build(lambda _: true, node) if self.order else true)
        return _join(z3.Z3_mk_and, ands, self.ctx)


@dataclass
class Reached:
    """The reached states, proved an inductive invariant by Z3."""

    invariant: z3.BoolRef  # at step 0
    core: set[int]  # parameters (by index) the proof used
    depth: int  # steps to the farthest state
    levels: dict[State, int]  # each state, with the fewest steps to it

    def first(self, expr: Expr) -> int | None:
        """The fewest steps to a state where ``expr`` holds, as the
        enumeration says (None: nowhere).  Only a hint of where to look:
        Z3 still has to find the run."""
        test = eval(f"lambda s: {to_python(expr)}")  # noqa: S307 - our own source
        found = [level for state, level in self.levels.items() if test(state)]
        return min(found) if found else None


def prove(system: System, deadline: Deadline | None = None) -> Reached | None:
    """The reached states, if Z3 proves them an inductive invariant of the
    (domain-blocked) relation; None if there are too many states or Z3
    finds a step out of them.

    A solver that gives up at the run's ``deadline`` raises ``TimeLimit``."""
    deadline = deadline or Deadline()
    found = levels(system.model)
    if found is None:
        return None
    diagram = Diagram(system, found)
    inv = diagram.member()
    solver = system.enc.solver()
    solver.add(system.in_domain(0))
    solver.add(system.step(0))
    pins = {z3.Bool(f"pin{i}"): i for i in system.param_values()}
    solver.add([z3.Implies(p, c) for p, c in zip(pins, system.param_values().values())])
    start, step = z3.Bools("reached:init reached:step")
    solver.add(z3.Implies(start, z3.And(*system.initial(0), z3.Not(inv))))
    solver.add(z3.Implies(step, z3.And(inv, z3.Not(system.shift(inv, 1)))))

    def unsat(*literals: z3.ExprRef) -> frozenset[int] | None:
        """The parameters used if the literals are unsatisfiable, else None."""
        deadline.check()
        ms = deadline.milliseconds()
        if ms is not None:
            solver.set("timeout", ms)
        answer = solver.check(*literals, *pins)
        if answer == z3.unknown:
            if ms is not None:
                raise TimeLimit(deadline.detail)
            raise RuntimeError(f"z3 gave up: {solver.reason_unknown()}")
        if answer == z3.sat:
            return None
        return frozenset(pins[p] for p in solver.unsat_core() if p in pins)

    used: set[int] = set()
    for literal in (start, step):
        core = unsat(literal)
        if core is None:
            return None
        used |= core
    return Reached(inv, used, max(found.values()), found)
