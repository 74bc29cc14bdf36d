"""The explicit search core's semantics, each stated against a mutant
that the rest of the suite let through (``benchmarks/mutation.py
einval.search``).

Stated through public behaviour (``explicit.check_model``,
``explicit.explore``, the compiled successors and representatives), so
they survive a change of the core's internals.
"""

from __future__ import annotations

from einval.model import Domain, ModelBuilder
from einval.search.fold import allowed


def test_allowed_reads_a_comparison_written_constant_first():
    """``3 > pc`` restricts pc to 0..2, as ``pc < 3`` does (trees built
    constant first, as a design's generated guard may be)."""
    from einval.lang import Const, Op

    b = ModelBuilder("m")
    pc = b.var("pc", Domain.range(5))
    three = Const(3)
    for op, values in [("gt", {0, 1, 2}), ("ge", {0, 1, 2, 3}), ("lt", {4, 5}),
                       ("le", {3, 4, 5}), ("eq", {3}), ("ne", {0, 1, 2, 4, 5})]:
        assert allowed(Op(op, (three, pc)), pc.index, 6) == values, op


# -- symmetry: representatives ------------------------------------------------

def racers(k: int, counters: bool = True, owner: bool = True):
    """k interchangeable actors A1..Ak: each counts 0..2 (``n[Ai]``) and
    may claim the shared ``owner`` (values none, A1..Ak) once it counted.

    Swapping Ai and Aj moves ``n[Ai]`` to ``n[Aj]`` (no value renamed) and
    renames the values of ``owner`` (the variable stays put): both kinds
    of a swap's parts."""
    from einval.lang import TRUE
    from einval.model import Check, Condition

    b = ModelBuilder("racers")
    names = [f"A{i}" for i in range(1, k + 1)]
    n = [b.var(f"n[{a}]", Domain.range(2)) for a in names] if counters else []
    who = b.var("owner", Domain.enum("none", *names)) if owner else None
    for i, a in enumerate(names):
        if counters:
            b.action(a, "tick", n[i] < 2, {n[i]: n[i] + 1})
        if who is not None:
            ready = (who == 0) & (n[i] >= 1) if counters else who == 0
            b.action(a, "claim", ready, {who: i + 1})
    conditions = tuple(Condition(f"{a} bounded", v <= 2) for a, v in zip(names, n))
    b.add_check(Check("p", "", conditions or (Condition("true", TRUE),),
                      Condition("claimed", who != 0) if who is not None
                      else Condition("moved", n[0] + n[1] >= 1)))
    return b.build()


def assert_representatives(model, packed: bool, size: int) -> None:
    """Every state of an orbit has one representative, in the orbit and of
    the state's own type; the group has ``size`` elements."""
    from einval import explicit
    from einval.search import symmetry

    elements = symmetry.group(symmetry.generators(model))
    assert len(elements) == size
    canon = symmetry.canonicaliser(model, packed)
    assert canon is not None
    wrap = bytes if packed else tuple
    ex = explicit.explore(model, symmetry=False)
    assert ex.complete
    for state in ex.states:
        orbit = {wrap(e.apply(state)) for e in elements}
        reps = {canon(image) for image in orbit}
        assert len(reps) == 1 and reps <= orbit, (state, reps, orbit)
        assert all(type(r) is wrap for r in reps)


def test_two_actors_that_only_move_variables_have_one_representative():
    assert_representatives(racers(2, owner=False), True, 2)


def test_representatives_of_tuple_states():
    assert_representatives(racers(3), False, 6)
    assert_representatives(racers(2, owner=False), False, 2)


def test_a_swap_that_only_renames_values_has_one_representative():
    """One variable (``owner``), its values A1 and A2 swapped."""
    assert_representatives(racers(2, counters=False), True, 2)
    assert_representatives(racers(3, counters=False), True, 6)


def test_a_composed_renaming_applies_both_value_maps():
    from einval.search.symmetry import Renaming

    flip = Renaming((0, 1), ((1, 0), None))
    move = Renaming((1, 0), (None, None))
    assert flip.then(move).apply([0, 0]) == move.apply(flip.apply([0, 0])) == [0, 1]
    assert move.then(flip).apply([1, 0]) == flip.apply(move.apply([1, 0])) == [1, 1]
    twice = flip.then(flip)
    assert twice.maps == (None, None) and twice.apply([1, 1]) == [1, 1]


def test_a_constant_outside_a_renamed_domain_rejects_the_swap():
    """``owner != 3`` (owner has values 0..2) cannot be renamed: no
    symmetry, and no error either."""
    from einval import explicit
    from einval.model import Check, Condition
    from einval.search import symmetry

    model = racers(2, counters=False)
    who = next(v for v in model.variables if v.name == "owner")
    from einval.lang import Var

    owner = Var(who.index, who.name, who.sort)
    model.checks[0] = Check("p", "", (Condition("owner in range", owner != 3),),
                            model.checks[0].witness)
    assert symmetry.generators(model) == []
    [result] = explicit.check_model(model)
    assert result.verdict.kind == "holds"


# -- compiled successors ------------------------------------------------------

def test_successors_come_in_action_order():
    """The compiled successors list each enabled action once, in action
    number order, whichever table filed it: BFS numbers states (and picks
    the trace of two equal-length runs) by that order."""
    from einval import catalog, explicit, world
    from einval.search import compile as compiled

    for design, scenario in [("stateful-get", "go-unpinned"), ("fd-log", "two-threads"),
                             ("exterrctl", "signal-handler")]:
        model, _ = world.build(catalog.scenario(scenario), catalog.design(design),
                               catalog.properties())
        successors = compiled.compile_successors(model)
        for state in explicit.explore(model, symmetry=False).states:
            numbers = [n for n, _ in successors(state)]
            assert numbers == sorted(set(numbers)), (design, scenario, numbers)
    # an action no variable indexes (y <= 2 allows every y) before one
    # filed under x's table
    b = ModelBuilder("mixed")
    x = b.var("x", Domain.range(2))
    y = b.var("y", Domain.range(2))
    b.action("a", "any y", y <= 2, {y: y + 1})
    b.action("b", "x up", x < 2, {x: x + 1})
    successors = compiled.compile_successors(b.build())
    assert [n for n, _ in successors(bytes([0, 0]))] == [0, 1]


def test_a_constant_compared_with_a_choice_of_renamed_values_is_renamed():
    """``If(done, owner, none) == A1`` under the swap A1 <-> A2 reads
    ``If(done, owner, none) == A2``: the constant takes the value map of
    the branches it meets, so the swap is an automorphism."""
    from einval.lang import TRUE, If
    from einval.model import Check, Condition
    from einval.search import symmetry

    b = ModelBuilder("release")
    who = b.var("owner", Domain.enum("none", "A1", "A2"))
    done = b.flag("done")
    b.action("end", "end", ~done, {done: TRUE})
    for i in (1, 2):
        b.action(f"A{i}", "claim", who == 0, {who: i})
        b.action(f"A{i}", "release", If(done, who, 0) == i, {who: 0})
        b.action(f"A{i}", "hand over", If(done, who, i) == i, {who: 3 - i})
    b.add_check(Check("p", "", (Condition("true", TRUE),), Condition("claimed", who != 0)))
    model = b.build()
    [swap] = symmetry.generators(model)
    assert len(symmetry.group([swap])) == 2
    assert symmetry.verify(model, swap)  # on its own: no precomputed keys


# -- the early-stop watch -------------------------------------------------------

def test_each_check_is_witnessed_on_its_own():
    """Of two checks, only the second's witness is reachable: the first is
    vacuous (unknown), the second holds, whichever order they come in."""
    from einval import explicit
    from einval.model import Check, Condition

    for order in ((0, 1), (1, 0)):
        b = ModelBuilder("two checks")
        x = b.var("x", Domain.range(3))
        b.action("c", "x up", x < 2, {x: x + 1})
        checks = [Check("never", "", (Condition("x small", x <= 3),),
                        Condition("x reaches 3", x == 3)),
                  Check("reached", "", (Condition("x small", x <= 3),),
                        Condition("x reaches 2", x == 2))]
        for i in order:
            b.add_check(checks[i])
        got = {r.property: r.verdict for r in explicit.check_model(b.build())}
        assert got["never"].kind == "unknown" and "vacuous" in got["never"].detail
        assert got["reached"].kind == "holds"


def test_two_families_swapped_apart_have_one_representative():
    """A1 <-> A2 and B1 <-> B2 are separate swaps (a group of four): with
    the A counters at different values, the B swap still has to be
    chosen by the whole state."""
    from einval.model import Check, Condition

    b = ModelBuilder("two families")
    a = [b.var(f"n[A{i}]", Domain.range(3)) for i in (1, 2)]
    m = [b.var(f"m[B{i}]", Domain.range(1)) for i in (1, 2)]
    for v, top in [(a[0], 3), (a[1], 3), (m[0], 1), (m[1], 1)]:
        b.action(str(v), "tick", v < top, {v: v + 1})
    b.add_check(Check("p", "", tuple(Condition(str(v), v <= 3) for v in a + m),
                      Condition("moved", a[0] + a[1] >= 1)))
    assert_representatives(b.build(), True, 4)


def test_settling_a_tuple_state_gives_a_tuple():
    """A domain wider than a byte: states are tuples, settled ones too."""
    from einval.model import Check, Condition
    from einval.search.compile import compile_settle

    b = ModelBuilder("wide")
    pc = b.var("pc", Domain.range(300))
    seen = b.var("seen", Domain.range(1))
    b.action("A", "look", pc == 0, {pc: 1, seen: 1})
    b.add_check(Check("p", "", (Condition("own", seen <= 1),), Condition("w", seen == 1)))
    b.settle("seen", seen == 1, [seen])
    settle = compile_settle(b.build())
    assert settle((1, 1)) == (1, 0)


def test_the_graph_of_a_settled_search_reaches_every_state():
    """With observations settled (every check watched), each stored state
    is reached in the graph from the initial one: an edge goes to the
    settled form of a successor, which is what was stored."""
    import networkx as nx

    from einval import catalog, explicit, world

    model, _ = world.build(catalog.scenario("two-threads"), catalog.design("4th-arg"),
                           catalog.properties())
    assert model.settled
    ex = explicit.explore(model, watch=tuple(model.checks))
    assert ex.complete and ex.settle is not None
    g = ex.graph
    assert nx.descendants(g, 0) | {0} == set(range(len(ex.states)))


def test_settling_under_a_depth_bound_counts_the_same_states_and_edges():
    """A depth bound cuts a settling transition as any other: every edge
    out of a stored state is counted, settled or not."""
    from einval import catalog, explicit, world
    from einval.runner import with_bounds

    for depth in range(1, 11):
        scenario = with_bounds(catalog.scenario("two-threads"), None, depth)
        model, _ = world.build(scenario, catalog.design("4th-arg"), catalog.properties())
        on = explicit.check_model(model)
        off = explicit.check_model(model, settle=False)
        assert [(r.verdict.kind, r.states, r.transitions) for r in on] == \
               [(r.verdict.kind, r.states, r.transitions) for r in off], depth


def test_an_action_filed_under_a_later_value_is_kept():
    """``(pc == 1 | pc == 2) & pc + 1 == 3``: the index allows pc 1 and 2,
    the guard is false at 1 and true at 2."""
    from einval.search import compile as compiled

    b = ModelBuilder("m")
    pc = b.var("pc", Domain.range(3))
    b.action("a", "step", ((pc == 1) | (pc == 2)) & (pc + 1 == 3), {pc: 3})
    successors = compiled.compile_successors(b.build())
    assert successors(bytes([2])) == [(0, bytes([3]))]
    assert successors(bytes([1])) == []


def test_a_symmetry_of_variables_that_never_change_keeps_every_state():
    """Two settings ``mode[A1]`` and ``mode[A2]``, equal and never
    written, are interchangeable; nothing else is.  The renaming tells no
    two states apart, so each state is its own representative (no
    position is left to compare: the representative function still
    works, with nothing to read)."""
    from einval import explicit
    from einval.lang import TRUE
    from einval.model import Check, Condition
    from einval.search import symmetry

    b = ModelBuilder("settings")
    b.var("mode[A1]", Domain.range(1))
    b.var("mode[A2]", Domain.range(1))
    c = b.var("c", Domain.range(2))
    b.action("T", "tick", c < 2, {c: c + 1})
    b.add_check(Check("p", "", (Condition("true", TRUE),), Condition("ticked", c == 2)))
    model = b.build()
    assert len(symmetry.group(symmetry.generators(model))) == 2
    canon = symmetry.canonicaliser(model, True)
    assert canon is not None
    for state in explicit.explore(model, symmetry=False).states:
        assert canon(state) == state
    [result] = explicit.check_model(model)
    assert result.verdict.kind == "holds" and result.states == 3
