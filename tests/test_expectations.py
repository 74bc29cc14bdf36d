"""The shipped scenario files judge themselves: their ``[expect]`` tables.

Expectations are data (like a litmus test's ``Result:`` line), so adding a
design or a scenario never means editing this file: each shipped file is
one test case, and a file may name only some designs.  A few of the
thread's own claims are pinned here too, by what their counterexamples
must show, not by the catalogue's size.
"""

from __future__ import annotations

import pytest
from helpers import moved_goroutines, verdict

from einval import catalog, expect

SCENARIO_FILES = catalog.scenario_paths()


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_expectation_of_a_shipped_scenario_holds(path):
    scenario = catalog.scenario(str(path))
    outcomes = expect.judge(scenario, "explicit")
    wrong = [f"{o.expectation.design} {o.result.property}: expected "
             f"{o.expectation.verdict}, got {o.result.verdict}"
             for o in outcomes if not o.ok]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_expects_something_of_each_core_design(path):
    """The five designs of the thread are judged in every shipped file."""
    named = {e.design.split(":")[0] for e in catalog.scenario(str(path)).expectations}
    assert {"4th-arg", "task-struct", "stateful-reg", "stateful-get",
            "shared-storage"} <= named


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get"])
def test_stateful_go_unpinned_breaks_attribution_by_a_move(design):
    r = verdict(design, "go-unpinned", "attribution")
    assert r.verdict.kind == "violated"
    assert moved_goroutines(r.verdict.trace)


@pytest.mark.parametrize("design,depth", [("stateful-get", 7), ("stateful-reg", 8)])
def test_go_unpinned_shortest_counterexamples_have_the_real_length(design, depth):
    """With an M blocked in a syscall running nothing else (issue 7), the
    shortest traces are 7 and 8 steps: a goroutine's step after a syscall
    may run on another M (the scheduler's move is part of that step), but
    never on an M another goroutine's syscall blocks."""
    r = verdict(design, "go-unpinned", "attribution")
    assert r.verdict.depth == depth == len(r.verdict.trace.steps)


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get"])
def test_stateful_go_pinned_keeps_attribution(design):
    assert verdict(design, "go-pinned", "attribution").verdict.kind == "holds"


def test_shared_storage_bpf_output_interleaves():
    r = verdict("shared-storage", "bpf-fentry", "no-foreign-output")
    assert r.verdict.kind == "violated"
    assert any(step.actor.startswith("P1") for step in r.verdict.trace.steps)


def test_interrupt_reaches_task_struct_log_unless_in_task_guard():
    r = verdict("task-struct", "irq-during-bpf", "attribution")
    assert r.verdict.kind == "violated"
    assert any(step.actor.startswith("IRQ0") for step in r.verdict.trace.steps)
    assert verdict("task-struct:in_task", "irq-during-bpf",
                   "attribution").verdict.kind == "holds"


def test_signal_handler_call_overwrites_registered_buffer_unless_saved():
    r = verdict("stateful-reg", "signal-handler", "attribution")
    assert r.verdict.kind == "violated"
    assert any("handler" in step.name or "signal" in step.name
               for step in r.verdict.trace.steps)
    assert verdict("stateful-reg:save_restore", "signal-handler",
                   "attribution").verdict.kind == "holds"


def test_destructive_read_on_a_shared_fd_takes_another_threads_message():
    r = verdict("fd-log", "shared-fd", "attribution")
    assert r.verdict.kind == "violated"
    actors = {step.actor for step in r.verdict.trace.steps}
    assert {"T1", "T2"} <= actors
    assert verdict("fd-log:fd_per_thread", "shared-fd",
                   "attribution").verdict.kind == "holds"


def test_per_cpu_buffer_breaks_under_migration():
    r = verdict("per-cpu", "cpu-migration", "attribution")
    assert r.verdict.kind == "violated"
