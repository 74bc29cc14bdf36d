"""The Z3 engine against the explicit one, on the shipped catalogue and more."""

from __future__ import annotations

from functools import cache

import pytest

from einval import catalog, crosscheck, explicit, symbolic, world
from einval.lang import FALSE, TRUE, evaluate
from einval.model import Check, Condition, Domain, ModelBuilder
from einval.property import Property
from einval.scenario import parse
from einval.verdict import Result, Trace

SCENARIOS = [s.name for s in catalog.scenarios()]
DESIGNS = [d.name for d in catalog.designs()]
PINNED = {
    "G1": "G1 is pinned to M1 (runtime.LockOSThread)",
    "G2": "G2 is pinned to M2 (runtime.LockOSThread)",
}


def build(scenario: str, design: str, properties=None):
    return world.build(catalog.scenario(scenario), catalog.design(design),
                       properties or catalog.properties())[0]


@cache
def both(scenario: str, design: str) -> tuple[list[Result], list[Result]]:
    model = build(scenario, design)
    return explicit.check_model(model), symbolic.check_model(model)


def catalogue_cases():
    """Every shipped scenario x design.  By default each scenario is checked
    with two designs, in rotation, so every scenario and every design is
    covered; the whole product runs with --runslow."""
    for i, scenario in enumerate(SCENARIOS):
        picked = {DESIGNS[(2 * i) % len(DESIGNS)], DESIGNS[(2 * i + 1) % len(DESIGNS)]}
        for design in DESIGNS:
            marks = () if design in picked or scenario == "go-unpinned" else (
                pytest.mark.slow,)
            yield pytest.param(scenario, design, marks=marks, id=f"{scenario}-{design}")


@pytest.mark.parametrize("scenario,design", list(catalogue_cases()))
def test_catalogue_same_verdicts_and_lengths(scenario, design):
    mine, theirs = both(scenario, design)
    assert [r.property for r in mine] == [r.property for r in theirs]
    for e, z in zip(mine, theirs):
        assert z.verdict.kind == e.verdict.kind, (e.property, e.verdict, z.verdict)
        if e.verdict.kind == "violated":
            assert len(z.verdict.trace.steps) == len(e.verdict.trace.steps)
            assert z.verdict.depth == e.verdict.depth
        if z.verdict.kind == "holds":
            assert z.verdict.detail.startswith("proved"), z.verdict


@pytest.mark.parametrize("scenario", [pytest.param(s, marks=() if s in (
    "one-thread", "two-threads", "go-unpinned", "go-pinned", "bpf-fentry") else (
    pytest.mark.slow,)) for s in SCENARIOS])
def test_fourth_argument_is_proved_unbounded(scenario):
    """Every property of the 4th argument holds, proved for runs of any
    length; on an old kernel, which may not know the argument, the
    message is not distinguishable (the scenario file's expectation)."""
    mine, theirs = both(scenario, "4th-arg")
    for e, z in zip(mine, theirs):
        assert z.verdict.kind == e.verdict.kind, (z.property, z.verdict)
        wanted = "violated" if (scenario, z.property) == (
            "old-kernel", "distinguishable") else "holds"
        assert z.verdict.kind == wanted, (z.property, z.verdict)
        if wanted == "holds":
            assert z.verdict.detail.startswith("proved"), z.verdict  # not a bounded search


def test_go_unpinned_proofs_need_few_induction_steps():
    """Houdini's facts with a program counter and a guard-read variable
    (where a goroutine is and what it does) keep go-unpinned proofs short:
    without them task-struct needed 17-induction.  (With the reached
    states as the invariant, the default, nothing needs Houdini: it is
    turned off here to test Houdini.)"""
    import re

    for design in ("task-struct", "shared-storage"):
        for r in symbolic.check_model(build("go-unpinned", design), reached=False):
            if r.verdict.detail == "proved by invariant":  # 0-inductive as it is
                continue
            found = re.fullmatch(r"proved by (\d+)-induction", r.verdict.detail)
            assert found and int(found.group(1)) <= 4, (design, r.property, r.verdict)


def test_catalogue_has_both_kinds():
    """The agreement above is not vacuous: Z3 finds violations and proofs."""
    kinds = {r.verdict.kind for d in DESIGNS for r in both("go-unpinned", d)[1]}
    assert kinds == {"holds", "violated"}


def test_decoded_trace_replays_and_fails():
    model = build("go-unpinned", "stateful-get")
    result = next(r for r in both("go-unpinned", "stateful-get")[1]
                  if r.property == "attribution")
    trace = result.verdict.trace
    assert result.verdict.kind == "violated" and len(trace.steps) == 7
    again = Trace.replay(model, [s.action for s in trace.steps])
    assert again.final == trace.final
    assert trace.failed is not None and not evaluate(trace.failed.expr, trace.final)
    order = list(trace.model.check("attribution").always)  # failed: the first false one
    failed_at = next(i for i, c in enumerate(order) if c is trace.failed)
    assert all(evaluate(c.expr, trace.final) for c in order[:failed_at])


def test_bounded_search_is_never_holds():
    """Too shallow to see the violation and no proof: unknown, not holds."""
    model = build("go-unpinned", "stateful-get")
    results = symbolic.check_model(model, max_depth=3, facts=False, spacer=False)
    attribution = next(r for r in results if r.property == "attribution")
    assert attribution.verdict.kind == "unknown"
    assert "no violation up to depth 3; not proved" in attribution.verdict.detail


def test_spacer_proves_what_k_induction_leaves():
    model = build("one-thread", "4th-arg")
    results = symbolic.check_model(model, max_depth=4, facts=False, reached=False)
    assert [r.verdict.kind for r in results] == ["holds"] * len(catalog.properties())
    assert any(r.verdict.detail == "proved (spacer)" for r in results)


@pytest.mark.parametrize("options", [dict(encoding="int"), dict(reduce=False),
                                     dict(joint=False), dict(facts=False),
                                     dict(reached=False)])
def test_every_variant_of_the_engine_agrees(options):
    for scenario, design in [("go-unpinned", "stateful-get"), ("bpf-fentry", "shared-storage"),
                             ("two-threads", "task-struct")]:
        model = build(scenario, design)
        mine = explicit.check_model(model)
        theirs = symbolic.check_model(model, **options)
        assert [(r.verdict.kind, r.verdict.depth if r.verdict.kind == "violated" else 0)
                for r in theirs] == \
               [(r.verdict.kind, r.verdict.depth if r.verdict.kind == "violated" else 0)
                for r in mine]


# -- why it holds ------------------------------------------------------------

def test_pinning_explains_stateful_get():
    """go-pinned: attribution needs pinning; in this model one pin suffices,
    since LockOSThread keeps the other goroutine off the pinned M and two Ms
    leave it nowhere else to go.  Dropping it, the property fails."""
    results = symbolic.check_model(build("go-pinned", "stateful-get",
                                         [catalog.property_("attribution")]), explain=True)
    attribution = next(r for r in results if r.property == "attribution")
    assert attribution.verdict.kind == "holds"
    assumptions = attribution.verdict.assumptions
    assert len(assumptions) == 1 and assumptions[0] in PINNED.values()
    unpinned = symbolic.check_model(build("go-unpinned", "stateful-get",
                                          [catalog.property_("attribution")]))
    assert next(r for r in unpinned if r.property == "attribution").verdict.kind == "violated"


THREE_MS = """
[[os_thread]]
name = "M1"
[[os_thread]]
name = "M2"
[[os_thread]]
name = "M3"
[[goroutine]]
name = "G1"
on = "M1"
pinned = true
[[goroutine]]
name = "G2"
on = "M2"
pinned = true
[syscall]
path = ["emit"]
"""


def test_both_pins_needed_with_a_spare_thread():
    """With a third M an unpinned goroutine can leave its M and lose its
    message: completeness then needs both pinning assumptions."""
    model = world.build(parse(THREE_MS, "three-ms.toml", "three-ms"),
                        catalog.design("stateful-get"),
                        [catalog.property_("completeness")])[0]
    results = {r.property: r.verdict for r in symbolic.check_model(model, explain=True)}
    assert results["completeness"].kind == "holds"
    assert sorted(results["completeness"].assumptions) == sorted(PINNED.values())


def test_designs_that_ignore_scheduling_need_no_assumption():
    for r in symbolic.check_model(build("go-pinned", "4th-arg"), explain=True):
        assert r.verdict.kind == "holds" and r.verdict.assumptions == []


# -- the model's own mistakes and corner cases -------------------------------

def counter_model(limit_guard: bool):
    """x counts 0, 1 in a domain of two values; unguarded, it overflows."""
    b = ModelBuilder("counter in test")
    x = b.var("x", Domain.range(1))
    b.action("A", "count", (x < 1) if limit_guard else TRUE, {x: x + 1})
    b.add_check(Check("small", "x stays 0 or 1", (Condition("x <= 1", x <= 1),),
                      Condition("x is 1", x == 1)))
    return b.build(max_states=100)


def test_update_leaving_its_domain_is_reported():
    assert symbolic.check_model(counter_model(True))[0].verdict.kind == "holds"
    with pytest.raises(symbolic.DomainError, match="sets x outside its domain"):
        symbolic.check_model(counter_model(False))


class NeverWitnessed(Property):
    name = "never-witnessed"
    summary = "holds trivially, and its witness never happens"

    def conditions(self, w):
        yield Condition("true", TRUE)

    def witness(self, w):
        return Condition("something impossible", FALSE)


def test_vacuous_property_is_unknown_in_both_engines():
    model = build("one-thread", "4th-arg", [NeverWitnessed])
    for results in (explicit.check_model(model), symbolic.check_model(model)):
        assert results[0].verdict.kind == "unknown"
        assert results[0].verdict.detail == 'vacuous: never "something impossible"'


# -- crosscheck ----------------------------------------------------------------

def test_crosscheck_both_returns_explicit_results_with_the_proof():
    model = build("go-unpinned", "stateful-get", [catalog.property_(p) for p in (
        "attribution", "no-foreign-output", "completeness")])
    results = crosscheck.check_model(model, "both")
    assert [r.verdict.kind for r in results] == ["violated", "holds", "violated"]
    assert results[1].verdict.detail.startswith("all ")
    assert results[1].proof.startswith("holds (proved")
    assert results[0].proof == "violated (depth 7)"


def test_crosscheck_names_model_property_and_verdicts():
    model = build("go-unpinned", "stateful-get")
    e = explicit.check_model(model)[0].verdict
    z = symbolic.check_model(model)[1].verdict
    err = crosscheck.EngineDisagreement(model.name, "attribution", e, z, "verdict kind")
    text = str(err)
    assert "\n" not in text
    for part in ("stateful-get in go-unpinned", "attribution", str(e), str(z)):
        assert part in text


def test_disagreement_rules():
    from einval.verdict import Verdict
    holds, unknown = Verdict("holds", "x"), Verdict("unknown", "bound")
    v5, v7 = Verdict("violated", "depth 5", depth=5), Verdict("violated", "depth 7", depth=7)
    d = crosscheck.disagreement
    assert d(holds, holds) is None and d(v5, v5) is None
    assert d(holds, unknown) == "verdict kind"
    assert d(v5, v7) == "counterexample length"
    assert d(holds, v5) == "verdict kind"
    # the explicit search stopped at a bound: z3 may know more, not less
    assert d(unknown, holds, explored=4, complete=False) is None
    assert d(unknown, v7, explored=4, complete=False) is None
    assert d(unknown, v5, explored=6, complete=False) == (
        "a violation the explicit search should have met")
