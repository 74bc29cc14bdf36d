"""The Z3 engine's parts, each stated against a mutant that the rest of
the suite let through (``benchmarks/mutation.py einval.symbolic``).

The parts are small and their contracts are stated in their docstrings:
which actions commute (``reduction``), which assumptions a proof needs
(``explain``).  The tests state those contracts on hand-made inputs, so
they are cheap, and a change of the engine that keeps the contracts
keeps them green.
"""

from __future__ import annotations

from einval.deadline import Deadline
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


# -- compile: intervals, widths, terms ------------------------------------

def _ints():
    """x in 0..3, y in 0..5, a flag f; one action so the model builds."""
    b = ModelBuilder("m")
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(5))
    f = b.flag("f")
    b.action("a", "x up", x < 3, {x: x + 1})
    return b.build(), (x, y, f)


def test_interval_bounds_every_operator_over_the_domains():
    from einval.lang import If, lift
    from einval.symbolic.compile import interval

    model, (x, y, f) = _ints()
    assert interval(lift(4), model) == (4, 4)
    assert interval(x, model) == (0, 3)
    assert interval(x + y, model) == (0, 8)
    assert interval(x + 2, model) == (2, 5)
    assert interval(x - y, model) == (-5, 3)
    assert interval(If(f, x + 2, y - 7), model) == (-7, 5)
    assert interval(x < y, model) == (0, 1)  # a boolean operator: 0 or 1


def test_subterms_lists_each_node_once():
    from einval.symbolic.compile import subterms

    _, (x, y, _) = _ints()
    up = x + 1
    nodes = subterms([up, x, up])
    assert len(nodes) == 3 and {id(n) for n in nodes} == {id(up), id(x), id(up.args[1])}
    assert {id(n) for n in subterms([y, x, x])} == {id(x), id(y)}


def test_the_bit_vector_width_holds_every_value_the_model_computes():
    """``x + 60`` reaches 63 with x in 0..3: far past every domain and
    the number of actions; the encoding must not wrap it round."""
    import z3

    from einval.lang import lift
    from einval.symbolic.compile import Encoding, compile_expr

    b = ModelBuilder("m")
    x = b.var("x", Domain.range(3))
    f = b.flag("f")
    b.action("a", "x up", x < 3, {x: x + 1})
    b.action("a", "fire", x + 60 > 62, {f: True})
    b.action("a", "drop", x - 60 < -59, {f: False})
    model = b.build()
    enc = Encoding.for_model(model)
    env = [enc.num(3), z3.BoolVal(False)]
    assert z3.simplify(compile_expr(x + 60, env, enc)).as_signed_long() == 63
    assert z3.is_true(z3.simplify(compile_expr(model.actions[1].guard, env, enc)))
    env = [enc.num(0), z3.BoolVal(False)]
    assert z3.simplify(compile_expr(x - 60, env, enc)).as_signed_long() == -60
    assert z3.is_true(z3.simplify(compile_expr(model.actions[2].guard, env, enc)))

    b = ModelBuilder("below")  # only the lower bound is far from zero
    y = b.var("y", Domain.range(20))
    far = lift(0) - y - y - y - y
    b.action("a", "y up", far < y, {y: y + 1})
    model = b.build()
    enc = Encoding.for_model(model)
    assert z3.simplify(compile_expr(far, [enc.num(20)], enc)).as_signed_long() == -80


def test_integer_arithmetic_adds_and_subtracts():
    import z3

    from einval.symbolic.compile import apply

    assert z3.simplify(apply("sub", [z3.IntVal(5), z3.IntVal(2)])).as_long() == 3
    assert z3.simplify(apply("add", [z3.IntVal(5), z3.IntVal(2)])).as_long() == 7
    assert z3.simplify(apply("sub", [z3.BitVecVal(5, 8), z3.BitVecVal(2, 8)])).as_long() == 3


def test_comparisons_are_booleans_and_an_unknown_operator_is_named():
    """A comparison is a Boolean term (z3's Python operators then treat it
    as one) in both encodings; ``and`` of one term is that term."""
    import pytest
    import z3

    from einval.symbolic.compile import Encoding, apply, conj

    for a, b in ((z3.BitVecVal(5, 8), z3.BitVecVal(2, 8)), (z3.IntVal(5), z3.IntVal(2))):
        less = apply("lt", [a, b])
        assert isinstance(less, z3.BoolRef) and z3.is_false(z3.simplify(less))
        with pytest.raises(ValueError, match="unknown operator 'mul'"):
            apply("mul", [a, b])
    assert conj([z3.Bool("a")]).eq(z3.And(z3.Bool("a")))
    with pytest.raises(ValueError, match=r"unknown encoding 'real' \(known: bv, int\)"):
        Encoding("real")


# -- system: steps, domains, the order of independent actions ------------

def _two_independent():
    """Action 0 moves x, action 1 moves y: independent, each up to 3."""
    b = ModelBuilder("m")
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.action("b", "y up", y < 3, {y: y + 1})
    return b.build()


def _admitted(unrolling, steps: int, numbers) -> set[tuple[int, ...]]:
    """The action sequences of ``steps`` steps from the initial state
    that the unrolling admits, among those over ``numbers``."""
    from itertools import product

    import z3

    system = unrolling.system
    while unrolling.depth < steps:
        unrolling.extend()
    out = set()
    for seq in product(numbers, repeat=steps):
        lit = z3.Bool(f"seq{seq}")
        unrolling.solver.add(z3.Implies(lit, z3.And(
            [system.action(j) == system.enc.num(a) for j, a in enumerate(seq)])))
        if unrolling.query([unrolling.start, lit]).sat:
            out.add(seq)
    return out


def test_each_step_is_one_action_and_independent_ones_come_in_order():
    """Of the runs of 3 steps, the unrolling admits exactly one per
    commutation class: no "y up" just before an "x up" (by default);
    unreduced, every interleaving.  A number that is no action is never a
    step (no stuttering)."""
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    model = _two_independent()
    enc = Encoding.for_model(model)
    ordered = _admitted(Unrolling(System(model, enc)), 3, range(-1, 3))
    assert ordered == {(0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)}
    every = _admitted(Unrolling(System(model, enc), reduce=False), 3, range(3))
    assert every == {s for s in _product(2, 3)}


def test_a_fixed_parameter_makes_actions_independent_in_the_order():
    """y's guard reads x only when p is 1; p is 0 (not symbolic): the
    guard is true, so "y up" and "x up" commute and come in order;
    with p symbolic, its guard reads x and both orders remain."""
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    b = ModelBuilder("m")
    p = b.var("p", Domain.range(1), frozen=True)
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.action("b", "y up", (y < 3) & ((p == 0) | (x > 2)), {y: y + 1})
    model = b.build()
    enc = Encoding.for_model(model)
    fixed = _admitted(Unrolling(System(model, enc)), 2, range(2))
    assert fixed == {(0, 0), (0, 1), (1, 1)}
    free = _admitted(Unrolling(System(model, enc, symbolic_params=True)), 2, range(2))
    assert free == _product(2, 2)


def test_an_update_below_zero_is_reported():
    """Leaving the domain downwards is the model's bug as much as upwards."""
    import pytest

    from einval import symbolic

    b = ModelBuilder("down")
    x = b.var("x", Domain.range(3))
    f = b.flag("f")
    b.action("a", "down", ~f, {x: x - 1, f: True})
    with pytest.raises(symbolic.DomainError, match="a: down: sets x outside its domain"):
        symbolic.check_model(b.build())


def _product(n: int, k: int) -> set[tuple[int, ...]]:
    from itertools import product

    return set(product(range(n), repeat=k))


def _with_param():
    """p (frozen, scenario 0, with a sentence) gates x's step; t ticks
    whatever p is, so every state has a successor."""
    from einval.lang import If

    b = ModelBuilder("m")
    p = b.var("p", Domain.range(1), frozen=True, assumption="p is 0")
    x = b.var("x", Domain.range(3))
    t = b.var("t", Domain.range(1))
    b.action("a", "x up", (p == 1) & (x < 3), {x: x + 1})
    b.action("b", "tick", t >= 0, {t: If(t == 0, 1, 0)})
    return b.build(), (p, x)


def test_a_parameter_is_its_scenario_value_unless_symbolic():
    import z3

    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System

    model, (p, _) = _with_param()
    enc = Encoding.for_model(model)
    plain = System(model, enc)
    assert z3.is_true(z3.simplify(plain.term(p == 0, 0)))
    assert plain.param_values() == {}
    symbolic = System(model, enc, symbolic_params=True)
    assert not z3.is_true(z3.simplify(symbolic.term(p == 0, 0)))
    assert set(symbolic.param_values()) == {p.index}


def test_state_zero_is_initial_and_in_domain_parameters_included():
    import z3

    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System

    model, (p, x) = _with_param()
    enc = Encoding.for_model(model)
    system = System(model, enc, symbolic_params=True)
    s = enc.solver()
    s.add(system.initial())
    assert s.check(system.state(0)[x.index] != enc.num(0)) == z3.unsat
    s = enc.solver()
    s.add(system.in_domain(0))
    assert s.check(system.state(0)[p.index] == enc.num(2)) == z3.unsat
    assert s.check(system.state(0)[x.index] == enc.num(4)) == z3.unsat
    assert s.check(system.state(0)[p.index] == enc.num(1)) == z3.sat


def test_closure_is_needed_only_where_an_update_may_leave_its_domain():
    """As far as intervals tell: a copy of a variable of the same domain
    or an ``If`` over values of the domain cannot leave it; ``x + 1`` and
    ``x - 1`` may (guards are not read)."""
    from einval.lang import If
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System

    def closure(update) -> bool:
        b = ModelBuilder("m")
        x = b.var("x", Domain.range(3))
        y = b.var("y", Domain.range(3))
        f = b.flag("f")
        b.action("a", "set", x < 3, {x: update(x, y, f)})
        model = b.build()
        return System(model, Encoding.for_model(model)).has_closure

    assert not closure(lambda x, y, f: y)
    assert not closure(lambda x, y, f: If(f, 0, 3))
    assert closure(lambda x, y, f: x + 1)
    assert closure(lambda x, y, f: x - 1)
    assert closure(lambda x, y, f: If(f, 0, 4))


# -- unroll: parameters, simple paths, time --------------------------------

def test_a_refutation_names_the_parameters_it_needs_and_only_them():
    """x only moves when p is 1; p is 0: x stays 0.  "x is 0 at step 1"
    is refuted through p's pin alone (its core), "x is 0 at step 0"
    without it; with the pins not assumed the step would be taken."""
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    model, (p, x) = _with_param()
    system = System(model, Encoding.for_model(model), symbolic_params=True)
    u = Unrolling(system)
    u.goal("low", lambda k: system.term(x == 0, k))
    now = u.reach(["low"], 0)
    assert not now.sat and now.core == frozenset()
    u.extend()
    later = u.reach(["low"], 1)
    assert not later.sat and later.core == frozenset({p.index})
    assert later.used == frozenset({"low"})


def test_each_parameter_has_a_pin_of_its_own():
    """With two parameters, the refutation that needs p names p, not q."""
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    b = ModelBuilder("m")
    p = b.var("p", Domain.range(1), frozen=True, assumption="p is 0")
    x = b.var("x", Domain.range(3))
    b.var("q", Domain.range(1), frozen=True, assumption="q is 0")
    b.action("a", "x up", (p == 1) & (x < 3), {x: x + 1})
    model = b.build()
    system = System(model, Encoding.for_model(model), symbolic_params=True)
    u = Unrolling(system)
    u.goal("low", lambda k: system.term(x == 0, k))
    u.extend()
    assert u.reach(["low"], 1).core == frozenset({p.index})


def test_simple_paths_never_revisit_a_state():
    """x flips between 0 and 1: a loop-free run has one step, never two."""
    from einval.lang import If
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    b = ModelBuilder("flip")
    x = b.var("x", Domain.range(1))
    b.action("a", "flip", x >= 0, {x: If(x == 0, 1, 0)})
    model = b.build()
    system = System(model, Encoding.for_model(model))
    for stepwise in (True, False):
        u = Unrolling(system)
        u.extend()
        if stepwise:
            assert u.exhausted().sat
        u.extend()
        assert not u.exhausted().sat
        u.extend()
        assert not u.exhausted().sat

    b = ModelBuilder("idle")
    x = b.var("x", Domain.range(1))
    b.action("a", "stay", x >= 0, {x: x})
    model = b.build()
    u = Unrolling(System(model, Encoding.for_model(model)))
    u.extend()
    assert not u.exhausted().sat  # a step to the same state is a loop


def _pigeons(n: int):
    """n + 1 pigeons in n holes: unsatisfiable, and slow to refute."""
    import z3

    p = [[z3.Bool(f"pigeon{i}_{j}") for j in range(n)] for i in range(n + 1)]
    out = [z3.Or(row) for row in p]
    out += [z3.Or(z3.Not(p[i][j]), z3.Not(p[k][j]))
            for j in range(n) for i in range(n + 1) for k in range(i + 1, n + 1)]
    return out


def test_a_query_stops_at_the_time_limit():
    """The solver's own timeout is the time left: a query that would take
    seconds ends with ``TimeLimit`` when the run's time is up."""
    import time

    import pytest

    from einval.deadline import Deadline, TimeLimit
    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    model = _two_independent()
    u = Unrolling(System(model, Encoding.for_model(model)))
    u.solver.add(_pigeons(9))
    u.deadline = Deadline(0.3)
    began = time.monotonic()
    with pytest.raises(TimeLimit):
        u.query([u.start])
    assert time.monotonic() - began < 5


def test_a_solver_giving_up_says_why():
    import pytest

    from einval.symbolic.compile import Encoding
    from einval.symbolic.system import System
    from einval.symbolic.unroll import Unrolling

    model = _two_independent()
    u = Unrolling(System(model, Encoding.for_model(model)))
    u.solver.add(_pigeons(9))
    u.solver.set("rlimit", 1000)
    with pytest.raises(RuntimeError, match=r"^z3 gave up: \S"):
        u.query([u.start])


# -- invariants: Houdini's candidates, its filter and its rounds -----------

def test_a_fact_is_dropped_when_a_weaker_antecedent_already_says_it():
    from einval.symbolic.invariants import without_redundant

    plain = ((), 1, 0)
    one = (((2, 1),), 1, 0)
    two = (((2, 1), (3, 0)), 1, 0)
    other = (((2, 1), (3, 0)), 1, 1)
    by_three = (((3, 0),), 1, 1)
    assert without_redundant({plain, one, two}) == {plain}
    assert without_redundant({one, two, other}) == {one, other}
    assert without_redundant({two, by_three}) == {two, by_three}
    assert without_redundant({other, by_three}) == {by_three}


def _program():
    """A hidden program counter pc (0, 1, 2), a visible g that a guard
    reads, and z.  Reachable: (0,0,0) (1,0,0) (1,0,1) (1,1,0) (2,0,0)
    (2,1,0): while pc is 1 and g is 1, z is not 1; neither pc = 1 nor
    g = 1 alone says so."""
    b = ModelBuilder("program")
    pc = b.var("pc", Domain.range(2), hidden=True)
    g = b.var("g", Domain.range(1))
    z = b.var("z", Domain.range(1))
    b.action("t", "go", pc == 0, {pc: 1})
    b.action("t", "mark", (pc == 1) & (g == 0), {z: 1})
    b.action("t", "raise", (pc == 1) & (z == 0), {g: 1})
    b.action("t", "done", pc == 1, {pc: 2, z: 0})
    return b.build(), (pc, g, z)


def test_antecedents_pair_a_program_counter_with_a_gating_variable():
    """By default a program counter of more than two values is paired
    with each value of each visible variable a guard reads; z is read by
    a guard too, so it pairs; a two-valued counter pairs with nothing."""
    from einval.symbolic.compile import Encoding
    from einval.symbolic.invariants import conditions
    from einval.symbolic.system import System

    model, (pc, g, z) = _program()
    system = System(model, Encoding.for_model(model))
    found = conditions(system)
    assert found[0] == ()
    assert {c for c in found if len(c) == 1} == {((pc.index, a),) for a in range(3)}
    assert {c for c in found if len(c) == 2} == {
        ((pc.index, a), (j, v)) for a in range(3) for j in (g.index, z.index)
        for v in range(2)}
    assert conditions(system, pairs=False) == [c for c in found if len(c) < 2]

    b = ModelBuilder("two")
    pc2 = b.var("pc", Domain.range(1), hidden=True)
    g2 = b.var("g", Domain.range(1))
    b.action("t", "go", (pc2 == 0) & (g2 == 0), {pc2: 1})
    small = b.build()
    assert all(len(c) < 2 for c in conditions(System(small, Encoding.for_model(small))))


def test_houdini_finds_the_paired_fact_by_default_and_only_with_pairs():
    from einval.symbolic.compile import Encoding
    from einval.symbolic.invariants import houdini
    from einval.symbolic.system import System

    model, (pc, g, z) = _program()
    system = System(model, Encoding.for_model(model))
    paired = (((pc.index, 1), (g.index, 1)), z.index, 1)
    facts, _, _ = houdini(system)
    assert paired in facts
    plain, _, _ = houdini(system, pairs=False)
    assert plain and all(len(c) < 2 for c, _, _ in plain)


def _gated():
    """p (frozen, scenario 0) gates ``c := 1``; ``c := 2`` needs a and b
    to differ, which they never do: a step from an unreachable state
    that no candidate fact rules out; from c = 2, c climbs to 3."""
    b = ModelBuilder("gated")
    p = b.var("p", Domain.range(1), frozen=True, assumption="p is 0")
    a = b.var("a", Domain.range(1))
    bb = b.var("b", Domain.range(1))
    c = b.var("c", Domain.range(3))
    b.action("t", "both", (a == 0) & (bb == 0), {a: 1, bb: 1})
    b.action("t", "odd", (a == 1) & (bb == 0), {c: 2})
    b.action("t", "gate", p == 1, {c: 1})
    b.action("t", "climb", c == 2, {c: 3})
    return b.build(), (p, c)


def test_houdini_drops_what_a_step_breaks_and_names_the_parameters_it_used():
    """"c is never 2" holds in every reachable state but a step breaks it
    (from a = 1, b = 0): Houdini drops it, and then "c is never 3" (from
    c = 2).  "c is never 1" is inductive because p is 0: kept, and p
    named.  What is kept is inductive as a whole, within the domains.
    Int and bit-vector encodings agree; a time limit changes nothing."""
    import z3

    from einval.symbolic.compile import Encoding
    from einval.symbolic.invariants import houdini
    from einval.symbolic.system import System

    model, (p, c) = _gated()
    for enc in (Encoding.for_model(model), Encoding("int")):
        system = System(model, enc, symbolic_params=True)
        for deadline in (None, Deadline(600)):
            facts, now, used = houdini(system, deadline)
            assert facts == [((), c.index, 1)], enc.kind
            assert used == {p.index}
        s = enc.solver()
        s.add(*system.in_domain(0), *system.step(0), *system.param_values().values())
        assert s.check(now, z3.Not(system.shift(now, 1))) == z3.unsat


def test_houdini_proves_within_the_domains_and_with_no_candidate_uses_nothing():
    """x (0..3) only moves down from above 3: from inside the domain it
    never moves, so "x is never 3" is kept (a state outside the domain
    does not count).  A model whose every candidate a reachable state
    refutes has no facts, and their proof used no parameter."""
    from einval.symbolic.compile import Encoding
    from einval.symbolic.invariants import houdini
    from einval.symbolic.system import System

    b = ModelBuilder("down")
    x = b.var("x", Domain.range(3))
    b.action("a", "down", x > 3, {x: x - 1})
    model = b.build()
    assert ((), x.index, 3) in houdini(System(model, Encoding.for_model(model)))[0]
    chain = _chain(5)
    assert houdini(System(chain, Encoding.for_model(chain)))[0::2] == ([], set())


def _chain(top: int):
    b = ModelBuilder("chain")
    x = b.var("x", Domain.range(top))
    b.action("a", "x up", x < top, {x: x + 1})
    return b.build()


def test_the_sample_is_everything_up_to_the_limit_then_random_runs_reach_further():
    """Past ``exhaustive`` states, the breadth-first part still holds
    more than ``exhaustive`` of them, and a random run goes on beyond it."""
    from einval.symbolic.invariants import sample

    model = _chain(100)
    assert sample(_chain(5)) == {(i,) for i in range(6)}
    assert sample(_chain(5), exhaustive=6) == {(i,) for i in range(6)}
    prefix = sample(model, walks=0, exhaustive=3)
    assert len(prefix) > 3 and prefix == {(i,) for i in range(len(prefix))}
    walked = sample(model, walks=1, exhaustive=3)
    assert walked > prefix


# -- engine: the search loop -----------------------------------------------

def _search(model, **settings):
    from einval.symbolic.compile import Encoding
    from einval.symbolic.engine import Search, Settings
    from einval.symbolic.system import System

    return Search(System(model, Encoding.for_model(model)), Settings(**settings))


def test_goals_are_queried_together_or_one_by_one():
    model = _two_independent()
    assert _search(model).groups(["a", "b"]) == [["a", "b"]]
    assert _search(model, joint=False).groups(["a", "b"]) == [["a"], ["b"]]
    assert _search(model).groups([]) == []


def test_lemmas_are_closure_then_proved_invariants_but_only_closure_from_the_start():
    """Before anything is proved, closure is the only lemma (for every
    goal but itself); once checks are proved, they are lemmas of the
    step case, never of the base case."""
    from einval.model import Check, Condition

    b = ModelBuilder("m")
    x = b.var("x", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.add_check(Check("p", "", (Condition("x is never 4", x != 4),),
                      Condition("x reaches 1", x == 1)))
    search = _search(b.build(), reached=False)
    assert search.lemmas(["P0"]) == ["closure"]
    assert search.lemmas(["P0"], base=True) == ["closure"]
    assert search.lemmas(["closure"]) == []
    search.run(None)
    assert search.tracks[0].proof is not None
    assert search.lemmas(["W0"]) == ["closure", "P0"]
    assert search.lemmas(["W0"], base=True) == ["closure"]


def test_a_model_no_update_of_which_leaves_a_domain_is_judged():
    """Without closure to prove, the base case asks for the checks alone."""
    from einval import symbolic
    from einval.model import Check, Condition

    b = ModelBuilder("flags")
    f = b.flag("f")
    g = b.flag("g")
    b.action("a", "set f", ~f, {f: True})
    b.action("a", "set g", f & ~g, {g: True})
    b.add_check(Check("no g", "", (Condition("g is never set", ~g),),
                      Condition("f is set", f)))
    model = b.build()
    assert not _search(model).closure
    [result] = symbolic.check_model(model)
    assert result.verdict.kind == "violated" and result.verdict.depth == 2


def test_plain_facts_first_then_paired_ones_a_depth_later():
    """Houdini from depth 0 here: at depth 0 facts with at most a program
    counter as antecedent; one depth later, still unsettled (the
    violation is two steps away), the paired facts too."""
    from einval.model import Check, Condition

    model, (pc, g, z) = _program()
    model.checks.append(Check("z", "", (Condition("z is never 1", z != 1),),
                              Condition("pc is 2", pc == 2)))
    first = _search(model, facts_at=0, reached=False, bound=0)
    first.run(None)
    assert first.facts and all(len(c) < 2 for c, _, _ in first.facts)
    second = _search(model, facts_at=0, reached=False, bound=1)
    second.run(None)
    assert any(len(c) == 2 for c, _, _ in second.facts)


def test_a_proof_resting_on_another_proved_check_names_its_assumptions():
    """x can reach 2 only if p is 1; y is set once x is 2; t ticks on.
    "y is never 1" holds because "x is never 2" does, which needs p = 0:
    explaining mode names p's sentence for both, though the second
    check's step case, given the first as a lemma, would not need p."""
    from einval import symbolic
    from einval.lang import If
    from einval.model import Check, Condition

    b = ModelBuilder("lean")
    p = b.var("p", Domain.range(1), frozen=True, assumption="p is 0")
    x = b.var("x", Domain.range(2))
    y = b.var("y", Domain.range(1))
    t = b.var("t", Domain.range(3))
    b.action("a", "x to 2", (p == 1) & (x == 0), {x: 2})
    b.action("a", "y to 1", x == 2, {y: 1})
    b.action("b", "tick", t >= 0, {t: If(t == 3, 0, t + 1)})
    b.add_check(Check("x", "", (Condition("x is never 2", x != 2),),
                      Condition("x is 0", x == 0)))
    b.add_check(Check("y", "", (Condition("y is never 1", y != 1),),
                      Condition("x is 0", x == 0)))
    results = symbolic.check_model(b.build(), explain=True, reached=False, facts=False)
    assert [(r.verdict.kind, r.verdict.assumptions) for r in results] == [
        ("holds", ["p is 0"]), ("holds", ["p is 0"])]


class _Checks(Deadline):
    """A run's time limit that expires at the n-th look, not by the clock."""

    def __init__(self, n: int):
        super().__init__(3600)
        self.left = n

    def expired(self) -> bool:
        self.left -= 1
        return self.left < 0


def test_a_check_cut_by_the_time_limit_says_how_deep_the_search_got():
    from einval import symbolic
    from einval.model import Check, Condition

    b = ModelBuilder("counter")
    x = b.var("x", Domain.range(9))
    b.action("a", "x up", x < 9, {x: x + 1})
    b.add_check(Check("p", "", (Condition("x is never 9", x != 9),),
                      Condition("x reaches 1", x == 1)))
    model = b.build()
    [whole] = symbolic.check_model(model)
    assert whole.verdict.kind == "violated" and whole.verdict.depth == 9
    # (without the reached states, whose runs settle it all at depth 0)
    [cut] = symbolic.check_model(model, deadline=_Checks(12), spacer=False, reached=False)
    assert cut.verdict.kind == "unknown" and "time limit" in cut.verdict.detail
    assert 0 < cut.verdict.depth < 9


def test_a_parameter_named_like_one_of_the_engines_literals_changes_nothing():
    """A frozen flag called "start" (the literal that makes state 0
    initial) or "fact0" / "pin0" (Houdini's) is the design's own
    variable: explaining mode, where parameters are Z3 constants, gives
    the verdicts of the plain mode.  (Before parameters' constants were
    named apart, "start" made every run start nowhere: "vacuous".)"""
    from einval import symbolic
    from einval.model import Check, Condition

    b = ModelBuilder("m")
    for name in ("start", "fact0", "pin0", "broken0"):
        b.flag(name, False, frozen=True, assumption=f"{name} is off")
    x = b.var("x", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.add_check(Check("two", "", (Condition("x is never 2", x != 2),),
                      Condition("x is 1", x == 1)))
    b.add_check(Check("four", "", (Condition("x is never 4", x != 4),),
                      Condition("x is 1", x == 1)))
    model = b.build()
    plain = [str(r.verdict) for r in symbolic.check_model(model)]
    assert plain[0] == "violated (depth 2)" and plain[1].startswith("holds")
    assert [str(r.verdict) for r in symbolic.check_model(model, explain=True)] == plain
