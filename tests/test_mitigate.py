"""``einval mitigate``: the minimal switch sets, as computed, pinned.

The scenarios and properties are named (those of the first catalogue)
so that a new shipped scenario or property changes a test only where it
says so.
"""

from __future__ import annotations

from functools import cache

import pytest

from einval import catalog
from einval.cli import main
from einval.design import Choice
from einval.mitigate import Mitigation, mitigate, subsets

FIRST_TEN = ("bpf-fentry", "cpu-migration", "go-pinned", "go-unpinned",
             "irq-during-bpf", "nested-call", "one-thread", "shared-fd",
             "signal-handler", "two-threads")
FIRST_THREE = ("attribution", "no-foreign-output", "completeness")
NO_GO = tuple(s for s in FIRST_TEN if s != "go-unpinned")
# The scenarios each mitigation is about (fast enough for the default run).
HAZARDS = ("irq-during-bpf", "nested-call", "signal-handler")


@cache
def answer(design: str, scenarios: tuple[str, ...] = FIRST_TEN,
           engine: str = "explicit") -> Mitigation:
    return mitigate(catalog.design(design), [catalog.scenario(s) for s in scenarios],
                    [catalog.property_(p) for p in FIRST_THREE], engine)


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_subsets_are_every_subset_smallest_first():
    assert subsets(["a", "b"]) == [frozenset(), {"a"}, {"b"}, {"a", "b"}]


def test_task_struct_needs_both_guards():
    got = answer("task-struct", HAZARDS)
    assert got.mitigations == ["in_task", "save_restore"]
    assert got.fixed == ["bpf_output"]  # a hazard is never tried as a repair
    assert got.minimal == [{"in_task", "save_restore"}]
    failing = {t.switches: {(r.scenario, r.property) for r in t.failing}
               for t in got.trials}
    assert failing[frozenset({"in_task"})] == {("nested-call", "completeness")}
    assert failing[frozenset({"save_restore"})] == {("irq-during-bpf", "attribution")}


def test_shared_storage_is_not_repaired_and_bpf_fentry_survives():
    got = answer("shared-storage", ("bpf-fentry",))
    assert got.minimal == []
    assert all("bpf_output" in t.switches | got.choice.switches for t in got.trials)
    survivor = got.survivor()
    assert (survivor.scenario, survivor.property) == ("bpf-fentry", "attribution")
    assert len(survivor.verdict.trace.steps) == 5


MINIMAL = {
    "task-struct": [{"in_task", "save_restore"}],
    "stateful-reg": [{"in_task", "outer_only", "save_restore"}],
    "stateful-get": [{"in_task", "save_restore", "sigframe"}],
}


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get"])
def test_stateful_designs_need_every_switch_against_the_hazards(design):
    assert answer(design, HAZARDS).minimal == MINIMAL[design]


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get"])
def test_no_switch_repairs_a_stateful_design_for_unpinned_goroutines(design):
    got = answer(design, ("go-unpinned",))
    assert got.minimal == []
    assert len(got.trials) == 2 ** len(got.mitigations)  # every set was tried
    assert {(r.scenario, r.property) for r in got.everything.failing} == {
        ("go-unpinned", "attribution"), ("go-unpinned", "completeness")}
    assert got.survivor().scenario == "go-unpinned"


@pytest.mark.slow
@pytest.mark.parametrize("design", ["task-struct", "stateful-reg", "stateful-get"])
def test_minimal_sets_over_the_first_catalogue(design):
    assert answer(design, NO_GO).minimal == MINIMAL[design]
    assert answer(design).minimal == ([] if design.startswith("stateful") else
                                      MINIMAL[design])


def test_command_prints_minimal_sets_in_72_columns(capsys):
    argv = (["mitigate", "task-struct"] + [a for s in HAZARDS for a in ("--scenario", s)]
            + [a for p in FIRST_THREE for a in ("--property", p)])
    status, out, err = run(capsys, *argv)
    assert status == 0 and err == ""
    assert "in_task + save_restore  holds (minimal)" in out
    assert "minimal sets: 1" in out
    assert "not a mitigation, left as the design has it: bpf_output (off)" in out
    assert all(len(line) <= 72 for line in out.splitlines())


def test_command_shows_the_surviving_counterexample(capsys):
    status, out, _ = run(capsys, "mitigate", "stateful-get", "--scenario", "go-unpinned",
                         "--property", "attribution")
    assert status == 1
    assert "no set of switches suffices" in out
    assert "given: G1 is not pinned" in out
    assert "fails: every message retrieved for G1#1 was emitted by G1#1" in out
    assert all(len(line) <= 72 for line in out.splitlines())


def test_a_design_without_switches_that_holds_needs_nothing(capsys):
    status, out, _ = run(capsys, "mitigate", "4th-arg", "--scenario", "nested-call")
    assert status == 0
    assert "1. (none)" in out and "the design holds as it is" in out


@pytest.mark.parametrize("argv", [
    ["mitigate", "no-such-design"],
    ["mitigate", "task-struct", "--scenario", "no-such"],
    ["mitigate", "task-struct", "--engine", "quantum"],
    ["mitigate", "task-struct:no_switch"],
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1


def test_both_engines_agree_on_task_struct():
    scenarios = ("irq-during-bpf",)
    explicit = answer("task-struct", scenarios)
    both = answer("task-struct", scenarios, "both")
    assert both.minimal == explicit.minimal == [{"in_task"}]
    assert all(r.engine == "explicit+z3" for t in both.trials for r in t.results)
    kinds = [[r.verdict.kind for r in t.results] for t in both.trials]
    assert kinds == [[r.verdict.kind for r in t.results] for t in explicit.trials]


@pytest.mark.slow
def test_both_engines_agree_on_task_struct_against_every_hazard():
    assert answer("task-struct", HAZARDS, "both").minimal == MINIMAL["task-struct"]


def test_a_variant_keeps_its_switches_on():
    got = answer("shared-storage", ("one-thread",))
    assert got.choice == Choice(got.choice.design, frozenset({"bpf_output"}),
                                "shared-storage")
    assert got.minimal == [frozenset()]


def test_json_names_the_sets_and_the_survivor(capsys):
    import json

    status, out, _ = run(capsys, "mitigate", "shared-storage", "--scenario", "bpf-fentry",
                         "--format", "json")
    doc = json.loads(out)
    assert status == 1 and doc["command"] == "mitigate"
    assert doc["fixed"] == {"bpf_output": True} and doc["minimal"] == []
    assert [t["switches"] for t in doc["trials"]] == [
        [], ["in_task"], ["save_restore"], ["in_task", "save_restore"]]
    assert doc["survivor"]["scenario"] == "bpf-fentry"
    assert doc["survivor"]["depth"] == len(doc["survivor"]["trace"]) == 5


def test_a_bound_reached_everywhere_is_unknown_not_none(capsys):
    status, out, _ = run(capsys, "mitigate", "task-struct", "--scenario", "nested-call",
                         "--max-states", "3")
    assert status == 3
    assert "no set of switches is shown to suffice" in out
    assert "state bound 3 reached" in out
