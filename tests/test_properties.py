"""Every property has a case where it is violated and one where it holds,
and a witness that keeps it from holding vacuously."""

import pytest
from helpers import verdict

from einval import catalog, explicit, world
from einval.lang import FALSE
from einval.model import Condition
from einval.property import Property

CASES = [
    # property, (design, scenario) violated, (design, scenario) holds
    ("attribution", ("stateful-get", "go-unpinned"), ("stateful-get", "go-pinned")),
    ("no-foreign-output", ("shared-storage", "bpf-fentry"), ("task-struct", "bpf-fentry")),
    ("completeness", ("stateful-reg", "go-unpinned"), ("stateful-reg", "go-pinned")),
]


@pytest.mark.parametrize("prop,bad,good", CASES)
def test_property_violated_and_holding(prop, bad, good):
    assert verdict(*bad, prop).verdict.kind == "violated"
    assert verdict(*good, prop).verdict.kind == "holds"


def test_attribution_counterexample_names_the_foreign_message():
    r = verdict("stateful-get", "go-unpinned", "attribution")
    trace = r.verdict.trace
    # G1 and G2 are interchangeable: the trace may be about either one
    me, other = ("G1#1", "G2#1") if "G1#1 was" in trace.failed.label else ("G2#1", "G1#1")
    assert trace.failed.label == f"every message retrieved for {me} was emitted by {me}"
    assert trace.failed_values() == [(f"got[{me}]", f"[{other}]")]
    assert len(trace.steps) == r.verdict.depth == 7


def test_completeness_counterexample_shows_the_lost_message():
    r = verdict("stateful-get", "go-unpinned", "completeness")
    values = dict(r.verdict.trace.failed_values())
    assert values["got[G1#1]"] == "[]"
    assert values["emitted[G1#1]"] == "1"


def test_shared_storage_is_complete_when_capacity_permits():
    # P1 and the error site both fit in two slots: nothing of T1#1 is lost.
    assert verdict("shared-storage", "bpf-fentry", "completeness").verdict.kind == "holds"


class NeverWitnessed(Property):
    name = "never-witnessed"
    summary = "holds everywhere, but its witness is unreachable"

    def conditions(self, world):
        return []

    def witness(self, world):
        return Condition("something impossible happens", FALSE)


def test_an_unreached_witness_is_unknown_not_holds():
    model, _ = world.build(catalog.scenario("one-thread"), catalog.design("4th-arg"),
                           [NeverWitnessed])
    [r] = explicit.check_model(model)
    assert r.verdict.kind == "unknown"
    assert "vacuous" in r.verdict.detail
