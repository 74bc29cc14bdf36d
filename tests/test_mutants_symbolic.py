"""The Z3 engine's parts, each stated against a mutant that the rest of
the suite let through (``benchmarks/mutation.py einval.symbolic``).

The parts are small and their contracts are stated in their docstrings:
which actions commute (``reduction``), which assumptions a proof needs
(``explain``).  The tests state those contracts on hand-made inputs, so
they are cheap, and a change of the engine that keeps the contracts
keeps them green.
"""

from __future__ import annotations

from einval.model import Domain, ModelBuilder
from einval.symbolic.explain import minimal_assumptions
from einval.symbolic.reduction import footprint, independent_below


def two_counters():
    """Actions: 0 and 1 touch only x, 2 only y, 3 reads x and writes y,
    4 reads y only under the parameter ``p`` (frozen) being 1."""
    b = ModelBuilder("m")
    p = b.var("p", Domain.range(1), frozen=True)
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(3))
    z = b.var("z", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.action("a", "x down", x > 0, {x: x - 1})
    b.action("b", "y up", y < 3, {y: y + 1})
    b.action("c", "copy", x < 3, {y: x})
    b.action("d", "z up if p and y", (z < 3) & ((p == 0) | (y > 0)), {z: z + 1})
    return b.build(), (p, x, y, z)


def test_actions_on_disjoint_variables_are_independent_and_others_not():
    model, _ = two_counters()
    below = independent_below(model)
    assert below[0] == []
    assert below[1] == []  # both write x
    assert below[2] == [0, 1]  # y against x
    assert below[3] == []  # reads x (written by 0, 1), writes y (written by 2)
    assert below[4] == [0, 1]  # reads y: 2 and 3 write it


def test_a_fixed_parameter_folds_away_what_a_guard_reads():
    model, (p, x, y, z) = two_counters()
    # p == 0: "p == 0 or y > 0" is true, y is not read
    assert independent_below(model, {p.index: 0})[4] == [0, 1, 2, 3]
    assert footprint(model.actions[4], {p.index: 0}) == (
        frozenset({z.index}), frozenset({z.index}))
    assert footprint(model.actions[4], {}) == (
        frozenset({p.index, y.index, z.index}), frozenset({z.index}))
    assert footprint(model.actions[3], {}) == (frozenset({x.index}), frozenset({y.index}))


def prover(proofs: dict[int, list[frozenset[int]]], calls: list):
    """``prove(free)``: the checks proved with the parameters ``free``
    left free; check c is proved when ``free`` is inside one of the sets
    of ``proofs[c]``."""
    def prove(free):
        calls.append(free)
        return {c for c, ok in proofs.items() if any(free <= s for s in ok)}
    return prove


def test_an_assumption_is_kept_only_when_the_proof_needs_it():
    # check 0 needs parameter 1 pinned (it may free 2 and 3); check 1
    # needs nothing; check 2's core names only a parameter with no
    # sentence; check 3 needs 2 or 3 pinned, not both
    proofs = {0: [frozenset({2, 3})], 1: [frozenset({1, 2, 3})],
              2: [frozenset()], 3: [frozenset({1, 2}), frozenset({1, 3})]}
    calls: list = []
    cores = {0: {1, 2, 3}, 1: {1}, 2: {7}, 3: {1, 2, 3}}
    got = minimal_assumptions(cores, prover(proofs, calls), {1, 2, 3})
    assert got == {0: [1], 1: [], 2: [], 3: [3]}
    assert len(calls) == len(set(calls))  # each set of free parameters asked once


def test_an_assumption_outside_the_core_is_never_named():
    calls: list = []
    proofs = {0: [frozenset({3})]}
    got = minimal_assumptions({0: {1, 2}}, prover(proofs, calls), {1, 2, 3})
    assert got == {0: [1, 2]}
    assert frozenset({1, 2, 3}) in calls and all(3 in free for free in calls)


def test_only_parameters_with_sentences_are_ever_freed():
    """Parameter 0 is in the core but has no sentence: it stays fixed, so
    freeing it never costs parameter 1 its place in a proof."""
    calls: list = []
    proofs = {0: [frozenset({0, 3}), frozenset({1, 3})]}
    got = minimal_assumptions({0: {0, 1, 2}}, prover(proofs, calls), {1, 2, 3})
    assert got == {0: [2]}
    assert all(free <= {1, 2, 3} for free in calls)


def test_what_an_update_reads_is_read():
    """``y := x`` under a guard on y alone still reads x: it does not
    commute with a step that writes x."""
    b = ModelBuilder("m")
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.action("b", "copy", y < 3, {y: x})
    model = b.build()
    assert footprint(model.actions[1], {}) == (frozenset({x.index, y.index}),
                                               frozenset({y.index}))
    assert independent_below(model)[1] == []


def test_spacer_does_not_prove_a_property_violated_beyond_the_depth():
    """x counts to 6 and the property is "x != 5": a run of 5 steps, past
    the depth searched (3).  k-induction cannot prove it, so Spacer is
    asked, and must not prove it either: unknown, never holds."""
    from einval import symbolic
    from einval.model import Check, Condition

    b = ModelBuilder("counter")
    x = b.var("x", Domain.range(6))
    b.action("c", "x up", x < 6, {x: x + 1})
    b.add_check(Check("p", "", (Condition("x is never 5", x != 5),),
                      Condition("x reaches 1", x == 1)))
    [result] = symbolic.check_model(b.build(), max_depth=3, facts=False)
    assert result.verdict.kind == "unknown", result.verdict


def test_spacer_answers_for_the_property_and_the_domain():
    """Spacer on its own (``chc.prove``): a reachable violation is not
    proved, an invariant is, and an update that leaves its variable's
    domain is not (domain closure is part of what it proves)."""
    from einval.model import Check, Condition
    from einval.symbolic import chc
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System

    def model(top: int, bad: int):
        b = ModelBuilder("counter")
        x = b.var("x", Domain.range(5))
        b.action("c", "x up", x < top, {x: x + 1})
        b.add_check(Check("p", "", (Condition("x is never bad", x != bad),),
                          Condition("x reaches 1", x == 1)))
        return b.build()

    def prove(m):
        return chc.prove(System(m, Encoding.for_model(m)), m.checks[0], timeout_ms=20_000)

    assert not prove(model(5, 4))  # x reaches 4
    assert prove(model(5, 7))  # 7 is never reached
    assert not prove(model(6, 7))  # x := 6 leaves 0..5


def _catalogue_model(scenario: str, design: str):
    from einval import catalog, world

    return world.build(catalog.scenario(scenario), catalog.design(design),
                       catalog.properties())[0]


def test_an_unknown_encoding_is_refused():
    import pytest

    from einval.symbolic.compile import Encoding

    model = _catalogue_model("one-thread", "4th-arg")
    assert Encoding.for_model(model).kind == "bv"
    with pytest.raises(ValueError, match="no encoding"):
        Encoding.for_model(model, "bitvector")


def test_z3_stores_no_states_and_counts_no_transitions():
    """The Z3 engine's results say so: the figures of a report are the
    explicit search's, never invented for a symbolic proof."""
    from einval import symbolic

    results = symbolic.check_model(_catalogue_model("one-thread", "4th-arg"))
    assert results and {(r.states, r.transitions, r.engine) for r in results} == {
        (0, 0, "z3")}


def test_a_check_cut_by_the_time_limit_is_unknown():
    from einval import symbolic
    from einval.deadline import Deadline

    results = symbolic.check_model(_catalogue_model("two-threads", "fd-log"),
                                   deadline=Deadline(1e-9))
    assert results and all(r.verdict.kind in ("unknown", "violated") for r in results)
    assert any(r.verdict.kind == "unknown" for r in results)
    assert {(r.states, r.transitions, r.engine) for r in results} == {(0, 0, "z3")}
    assert [r.property for r in results] == [c.name for c in
                                             _catalogue_model("two-threads", "fd-log").checks]


def test_progress_counts_the_open_checks_at_each_depth():
    from einval import symbolic

    model = _catalogue_model("two-threads", "fd-log")
    seen: list[tuple[int, int]] = []
    symbolic.check_model(model, progress=lambda open_, depth: seen.append((open_, depth)))
    assert seen and seen[0][0] == len(model.checks)
    assert all(0 <= n <= len(model.checks) for n, _ in seen)
    assert [d for _, d in seen] == sorted(d for _, d in seen)


def test_houdinis_sample_is_exhaustive_when_small_and_walks_when_large():
    """The candidate filter: every reachable state of a small model; on a
    large one (past ``exhaustive``), states met on random runs: reachable
    ones only, more than the breadth-first prefix, and the same for a seed."""
    from einval.symbolic import invariants, reached

    model = _catalogue_model("two-threads", "task-struct")
    everything = reached.reachable(model)
    assert everything is not None
    assert invariants.sample(model) == everything
    small = invariants.sample(model, exhaustive=3)
    assert model.initial_state() in small and small <= everything
    assert invariants.sample(model, exhaustive=3) == small  # seeded: the same walks
    assert len(invariants.sample(model, walks=0, exhaustive=3)) < len(small)
    deepest = max(reached.levels(model).values())
    assert any(reached.levels(model)[s] >= deepest // 2 for s in small)
