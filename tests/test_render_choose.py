"""Which counterexample is shown: the clearest of the shortest, one per
distinct way, and a witness for a property that holds."""

from __future__ import annotations

import pytest

from einval import catalog, explicit, world
from einval.cli import main
from einval.render import choose
from einval.render import space as spaces
from einval.verdict import Trace


def build(design: str, scenario: str):
    model, _ = world.build(catalog.scenario(scenario), catalog.design(design),
                           catalog.properties())
    return model


def all_shortest(space: spaces.Space, targets: set[int]) -> list[list[int]]:
    """Every shortest path (as actions) to the nearest targets, by brute force."""
    depth = min(space.depth[t] for t in targets)
    out: list[list[int]] = []

    def walk(node: int, path: list[int]) -> None:
        if len(path) == depth:
            if node in targets:
                out.append(list(path))
            return
        for action, target in space.edges[node]:
            if space.depth[target] == space.depth[node] + 1:
                walk(target, path + [action])

    walk(0, [])
    return out


@pytest.mark.parametrize("design,scenario,prop", [
    ("stateful-get", "go-unpinned", "attribution"),
    ("per-cpu", "cpu-migration", "attribution"),
    ("fd-log", "cpu-migration", "completeness"),
    ("task-struct", "irq-during-bpf", "attribution"),
])
def test_the_clearest_is_a_shortest_with_fewest_switches(design, scenario, prop):
    model = build(design, scenario)
    check = model.check(prop)
    engine = explicit.judge(explicit.explore(model), check)
    trace = choose.counterexample(model, check)
    assert len(trace.steps) == engine.depth == len(engine.trace.steps)
    space = spaces.of(model)
    paths = all_shortest(space, set(spaces.failing(space, check)))
    lanes = [a.lane for a in model.actions]
    fewest = min(spaces.switches(lanes[a] for a in p) for p in paths)
    assert spaces.switches(s.lane for s in trace.steps) == fewest
    assert [s.action for s in trace.steps] in paths
    assert trace.failed is not None and trace.failed in check.always


def test_the_clearest_beats_a_shuffle():
    """Some shortest counterexample interleaves more than the one shown."""
    model = build("stateful-get", "go-unpinned")
    check = model.check("attribution")
    space = spaces.of(model)
    paths = all_shortest(space, set(spaces.failing(space, check)))
    lanes = [a.lane for a in model.actions]
    counts = {spaces.switches(lanes[a] for a in p) for p in paths}
    assert len(paths) > 1 and max(counts) > min(counts)


def test_both_engines_agree_on_the_length_shown(capsys):
    argv = ["check", "--design", "per-cpu", "--scenario", "irq-during-bpf",
            "--property", "attribution"]
    assert main(argv) == 1
    explicit_out = capsys.readouterr().out
    assert main(argv + ["--engine", "both"]) == 1
    both_out = capsys.readouterr().out
    assert "shortest counterexample, 5 steps" in explicit_out
    assert "shortest counterexample, 5 steps" in both_out
    assert explicit_out.split("\n\n")[1] == both_out.split("\n\n")[1]


def test_all_lists_each_way_once():
    """per-cpu in cpu-migration: T1 reads T2's message, or T2 reads T1's;
    every other shortest trace is a permutation of one of those two."""
    model = build("per-cpu", "cpu-migration")
    ways = choose.distinct(model, model.check("attribution"))
    assert [(w.condition, w.lanes) for w in ways] == [
        ("every message retrieved for T1#1 was emitted by T1#1",
         ("T1", "T2", "scheduler")),
        ("every message retrieved for T2#1 was emitted by T2#1",
         ("T1", "T2", "scheduler")),
    ]
    for way in ways:
        assert way.trace.failed.label == way.condition
        assert tuple(sorted({s.lane for s in way.trace.steps})) == way.lanes
        assert len(way.trace.steps) == 7


def test_all_leaves_out_bystanders():
    """A way whose actors include another way's, for the same condition,
    is that way plus bystanders, and is not listed."""
    model = build("task-struct", "irq-during-bpf")
    ways = choose.distinct(model, model.check("attribution"))
    sets = [(w.condition, set(w.lanes)) for w in ways]
    for c, lanes in sets:
        assert not any(c == d and other < lanes for d, other in sets)
    assert ("every message retrieved for T1#1 was emitted by T1#1",
            {"T1", "IRQ0"}) in sets


def test_all_on_the_command_line(capsys):
    status = main(["check", "--design", "per-cpu", "--scenario", "cpu-migration",
                   "--property", "attribution", "--all"])
    out = capsys.readouterr().out
    assert status == 1
    assert "attribution: way 1 of 2 (T1, T2, scheduler), 7 steps" in out
    assert "attribution: way 2 of 2 (T1, T2, scheduler), 7 steps" in out


def test_a_witness_shows_holds_was_not_vacuous(capsys):
    model = build("4th-arg", "go-unpinned")
    check = model.check("attribution")
    trace = choose.witness(model, check)
    space = spaces.of(model)
    reached = spaces.satisfying(space, check.witness)
    assert len(trace.steps) == min(space.depth[n] for n in reached)
    assert [s.name for s in trace.steps][-1] == "reads the explanation of G1#1"
    status = main(["check", "--design", "4th-arg", "--scenario", "go-unpinned",
                   "--property", "attribution", "--witness"])
    out = capsys.readouterr().out
    assert status == 0
    assert f"attribution: witness, {len(trace.steps)} steps" in out
    assert "reaches: some call fails and its caller retrieves the explanation" in out


def test_a_vacuous_property_has_no_witness():
    model = build("4th-arg", "one-thread")
    check = model.check("attribution")
    never = type(check.witness)("never", check.witness.expr & ~check.witness.expr)
    assert choose.witness(model, type(check)(check.name, check.summary,
                                             check.always, never)) is None


def test_a_length_the_graph_does_not_confirm_is_a_disagreement():
    from dataclasses import replace

    model = build("per-cpu", "cpu-migration")
    [r] = [x for x in explicit.check_model(model) if x.property == "attribution"]
    trace = r.verdict.trace
    longer = Trace(trace.model, trace.initial, trace.steps + trace.steps[-1:], trace.failed)
    forged = replace(r, verdict=replace(r.verdict, trace=longer))
    with pytest.raises(choose.EngineDisagreement, match="has 8 steps, the explored "
                       "graph's 7"):
        choose.clarify([forged])
    assert choose.clarify([forged], limit=10) == [forged]  # too large: kept as is


def test_all_gives_up_in_plain_words_on_a_large_search(capsys, monkeypatch):
    monkeypatch.setattr(choose, "DISTINCT_LIMIT", 20)
    status = main(["check", "--design", "per-cpu", "--scenario", "cpu-migration",
                   "--property", "attribution", "--all"])
    out = capsys.readouterr().out
    assert status == 1
    assert ("attribution: shortest counterexample, 7 steps (--all gave up: more "
            "than 20 (state, actor set) pairs)") in " ".join(out.split())


def test_json_carries_ways_and_witnesses(capsys):
    import json

    status = main(["check", "--design", "per-cpu", "--scenario", "cpu-migration",
                   "--all", "--witness", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == 1
    by_prop = {r["property"]: r for r in doc["results"]}
    ways = by_prop["attribution"]["ways"]
    assert [w["depth"] for w in ways] == [7, 7]
    assert {w["failed"]["condition"] for w in ways} == {
        "every message retrieved for T1#1 was emitted by T1#1",
        "every message retrieved for T2#1 was emitted by T2#1"}
    witness = by_prop["no-foreign-output"]["witness"]
    assert witness["trace"][-1]["action"].startswith("reads the explanation of")
    assert "ways" not in by_prop["no-foreign-output"]


def test_witness_runs_report_what_never_fired(capsys):
    status = main(["check", "--design", "4th-arg", "--scenario", "go-pinned",
                   "--property", "attribution", "--witness"])
    out = " ".join(capsys.readouterr().out.split())
    assert status == 0
    assert "never fired: G1@M2 never acts; G2@M1 never acts" in out
    main(["check", "--design", "4th-arg", "--scenario", "one-thread", "--witness"])
    assert "never fired" not in capsys.readouterr().out
