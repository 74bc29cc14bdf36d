"""The search core: indexed successors, packed states, parent pointers,
early stop, bounds."""

from __future__ import annotations

import networkx as nx

from einval import catalog, explicit, world
from einval.lang import evaluate, to_python
from einval.model import Check, Condition, ModelBuilder
from einval.runner import with_bounds
from einval.search import compile as compiled
from einval.search import core
from einval.search.fold import allowed, fold

PROPERTIES = catalog.properties()


def build(design: str, scenario: str, **bounds):
    s = with_bounds(catalog.scenario(scenario), bounds.get("max_states"),
                    bounds.get("max_depth"))
    return world.build(s, catalog.design(design), PROPERTIES)[0]


def naive(model):
    """Every guard of every action tried in every state, as the old engine
    did: each guard and update compiled on its own, no index, no folding."""
    compiled_actions = []
    for number, action in enumerate(model.actions):
        guard = eval(f"lambda s: {to_python(action.guard)}")  # noqa: S307
        updates = [(i, eval(f"lambda s: {to_python(e)}")) for i, e in action.updates]  # noqa: S307
        compiled_actions.append((number, guard, updates))

    def successors(state):
        out = set()
        for number, guard, updates in compiled_actions:
            if guard(state):
                nxt = bytearray(state)
                for index, update in updates:
                    nxt[index] = update(state)
                out.add((number, bytes(nxt)))
        return out

    return successors


MODELS = [(d.name, s.name) for d in catalog.designs() for s in catalog.scenarios()]


def test_indexed_successors_are_exactly_the_enabled_actions():
    """On every reachable state of every shipped design x scenario."""
    checked = 0
    for design, scenario in MODELS:
        model = build(design, scenario)
        reference = naive(model)
        successors = compiled.compile_successors(model)
        ex = explicit.explore(model, symmetry=False)
        assert ex.complete
        for state in ex.states:
            assert set(successors(state)) == reference(state), (design, scenario)
            checked += 1
    assert checked > 3000


def test_allowed_values_over_approximate_the_guard():
    b = ModelBuilder("m")
    pc = b.var("pc", compiled_domain(6))
    x = b.var("x", compiled_domain(3))
    guard = ((pc == 1) | ((pc >= 3) & (pc < 5))) & (x != 2)
    assert allowed(guard, pc.index, 7) == {1, 3, 4}
    assert allowed(guard, x.index, 4) == {0, 1, 3}
    for value in range(7):
        folded = fold(guard, {pc.index: value})
        assert (value in {1, 3, 4}) or folded.value == 0  # type: ignore[attr-defined]


def compiled_domain(n):
    from einval.model import Domain

    return Domain.range(n)


def test_states_are_bytes_and_parents_give_shortest_paths():
    model = build("stateful-get", "go-unpinned")
    ex = explicit.explore(model, symmetry=False)
    assert all(isinstance(s, bytes) for s in ex.states)
    distance = nx.single_source_shortest_path_length(ex.graph, 0)
    for index in range(len(ex.states)):
        path = ex.path(index)
        assert len(path) - 1 == ex.depth[index] == distance[index]
        trace = ex.trace(index)
        assert bytes(trace.final) == ex.states[index]


def test_the_graph_has_every_state_and_edge():
    model = build("stateful-reg", "go-pinned")
    ex = explicit.explore(model, symmetry=False)
    g = ex.graph
    assert g.number_of_nodes() == len(ex.states)
    successors = compiled.compile_successors(model)
    number = {s: i for i, s in enumerate(ex.states)}
    edges = {(i, number[t]) for i, s in enumerate(ex.states) for _, t in successors(s)}
    assert set(g.edges) == edges


def test_early_stop_gives_the_verdicts_of_the_whole_search():
    model = build("per-cpu", "two-threads")  # two of three violated
    full = explicit.explore(model, symmetry=False)
    verdicts = [explicit.judge(full, c) for c in model.checks]
    only_violated = [c for c, v in zip(model.checks, verdicts) if v.kind == "violated"]
    assert only_violated and len(only_violated) < len(model.checks)
    early = explicit.explore(model, symmetry=False, watch=only_violated)
    assert early.stopped and not early.complete
    assert len(early.states) < len(full.states)
    for check in only_violated:
        mine = explicit.judge(early, check)
        theirs = explicit.judge(full, check)
        assert (mine.kind, mine.depth) == (theirs.kind, theirs.depth)
        assert mine.trace.failed is not None
        assert not evaluate(mine.trace.failed.expr, mine.trace.final)
    # watching a check that holds means searching everything
    results = explicit.check_model(model, symmetry=False, settle=False)
    assert [r.verdict.kind for r in results] == [v.kind for v in verdicts]
    assert results[0].states == len(full.states)


def _tiny(max_states=None, max_depth=None, bad_at=3):
    """A counter 0..5; the check fails when it reaches ``bad_at``."""
    b = ModelBuilder("counter")
    n = b.var("n", compiled_domain(5))
    b.action("A", "tick", n < 5, {n: n + 1})
    b.add_check(Check("p", "", (Condition("n small", n != bad_at),),
                      Condition("n moved", n >= 1)))
    return b.build(max_states, max_depth)


def test_a_bound_reached_is_unknown_never_holds_and_a_violation_stays():
    [r] = explicit.check_model(_tiny(max_depth=2))
    assert r.verdict.kind == "unknown" and "depth bound 2" in r.verdict.detail
    [r] = explicit.check_model(_tiny(max_states=3))
    assert r.verdict.kind == "unknown" and "state bound 3" in r.verdict.detail
    [r] = explicit.check_model(_tiny(max_states=4))
    assert r.verdict.kind == "violated" and r.verdict.depth == 3
    [r] = explicit.check_model(_tiny(bad_at=9))
    assert str(r.verdict) == "holds (all 6 states)"


def test_a_violated_initial_state_stops_at_once():
    [r] = explicit.check_model(_tiny(bad_at=0))
    assert r.verdict.kind == "violated" and r.verdict.depth == 0 and r.states == 1


def test_vacuous_is_unknown():
    b = ModelBuilder("still")
    n = b.var("n", compiled_domain(1))
    b.action("A", "stay", n == 0, {n: 0})
    b.add_check(Check("p", "", (Condition("ok", n == 0),), Condition("moved", n == 1)))
    [r] = explicit.check_model(b.build())
    assert r.verdict.kind == "unknown" and "vacuous" in r.verdict.detail


def test_wide_domains_fall_back_to_tuples():
    b = ModelBuilder("wide")
    n = b.var("n", compiled_domain(300))
    b.action("A", "tick", n < 300, {n: n + 1})
    b.add_check(Check("p", "", (Condition("ok", n != 299),), Condition("moved", n >= 1)))
    model = b.build()
    assert not compiled.packs_to_bytes(model)
    [r] = explicit.check_model(model)
    assert r.verdict.kind == "violated" and r.verdict.depth == 299


def test_frozen_parameters_are_folded_out_of_guards():
    model = build("stateful-reg", "go-pinned")
    frozen = compiled.frozen_values(model)
    assert frozen
    for action in model.actions:
        folded = fold(action.guard, frozen)
        assert not set(frozen) & {v.index for v in _vars(folded)}


def _vars(expr):
    from einval.lang import Op, Var

    if isinstance(expr, Var):
        return [expr]
    if isinstance(expr, Op):
        return [v for a in expr.args for v in _vars(a)]
    return []


def test_core_first_violation_matches_a_scan():
    model = build("fd-log", "two-threads")
    ex = explicit.explore(model, symmetry=False)
    for check in model.checks:
        found = core.first_violation(ex, check)
        scan = next((i for i, s in enumerate(ex.states)
                     if not all(evaluate(c.expr, s) for c in check.always)), None)
        assert (found[0] if found else None) == scan


def test_one_pass_judges_each_check_as_one_pass_per_condition_would():
    """``core._scan`` judges every check in one pass over the stored
    states: the first violating state and the witness, as scanning the
    states condition by condition finds them (with and without symmetry;
    a check that is not the model's own is judged on its own)."""
    for design, scenario in [("stateful-get", "go-unpinned"), ("fd-log", "two-threads"),
                             ("exterrctl", "signal-handler"), ("4th-arg", "one-thread")]:
        model = build(design, scenario)
        for symmetry in (True, False):
            ex = explicit.explore(model, symmetry=symmetry)
            for check in model.checks:
                expected = next(((i, n) for i, s in enumerate(ex.states)
                                 for n, c in enumerate(check.always)
                                 if not evaluate(c.expr, s)), None)
                assert core.first_violation(ex, check) == expected, (design, check.name)
                met = any(evaluate(check.witness.expr, s) for s in ex.states)
                assert core.witnessed(ex, check) == met, (design, check.name)
            assert ex.scanned is not None
    model = build("stateful-get", "go-unpinned")
    ex = explicit.explore(model)
    original = model.checks[0]
    copy = Check("copy", "not the model's", original.always, original.witness)
    assert core.first_violation(ex, copy) == core.first_violation(ex, original)
    assert core.witnessed(ex, copy) == core.witnessed(ex, original)
