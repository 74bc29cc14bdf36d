"""The reached states as a candidate invariant, which Z3 then proves.

Every shipped model has a few thousand reachable states at most.  This
engine enumerates them itself, breadth-first, with the model's guards and
updates compiled to Python (``lang.to_python``: the same ``Expr`` trees,
not the explicit engine's search, whose results are never read here), and
offers their disjunction to Z3 as an invariant.  Z3 accepts it only if
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

from collections.abc import Sequence

import z3

from ..deadline import Deadline, TimeLimit
from ..lang import BOOL, to_python
from ..model import Model
from .system import System

LIMIT = 20000  # states; beyond, no candidate (the term would be too large)
DIAGRAM = True

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
    return None if found is None else found[0]


def levels(model: Model, limit: int = LIMIT) -> tuple[set[State], int] | None:
    """The reachable states and the number of steps to the farthest, or
    None past ``limit`` states."""
    nxt = successors(model)
    init = model.initial_state()
    seen = {init}
    frontier = [init]
    depth = -1
    while frontier:
        depth += 1
        later = []
        for state in frontier:
            for after in nxt(state):
                if after not in seen:
                    seen.add(after)
                    later.append(after)
        if len(seen) > limit:
            return None
        frontier = later
    return seen, depth


def _join(make, terms: Sequence[z3.ExprRef], ctx: z3.Context) -> z3.BoolRef:
    """``And``/``Or`` of many terms in one call into Z3: the Python
    wrappers check every argument's sort and context, which is most of
    the cost for terms of thousands of arguments."""
    array = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
    return z3.BoolRef(make(ctx.ref(), len(terms), array), ctx)


def disjunction(system: System, states: set[State]) -> z3.BoolRef:
    """State 0 is one of ``states`` (moving variables only): the variables
    that never change in them once, then one conjunction per state over
    the others."""
    model = system.model
    s = system.state(0)
    ctx = s[0].ctx if s else z3.main_ctx()
    ordered = sorted(states)
    cache: dict[tuple[int, int], z3.ExprRef] = {}

    def equal(i: int, value: int) -> z3.ExprRef:
        found = cache.get((i, value))
        if found is None:
            if model.variables[i].sort == BOOL:
                found = s[i] if value else z3.Not(s[i])
            elif 0 <= value < model.variables[i].domain.size:
                found = s[i] == system.value(i, value)
            else:  # outside the domain: no state of Z3's relation has it
                found = z3.BoolVal(False, ctx)
            cache[i, value] = found
        return found

    fixed = [i for i in system.moving if len({t[i] for t in ordered}) == 1]
    varying = [i for i in system.moving if i not in set(fixed)]
    ands = [equal(i, ordered[0][i]) for i in fixed]
    if varying:
        rows = [_join(z3.Z3_mk_and, [equal(i, t[i]) for i in varying], ctx)
                for t in ordered]
        ands.append(_join(z3.Z3_mk_or, rows, ctx))
    return _join(z3.Z3_mk_and, ands or [z3.BoolVal(True, ctx)], ctx)


def prove(system: System, deadline: Deadline | None = None
          ) -> tuple[z3.BoolRef, set[int], int] | None:
    """The reached states as a term at step 0, the parameters (by index)
    its proof used, and the steps to the farthest of them, if Z3 proves
    it an inductive invariant of the (domain-blocked) relation; None if
    there are too many states or Z3 finds a step out of them.

    A solver that gives up at the run's ``deadline`` raises ``TimeLimit``."""
    deadline = deadline or Deadline()
    found = levels(system.model)
    if found is None:
        return None
    states, depth = found
    inv = (diagram if DIAGRAM else disjunction)(system, states)
    solver = system.enc.solver()
    solver.add(system.in_domain(0))
    solver.add(system.step(0))
    pins = {z3.Bool(f"pin{i}"): i for i in system.param_values()}
    solver.add([z3.Implies(p, c) for p, c in zip(pins, system.param_values().values())])
    start, step = z3.Bools("reached:init reached:step")
    solver.add(z3.Implies(start, z3.And(*system.initial(0), z3.Not(inv))))
    solver.add(z3.Implies(step, z3.And(inv, z3.Not(system.shift(inv, 1)))))
    used: set[int] = set()
    for literal in (start, step):
        deadline.check()
        ms = deadline.milliseconds()
        if ms is not None:
            solver.set("timeout", ms)
        answer = solver.check(literal, *pins)
        if answer == z3.unknown:
            if ms is not None:
                raise TimeLimit(deadline.detail)
            raise RuntimeError(f"z3 gave up: {solver.reason_unknown()}")
        if answer == z3.sat:
            return None
        used |= {pins[p] for p in solver.unsat_core() if p in pins}
    return inv, used, depth


def diagram(system: System, states: set[State]) -> z3.BoolRef:
    """State 0 is one of ``states``, as a decision diagram over the
    moving variables: equal suffixes are one subterm, so Z3's clauses
    follow the set's structure instead of listing it."""
    model = system.model
    s = system.state(0)
    ctx = s[0].ctx if s else z3.main_ctx()
    order = [i for i in system.moving if len({t[i] for t in states}) > 1]
    fixed = [i for i in system.moving if i not in set(order)]
    cache: dict[tuple[int, int], z3.ExprRef] = {}

    def equal(i: int, value: int) -> z3.ExprRef:
        found = cache.get((i, value))
        if found is None:
            if model.variables[i].sort == BOOL:
                found = s[i] if value else z3.Not(s[i])
            elif 0 <= value < model.variables[i].domain.size:
                found = s[i] == system.value(i, value)
            else:
                found = z3.BoolVal(False, ctx)
            cache[i, value] = found
        return found

    rows = [tuple(t[i] for i in order) for t in states]
    unique: dict[tuple, z3.ExprRef] = {}
    true = z3.BoolVal(True, ctx)

    def build(level: int, suffixes: list[tuple]) -> z3.ExprRef:
        if level == len(order):
            return true
        groups: dict[int, list[tuple]] = {}
        for row in suffixes:
            groups.setdefault(row[0], []).append(row[1:])
        children = tuple(sorted((v, build(level + 1, rest)) for v, rest in groups.items()))
        key = (level, tuple((v, c.get_id()) for v, c in children))
        found = unique.get(key)
        if found is None:
            i = order[level]
            arms = [_join(z3.Z3_mk_and, [equal(i, v), c], ctx) if c is not true else equal(i, v)
                    for v, c in children]
            found = arms[0] if len(arms) == 1 else _join(z3.Z3_mk_or, arms, ctx)
            unique[key] = found
        return found

    ands = [equal(i, next(iter(states))[i]) for i in fixed]
    if order:
        ands.append(build(0, rows))
    return _join(z3.Z3_mk_and, ands or [true], ctx)
