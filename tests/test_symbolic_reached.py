"""The reached states as an invariant: Z3 accepts only a true one."""

from __future__ import annotations

import pytest
from helpers import kinds, model_of

from einval import explicit, symbolic
from einval.symbolic import reached
from einval.symbolic.compile import Encoding
from einval.symbolic.system import System


def test_holding_properties_are_proved_by_the_invariant():
    results = symbolic.check_model(model_of("signal-handler", "stateful-get"))
    held = [r for r in results if r.verdict.kind == "holds"]
    assert held and all(r.verdict.detail == "proved by invariant" for r in held)


def test_enumeration_is_exhaustive_and_bounded():
    model = model_of("go-unpinned", "stateful-get")
    states = reached.reachable(model)
    assert states is not None and model.initial_state() in states
    assert reached.reachable(model, limit=len(states) - 1) is None


@pytest.mark.parametrize("change", ["drop", "add"])
def test_a_wrong_enumeration_changes_no_verdict(monkeypatch, change):
    """A candidate missing a reachable state is refused by Z3 (the engine
    goes on with k-induction and Houdini); one with an unreachable state
    added is weaker, and the verdicts stay the explicit engine's."""
    model = model_of("signal-handler", "per-cpu")
    true_states = reached.reachable(model)
    assert true_states is not None
    init = model.initial_state()
    if change == "drop":
        wrong = set(true_states) - {max(s for s in true_states if s != init)}
    else:
        wrong = set(true_states) | _closure(model, _unreachable(model, true_states))
    monkeypatch.setattr(reached, "explore", lambda m, limit=reached.LIMIT:
                        reached.Enumeration(dict.fromkeys(wrong, 1), {}))
    system = System(model, Encoding.for_model(model))
    found = reached.prove(system)
    assert (found is None) == (change == "drop")
    assert kinds(symbolic.check_model(model)) == kinds(explicit.check_model(model))


def _unreachable(model, states) -> tuple[int, ...]:
    """A state one variable away from a reachable one, within the domains,
    in which some property fails (so that the candidate is weaker)."""
    from einval.lang import evaluate

    for state in sorted(states):
        for v in model.variables:
            for value in range(v.domain.size):
                other = state[:v.index] + (value,) + state[v.index + 1:]
                if other not in states and not v.frozen and any(
                        not evaluate(c.expr, other) for check in model.checks
                        for c in check.always):
                    return other
    raise AssertionError("no such state")


def _closure(model, state) -> set[tuple[int, ...]]:
    nxt = reached.successors(model)
    seen, todo = {state}, [state]
    while todo:
        for after in nxt(todo.pop()):
            if after not in seen:
                seen.add(after)
                todo.append(after)
    return seen


def _assign(system: System, state) -> list[tuple]:
    """State 0's variables set to ``state``'s values, for ``z3.substitute``."""
    return [(system.state(0)[i], system.value(i, state[i])) for i in system.moving]


@pytest.mark.parametrize("scenario,design", [("signal-handler", "per-cpu"),
                                             ("go-pinned", "stateful-get")])
def test_the_diagram_holds_in_exactly_the_reached_states(scenario, design):
    """The candidate is the set itself: true in every reached state, false
    in every state one value away from a reached one that is not reached
    (a weaker or stronger term would pass unnoticed, the proof falling
    back to Houdini with the same verdicts)."""
    import z3

    model = model_of(scenario, design)
    system = System(model, Encoding.for_model(model))
    states = reached.levels(model)
    assert states is not None
    member = reached.Diagram(system, states).member()

    def holds(state) -> bool:
        return z3.is_true(z3.simplify(z3.substitute(member, *_assign(system, state))))

    assert all(holds(s) for s in states)
    outside = set()
    for s in states:
        for i in system.moving:
            v = model.variables[i]
            for value in range(2 if v.sort == reached.BOOL else v.domain.size):
                t = s[:i] + (value,) + s[i + 1:]
                if t not in states:
                    outside.add(t)
    assert outside and not any(holds(t) for t in sorted(outside)[:3000])


@pytest.mark.parametrize("scenario, design", [("go-unpinned", "stateful-reg"),
                                              ("two-threads", "fd-log"),
                                              ("signal-handler", "exterrctl")])
def test_the_shared_successors_enumerate_what_the_own_moves_do(scenario, design):
    """The enumeration runs on the explicit engine's compiled successors
    (packed states): the same levels, in the same order, and the same
    first runs as with this engine's own ``moves`` over tuples."""
    model = model_of(scenario, design)
    shared = reached.explore(model)
    own = reached._breadth_first(reached.moves(model), model.initial_state(),
                                 reached.LIMIT)
    assert shared is not None and own is not None
    assert list(shared.levels.items()) == list(own.levels.items())
    assert shared.parents == own.parents
    assert all(type(v) is int for s in shared.levels for v in s)


def test_a_step_out_of_a_byte_goes_on_with_the_own_moves():
    """An update below 0 does not fit a packed state: the enumeration
    starts again with its own moves, which keep the value (the candidate
    is then only weaker; Z3 has the last word)."""
    from einval.model import Domain, ModelBuilder

    b = ModelBuilder("below zero")
    x = b.var("x", Domain.range(3))
    b.action("a", "down", x == 0, {x: x - 1})
    found = reached.explore(b.build())
    assert found is not None
    assert found.levels == {(0,): 0, (-1,): 1}
    assert found.parents == {(-1,): ((0,), 0)}


def test_a_copy_of_a_model_compiles_its_own_successors():
    """``Model.compiled`` is not carried by ``replace``: a model with other
    parameter values (``with_params``) gets successors of its own."""
    from dataclasses import replace

    from einval.search.compile import successors_of

    model = model_of("go-unpinned", "stateful-get")
    first = successors_of(model)
    assert successors_of(model) is first
    assert successors_of(replace(model)) is not first


def test_one_pass_finds_the_first_state_of_each_expression():
    """``Reached.look_for`` scans the states once for many expressions:
    for each, the first state in breadth-first order where it holds, as a
    scan per expression finds it (None where it holds nowhere)."""
    from einval.lang import FALSE, Not, evaluate

    model = model_of("go-unpinned", "stateful-get")
    found = reached.prove(System(model, Encoding.for_model(model)))
    assert found is not None
    exprs = [Not(c.expr) for check in model.checks for c in check.always]
    exprs += [check.witness.expr for check in model.checks] + [FALSE]
    found.look_for(exprs)
    for expr in exprs:
        want = next((s for s in found.levels if evaluate(expr, s)), None)
        assert found.nearest(expr) == want
    assert found.nearest(FALSE) is None
    assert any(found.nearest(e) not in (None, model.initial_state()) for e in exprs)
