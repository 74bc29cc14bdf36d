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

from ..deadline import Deadline
from ..lang import to_python, variables_of
from ..model import Model
from .system import System
from .unroll import check

Condition = tuple[tuple[int, int], ...]  # variable = value, for each pair
Fact = tuple[Condition, int, int]  # (condition, i, v): "condition -> x_i != v"


def conditions(system: System, pairs: bool = True) -> list[Condition]:
    """The antecedents facts may have: nothing (a plain "x_i is never v"),
    one value of one program counter (the model's hidden variables), or
    (``pairs``) a program counter's value together with one value of a
    visible variable that some guard reads ("while G2 is inside bpf() and
    on M2, no other goroutine is on M2"): where an actor is and what it is
    doing are often only true together."""
    variables = system.model.variables
    out: list[Condition] = [()]
    pcs = [i for i in system.moving if variables[i].hidden]
    gating = set().union(*(variables_of(a.guard) for a in system.model.actions))
    visible = [j for j in system.moving if not variables[j].hidden and j in gating]
    for pc in pcs:
        out.extend(((pc, a),) for a in range(variables[pc].domain.size))
    for pc in pcs if pairs else []:
        if variables[pc].domain.size <= 2:
            continue
        for a in range(variables[pc].domain.size):
            out.extend(((pc, a), (j, b)) for j in visible
                       for b in range(variables[j].domain.size))
    return out


def without_redundant(facts: set[Fact]) -> set[Fact]:
    """Drop each fact that a fact with a smaller antecedent already says.

    Sound either way (Houdini still checks what is left); only fewer terms
    for Z3 to carry.  If the stronger fact is dropped later, the weaker one
    is lost with it: the invariant gets weaker, never wrong."""
    kept: set[Fact] = set()
    for fact in sorted(facts, key=lambda f: (len(f[0]), f)):
        condition, i, v = fact
        smaller = [c for n in range(len(condition))
                   for c in _subsets(condition, n)]
        if not any((c, i, v) in kept for c in smaller):
            kept.add(fact)
    return kept


def _subsets(condition: Condition, size: int) -> list[Condition]:
    if size == 0:
        return [()]
    if size == 1:
        return [(pair,) for pair in condition]
    return [condition] if size == len(condition) else []


def sample(model: Model, walks: int = 50, seed: int = 0,
           exhaustive: int = 20000) -> set[tuple[int, ...]]:
    """Every reachable state when there are at most ``exhaustive`` of them,
    else the states met on random runs from the initial state.

    Only a filter: a candidate a reachable state refutes is no invariant,
    and whatever survives is still checked by Houdini, so a poor sample
    costs time (more Houdini rounds), never soundness.
    """
    steps = []
    for a in model.actions:
        updates = ", ".join(f"{i}: {to_python(e)}" for i, e in a.updates)
        steps.append(eval(f"(lambda s: {to_python(a.guard)}, "  # noqa: S307 - our own source
                          f"lambda s: {{{updates}}})"))
    init = model.initial_state()
    seen = {init}
    frontier = [init]
    while frontier and len(seen) <= exhaustive:
        later = []
        for state in frontier:
            for guard, update in steps:
                if guard(state):
                    nxt = list(state)
                    for i, value in update(state).items():
                        nxt[i] = int(value)
                    after = tuple(nxt)
                    if after not in seen:
                        seen.add(after)
                        later.append(after)
        frontier = later
    if not frontier:
        return seen
    rng = random.Random(seed)
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


def term(system: System, fact: Fact, k: int,
         cache: dict | None = None) -> z3.ExprRef:
    """``fact`` at step ``k``; ``cache`` shares the equalities it is made of."""
    cache = {} if cache is None else cache
    condition, i, v = fact
    state = system.state(k) if "state" not in cache else cache["state"]
    cache["state"] = state

    def equal(j: int, a: int) -> z3.ExprRef:
        if (j, a) not in cache:
            cache[j, a] = state[j] == system.value(j, a)
        return cache[j, a]

    differs = z3.Not(equal(i, v))
    if not condition:
        return differs
    if condition not in cache:
        cache[condition] = z3.And([equal(j, a) for j, a in condition])
    return z3.Implies(cache[condition], differs)


def houdini(system: System, deadline: Deadline | None = None, pairs: bool = True
            ) -> tuple[list[Fact], z3.ExprRef, set[int]]:
    """The candidate facts that hold in every reachable state, as Houdini
    finds them, their conjunction at step 0, and the parameters (symbolic
    ones, by index) the proof of their inductiveness used.  ``pairs``:
    antecedents of a program counter and a variable too (``conditions``).

    A solver that gives up (the run's ``deadline``) raises ``TimeLimit``:
    an undecided round proves nothing, so no fact survives it."""
    deadline = deadline or Deadline()
    among = conditions(system, pairs)
    refuted: set[Fact] = set()
    for state in sample(system.model):
        refuted |= broken_by(system, state, among)
    alive = without_redundant(candidates(system, among) - refuted)
    solver = system.enc.solver()
    solver.add(system.in_domain(0))
    solver.add(system.step(0))
    pins = {z3.Bool(f"pin{i}"): i for i in system.param_values()}
    solver.add([z3.Implies(p, system.param_values()[i]) for p, i in pins.items()])
    shared: dict = {}
    now = {fact: term(system, fact, 0, shared) for fact in sorted(alive)}
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
        if not check(solver, [some, *[assume[f] for f in alive], *pins], deadline):
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
