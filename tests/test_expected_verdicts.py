"""The thread's own claims, as the expected verdicts of the catalogue."""

import pytest
from helpers import verdict

from einval import catalog

SHIPPED = ["one-thread", "two-threads", "go-unpinned", "go-pinned", "bpf-fentry"]
PROPERTIES = ["attribution", "no-foreign-output", "completeness"]


def test_the_catalogue_ships_what_the_issue_names():
    assert [s.name for s in catalog.scenarios()] == SHIPPED
    assert [p.name for p in catalog.properties()] == PROPERTIES
    assert [d.name for d in catalog.designs()] == [
        "4th-arg", "task-struct", "stateful-reg", "stateful-get", "shared-storage"]


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get"])
def test_stateful_go_unpinned_breaks_attribution(design):
    r = verdict(design, "go-unpinned", "attribution")
    assert r.verdict.kind == "violated"
    trace = r.verdict.trace
    # The counterexample really moves a goroutine to another OS thread.
    assert any(step.actor == "Go scheduler" for step in trace.steps)


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get"])
def test_stateful_go_pinned_keeps_attribution(design):
    r = verdict(design, "go-pinned", "attribution")
    assert r.verdict.kind == "holds"


def test_shared_storage_bpf_output_interleaves():
    r = verdict("shared-storage", "bpf-fentry", "no-foreign-output")
    assert r.verdict.kind == "violated"
    assert any(step.actor.startswith("P1") for step in r.verdict.trace.steps)


@pytest.mark.parametrize("design", ["4th-arg", "task-struct"])
@pytest.mark.parametrize("scenario", SHIPPED)
@pytest.mark.parametrize("prop", PROPERTIES)
def test_4th_arg_and_task_struct_hold_everywhere(design, scenario, prop):
    r = verdict(design, scenario, prop)
    assert r.verdict.kind == "holds", str(r.verdict)
    assert r.verdict.detail == f"all {r.states} states"
