"""Cheap invariants that make k-induction converge sooner (Houdini).

The step case of k-induction starts from *any* state, including
unreachable ones: a log holding another thread's tag, a flag set before
its call began.  From such states a violation follows after long,
meaningless prefixes, so the step case needs a large k.  Most are ruled
out by facts of two shapes: "x is never v", and "while the program counter
pc is at a, x is not v" (program counters are the model's hidden
variables).  Houdini finds the largest set of such facts that holds
initially and is inductive as a whole: start from every candidate that no
sampled run refutes, drop those one step from a state satisfying all of
them can break, repeat.  What survives holds in every reachable state and
is given to every query as a lemma.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import z3

from ..deadline import Deadline, TimeLimit
from ..lang import to_python
from ..model import Model
from .system import System

Condition = tuple[tuple[int, int], ...]  # variable = value, for each pair
Fact = tuple[Condition, int, int]  # (condition, i, v): "condition -> x_i != v"


def conditions(system: System) -> list[Condition]:
    """The antecedents facts may have: nothing (a plain "x_i is never v"),
    or one value of one program counter (the model's hidden variables)."""
    variables = system.model.variables
    out: list[Condition] = [()]
    for pc in system.moving:
        if variables[pc].hidden:
            out.extend(((pc, a),) for a in range(variables[pc].domain.size))
    return out


def sample(model: Model, walks: int = 50, seed: int = 0) -> set[tuple[int, ...]]:
    """States met on random runs from the initial state.

    Only a filter: a candidate a reachable state refutes is no invariant,
    and whatever survives is still checked by Houdini, so a poor sample
    costs time, never soundness.
    """
    steps = []
    for a in model.actions:
        updates = ", ".join(f"{i}: {to_python(e)}" for i, e in a.updates)
        steps.append(eval(f"(lambda s: {to_python(a.guard)}, "  # noqa: S307 - our own source
                          f"lambda s: {{{updates}}})"))
    rng = random.Random(seed)
    init = model.initial_state()
    seen = {init}
    for _ in range(walks):
        state = init
        for _ in range(8 * len(model.actions) + 8):
            enabled = [update for guard, update in steps if guard(state)]
            if not enabled:
                break
            nxt = list(state)
            for i, value in rng.choice(enabled)(state).items():
                nxt[i] = int(value)
            state = tuple(nxt)
            seen.add(state)
    return seen


def broken_by(system: System, state: Sequence[int], among: list[Condition]
              ) -> set[Fact]:
    """The facts (with antecedents ``among``) ``state`` violates."""
    out: set[Fact] = set()
    for condition in among:
        if all(state[i] == a for i, a in condition):
            out.update((condition, i, state[i]) for i in system.moving)
    return out


def candidates(system: System, among: list[Condition]) -> set[Fact]:
    """Every fact with an antecedent ``among`` that holds initially."""
    variables = system.model.variables
    out = {(c, i, v) for c in among for i in system.moving
           if i not in dict(c) for v in range(variables[i].domain.size)}
    return out - broken_by(system, system.model.initial_state(), among)


def term(system: System, fact: Fact, k: int) -> z3.ExprRef:
    condition, i, v = fact
    state = system.state(k)
    differs = state[i] != system.value(i, v)
    if not condition:
        return differs
    return z3.Implies(z3.And([state[j] == system.value(j, a) for j, a in condition]),
                      differs)


def houdini(system: System, deadline: Deadline | None = None
            ) -> tuple[list[Fact], z3.ExprRef, set[int]]:
    """The candidate facts that hold in every reachable state, as Houdini
    finds them, their conjunction at step 0, and the parameters (symbolic
    ones, by index) the proof of their inductiveness used.

    A solver that gives up (the run's ``deadline``) raises ``TimeLimit``:
    an undecided round proves nothing, so no fact survives it."""
    deadline = deadline or Deadline()
    among = conditions(system)
    refuted: set[Fact] = set()
    for state in sample(system.model):
        refuted |= broken_by(system, state, among)
    alive = candidates(system, among) - refuted
    solver = system.enc.solver()
    solver.add(system.in_domain(0))
    solver.add(system.step(0))
    pins = {z3.Bool(f"pin{i}"): i for i in system.param_values()}
    solver.add([z3.Implies(p, system.param_values()[i]) for p, i in pins.items()])
    now = {fact: term(system, fact, 0) for fact in sorted(alive)}
    assume = {fact: z3.Bool(f"fact{n}") for n, fact in enumerate(now)}
    solver.add([z3.Implies(assume[f], now[f]) for f in now])
    broken = {f: z3.Not(now[f]) for f in now}
    after = system.state(1)
    used: set[int] = set()
    for rounds in range(len(alive) + 1):
        if not alive:
            break
        some = z3.Bool(f"broken{rounds}")
        solver.add(z3.Implies(some, system.shift(z3.Or([broken[f] for f in alive]), 1)))
        deadline.check()
        ms = deadline.milliseconds()
        if ms is not None:
            solver.set("timeout", ms)
        answer = solver.check(some, *[assume[f] for f in alive], *pins)
        if answer == z3.unknown:
            if ms is not None:
                raise TimeLimit(deadline.detail)
            raise RuntimeError(f"z3 gave up: {solver.reason_unknown()}")
        if answer != z3.sat:
            used = {pins[p] for p in solver.unsat_core() if p in pins}
            break
        model = solver.model()
        values = [_value(model.eval(x, model_completion=True)) for x in after]
        alive -= broken_by(system, values, among)
    facts = sorted(alive)
    return facts, z3.And([now[f] for f in facts] + [z3.BoolVal(True)]), used


def _value(term: z3.ExprRef) -> int:
    if z3.is_true(term):
        return 1
    if z3.is_false(term):
        return 0
    return term.as_signed_long() if z3.is_bv_value(term) else term.as_long()
