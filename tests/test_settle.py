"""Transition-judged properties: a call's observations are judged on the
transition that settles them (its caller has read the explanation) and
then forgotten.  Same verdicts and same shortest counterexample lengths
as keeping them, on the catalogue and on generated scenarios; fewer
states where calls are many."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from test_differential import cases, scenario_of

from einval import catalog, explicit, world
from einval.lang import TRUE
from einval.model import Check, Condition, Domain, ModelBuilder
from einval.search.compile import compile_settle


def same(model) -> tuple[int, int]:
    """Settled and unsettled results agree; their state counts."""
    on = explicit.check_model(model)
    off = explicit.check_model(model, settle=False)
    for a, b in zip(on, off):
        assert a.verdict.kind == b.verdict.kind, (a.property, a.verdict, b.verdict)
        if a.verdict.kind == "violated":
            assert a.verdict.depth == b.verdict.depth == len(a.verdict.trace.steps)
            assert a.verdict.trace.failed.label == b.verdict.trace.failed.label
            assert a.verdict.trace.failed_values() == b.verdict.trace.failed_values()
    return on[0].states, off[0].states


def catalogue():
    for path in catalog.scenario_paths():
        yield pytest.param(path, id=path.stem)


@pytest.mark.parametrize("path", list(catalogue()))
def test_the_catalogue_judges_the_same_with_and_without_settling(path):
    scenario = catalog.scenario(str(path))
    for design in catalog.designs():
        model, _ = world.build(scenario, design, catalog.properties())
        assert model.settled, "every call with a reader settles"
        on, off = same(model)
        assert on <= off


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_generated_scenarios_judge_the_same(case):
    text, design, props = case
    model, _ = world.build(scenario_of(text), design, props)
    same(model)


def test_settling_forgets_what_many_calls_would_keep():
    text = ('[[os_thread]]\nname = "M1"\n[[os_thread]]\nname = "M2"\n'
            '[[goroutine]]\nname = "G1"\non = "M1"\ncalls = 3\n'
            '[[goroutine]]\nname = "G2"\non = "M2"\ncalls = 3\n'
            '[bounds]\nbuffer_slots = 1\n')
    model, _ = world.build(scenario_of(text), catalog.design("stateful-reg"),
                           [catalog.property_("no-foreign-output")])
    on, off = same(model)
    assert on * 5 < off


def builder_with_observation():
    b = ModelBuilder("toy")
    pc = b.var("pc", Domain.range(2), 0, hidden=True)
    seen = b.var("seen", Domain.range(2), 0)
    return b, pc, seen


def test_a_settle_whose_variables_a_guard_reads_is_dropped():
    b, pc, seen = builder_with_observation()
    b.action("A", "look", (pc == 0) & (seen == 0), {pc: 1, seen: 1})
    b.add_check(Check("p", "", (Condition("ok", TRUE),), Condition("w", seen == 1)))
    b.settle("seen", seen == 1, [seen])
    assert b.build().settled == []


def test_a_settle_whose_variables_a_mixed_condition_reads_is_dropped():
    b, pc, seen = builder_with_observation()
    b.action("A", "look", pc == 0, {pc: 1, seen: 1})
    b.add_check(Check("p", "", (Condition("mixed", (seen == 0) | (pc == 1)),),
                      Condition("w", seen == 1)))
    b.settle("seen", seen == 1, [seen])
    assert b.build().settled == []


def test_a_sound_settle_is_kept_and_resets_to_initial_values():
    b, pc, seen = builder_with_observation()
    b.action("A", "look", pc == 0, {pc: 1, seen: 1})
    b.add_check(Check("p", "", (Condition("own", seen <= 1),), Condition("w", seen == 1)))
    b.settle("seen", seen == 1, [seen])
    model = b.build()
    assert [s.label for s in model.settled] == ["seen"]
    settle = compile_settle(model)
    assert settle(bytes([1, 1])) == bytes([1, 0])
    untouched = bytes([1, 0])
    assert settle(untouched) is untouched
    [r] = explicit.check_model(model)
    assert r.verdict.kind == "holds"  # the witness was met before it was forgotten
