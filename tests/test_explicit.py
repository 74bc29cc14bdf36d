"""The explicit engine: shortest counterexamples, bounds, the graph."""

import networkx as nx

from einval import catalog, explicit, world
from einval.runner import with_bounds
from einval.verdict import ReplayError, Trace


def build(design, scenario, **bounds):
    s = with_bounds(catalog.scenario(scenario), bounds.get("max_states"),
                    bounds.get("max_depth"))
    return world.build(s, catalog.design(design), catalog.properties())[0]


def test_graph_is_a_networkx_digraph_of_every_state():
    model = build("stateful-get", "go-unpinned")
    ex = explicit.explore(model)
    assert isinstance(ex.graph, nx.DiGraph)
    assert ex.graph.number_of_nodes() == len(ex.states) == len(set(ex.states))
    assert ex.complete


def test_counterexamples_are_shortest_paths_of_the_graph():
    model = build("stateful-get", "go-unpinned")
    ex = explicit.explore(model)
    for check_ in model.checks:
        v = explicit.judge(ex, check_)
        if v.kind != "violated":
            continue
        conds = [explicit.compile_condition(c) for c in check_.always]
        bad = [i for i, s in enumerate(ex.states) if not all(c(s) for c in conds)]
        lengths = nx.single_source_shortest_path_length(ex.graph, 0)
        assert len(v.trace.steps) == min(lengths[i] for i in bad)


def test_a_state_bound_hit_gives_unknown_never_holds():
    model = build("4th-arg", "go-unpinned", max_states=10)
    results = explicit.check_model(model)
    assert {r.verdict.kind for r in results} == {"unknown"}
    assert "state bound 10" in results[0].verdict.detail


def test_a_depth_bound_hit_gives_unknown():
    results = explicit.check_model(build("4th-arg", "one-thread", max_depth=3))
    assert {r.verdict.kind for r in results} == {"unknown"}
    assert "depth bound 3" in results[0].verdict.detail


def test_a_violation_within_the_bound_is_still_reported():
    model = build("stateful-get", "go-unpinned", max_states=200)
    r = explicit.check_model(model)[0]
    assert r.verdict.kind == "violated" and r.verdict.depth == 7


def test_replay_refuses_an_impossible_step():
    model = build("4th-arg", "one-thread")
    exit_action = next(i for i, a in enumerate(model.actions) if "returns" in a.name)
    try:
        Trace.replay(model, [exit_action])
    except ReplayError as err:
        assert "not enabled" in str(err)
    else:
        raise AssertionError("an exit before entry replayed")

# Determinism is tested across processes of different hash seeds:
# test_contract.py::test_output_is_the_same_bytes_in_processes_of_different_hash_seeds


def test_a_verdicts_trace_is_made_when_first_read(monkeypatch):
    """``judge`` knows a counterexample's length (its state's depth) and
    model before the run is rebuilt; the run is rebuilt, replayed and
    given its failed condition only when read, once."""
    model = build("per-cpu", "cpu-migration")
    ex = explicit.explore(model)
    [check] = [c for c in model.checks if c.name == "attribution"]
    made = []
    rebuild = ex.trace
    monkeypatch.setattr(ex, "trace", lambda i: made.append(i) or rebuild(i))
    verdict = explicit.judge(ex, check)
    trace = verdict.trace
    assert verdict.kind == "violated" and verdict.depth == trace.length == 7
    assert trace.model is model and made == []
    assert len(trace.steps) == 7 and trace.failed is not None and trace.final
    assert isinstance(trace, Trace) and len(made) == 1
    assert [s.state for s in trace.steps] == [s.state for s in rebuild(made[0]).steps]
