"""Partial-order reduction against the unreduced search: the same
verdicts and the same shortest counterexample lengths, on the catalogue
and on generated scenarios; and the reduction does reduce where threads
are independent."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_search_reductions import symmetric_texts

from einval import catalog, explicit, world
from einval.lang import evaluate
from einval.model import Check, Condition, Domain, ModelBuilder
from einval.scenario import parse
from einval.search import por

DESIGNS = catalog.designs()
PROPERTIES = catalog.properties()


def same_verdicts(model, symmetry: bool = True) -> tuple[int, int]:
    """Reduced and unreduced results agree: the same verdicts, and a
    violation at the same (shortest) depth; (states with, without).  The
    depth of a holding verdict is the deepest level of the search, which
    the reduction changes: it is not compared."""
    on = explicit.check_model(model, symmetry=symmetry, por=True)
    off = explicit.check_model(model, symmetry=symmetry, por=False)
    for a, b in zip(on, off):
        assert (a.property, a.verdict.kind) == (b.property, b.verdict.kind), model.name
        if a.verdict.kind == "violated":
            assert a.verdict.depth == b.verdict.depth, (model.name, a.property)
        if a.verdict.kind == "violated":
            trace = a.verdict.trace
            assert trace.failed is not None and len(trace.steps) == a.verdict.depth
            assert not evaluate(trace.failed.expr, trace.final)
    return on[0].states, off[0].states


def catalogue_cross_check(scenarios) -> int:
    """Every design in ``scenarios``; how many models were reduced."""
    reduced = 0
    for design in DESIGNS:
        for s in scenarios:
            with_, without = same_verdicts(world.build(s, design, PROPERTIES)[0])
            reduced += with_ < without
    return reduced


QUICK = ("two-threads", "nested-call", "signal-handler")


def test_part_of_the_catalogue_gives_the_same_verdicts_with_and_without_por():
    reduced = catalogue_cross_check([catalog.scenario(name) for name in QUICK])
    assert reduced >= 10  # threads whose steps are their own do get reduced


@pytest.mark.slow
def test_the_catalogue_gives_the_same_verdicts_with_and_without_por():
    assert catalogue_cross_check(catalog.scenarios()) >= 30


def _counters(n: int, visible: bool) -> ModelBuilder:
    """``n`` counters, each ticked by its own actor up to 2; a check
    that reads only the first (``visible``) or none of them."""
    b = ModelBuilder("counters")
    counters = [b.var(f"n[A{i}]", Domain.range(2)) for i in range(n)]
    for v in counters:
        b.action(str(v), "tick", v < 2, {v: v + 1})
    first = counters[0]
    always = (Condition("low", first != 3),) if visible else ()
    b.add_check(Check("p", "", always, Condition("w", first >= 0)))
    return b


def test_independent_actors_are_explored_in_one_order():
    model = _counters(4, visible=False).build()
    on = explicit.explore(model, symmetry=False, por=True)
    off = explicit.explore(model, symmetry=False, por=False)
    assert len(off.states) == 3 ** 4
    assert len(on.states) == 9  # one counter at a time: 1 + 4 * 2
    assert explicit.check_model(model, symmetry=False, por=True)[0].verdict.kind == "holds"


def test_a_visible_step_is_never_reduced_away():
    """A check that reads A0 makes A0's ticks visible, and only them."""
    reduction = por.Reduction(_counters(3, visible=True).build())
    ticks = [s for s in range(len(reduction.subs))
             if reduction.subs[s].writes == {0}]
    assert ticks and all(reduction.visible >> s & 1 for s in ticks)
    assert not any(reduction.visible >> s & 1 for s in range(len(reduction.subs))
                   if reduction.subs[s].writes != {0})


def test_dependence_comes_from_reads_and_writes():
    """Two actors that write one shared variable are dependent; two that
    only read each other's variable where its value cannot change the
    answer are not."""
    b = ModelBuilder("shared")
    x = b.var("x", Domain.range(2))
    a = b.var("a", Domain.range(1))
    c = b.var("c", Domain.range(1))
    b.action("A", "set", (a == 0), {x: 1, a: 1})
    b.action("C", "set", (c == 0), {x: 2, c: 1})
    b.action("C", "peek", (c == 1) & (a != 5), {c: 0})
    b.add_check(Check("p", "", (), Condition("w", x >= 0)))
    reduction = por.Reduction(b.build())
    set_a = reduction.sub_of(0, (0, 0, 0))
    set_c = reduction.sub_of(1, (0, 0, 0))
    peek = reduction.sub_of(2, (0, 0, 1))
    assert reduction.dep[set_a] >> set_c & 1
    assert not reduction.dep[set_a] >> peek & 1  # a in {0, 1}: a != 5 stays true


def _cycle(por_on: bool):
    """A0 can cycle forever on its own; A1's step alone violates the
    check: the proviso must not let A0's cycle hide it."""
    b = ModelBuilder("cycle")
    a0 = b.var("n[A0]", Domain.range(2))
    a1 = b.var("n[A1]", Domain.range(1))
    b.action("A0", "up", a0 < 2, {a0: a0 + 1})
    b.action("A0", "wrap", a0 == 2, {a0: 0})
    b.action("A1", "go", a1 == 0, {a1: 1})
    b.add_check(Check("p", "", (Condition("A1 idle", a1 == 0),), Condition("w", a0 >= 0)))
    return explicit.check_model(b.build(), symmetry=False, por=por_on)[0].verdict


def test_the_cycle_proviso_keeps_a_violation_behind_a_cycle():
    on, off = _cycle(True), _cycle(False)
    assert (on.kind, on.depth) == (off.kind, off.depth) == ("violated", 1)


def test_a_depth_bound_turns_the_reduction_off():
    model = _counters(3, visible=False).build(max_depth=2)
    assert por.reduction(model) is None
    with pytest.raises(ValueError):
        from einval.search import compile as compiled
        from einval.search import core

        core.search(model, compiled.compile_successors(model),
                    ample=por.Reduction(model).ample)


FOURTH = """
{threads}
[syscall]
path = ["emit"]
[bounds]
buffer_slots = 1
"""


def test_the_4th_argument_family_is_reduced():
    """Each call carries its own buffer, so a thread's steps into it are
    its own; only the steps that properties still undecided read are
    visible."""
    threads = "\n".join(f'[[thread]]\nname = "T{i}"\ncalls = 2' for i in range(1, 4))
    text = FOURTH.format(threads=threads)
    model = world.build(parse(text, "g.toml", "g"), catalog.design("4th-arg"), PROPERTIES)[0]
    with_, without = same_verdicts(model, symmetry=False)
    assert with_ * 4 < without * 3


SETTLED_ON_THE_WAY = """cpus = 2
[[thread]]
name = "T1"
cpu = 0
calls = 2
[[thread]]
name = "T2"
cpu = 1
calls = 2
[syscall]
path = ["emit", "sleep"]
[bounds]
buffer_slots = 1
"""


def test_a_trace_through_a_settled_retrieval_is_rebuilt_with_symmetry():
    """Found by the 500-scenario run: with symmetry, the shortest run to
    the no-stale violation passes a retrieval whose observations were
    settled (forgotten) in the stored state, so the rebuilt run has to
    match the stored state once settled (``Exploration._step``)."""
    model = world.build(parse(SETTLED_ON_THE_WAY, "g.toml", "g"), catalog.design("per-cpu"),
                        PROPERTIES)[0]
    results = explicit.check_model(model, symmetry=True, por=False)
    depths = {r.property: r.verdict.depth for r in results if r.verdict.kind == "violated"}
    assert depths["no-stale"] == 10
    same_verdicts(model)


def test_a_decided_check_stops_making_steps_visible():
    """no-foreign-output holds here and its conditions read nothing once
    the frozen parameters are folded in: after its witness is met no step
    is visible, and one order of the threads is left (SPIN stores 57
    states here with its reduction)."""
    threads = "\n".join(f'[[thread]]\nname = "T{i}"\ncalls = 3' for i in range(1, 5))
    model = world.build(parse(FOURTH.format(threads=threads), "g.toml", "g"),
                        catalog.design("4th-arg"), [catalog.property_("no-foreign-output")])[0]
    with_, without = same_verdicts(model, symmetry=False)
    assert without == 28561 and with_ * 100 < without


def check_case(text: str, design) -> None:
    model = world.build(parse(text, "generated.toml", "generated"), design, PROPERTIES)[0]
    try:
        same_verdicts(model)
        same_verdicts(model, symmetry=False)
    except AssertionError as err:
        pytest.fail(f"{err}\n--- scenario (design {design.name}) ---\n{text}")


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(symmetric_texts(), st.sampled_from(DESIGNS))
def test_generated_scenarios_give_the_same_verdicts_with_por(text, design):
    check_case(text, design)


@pytest.mark.slow
@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(symmetric_texts(), st.sampled_from(DESIGNS))
def test_generated_scenarios_give_the_same_verdicts_with_por_long(text, design):
    check_case(text, design)
