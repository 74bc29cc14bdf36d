"""Symmetry reduction against the unreduced search: the same verdicts and
the same shortest counterexample lengths, on the catalogue and on
generated scenarios; symmetries are only used where they are verified."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einval import catalog, explicit, world
from einval.lang import evaluate
from einval.model import Check, Condition, Domain, ModelBuilder
from einval.scenario import parse
from einval.search import symmetry

DESIGNS = catalog.designs()
PROPERTIES = catalog.properties()


def scenario(text: str):
    return parse(text, "generated.toml", "generated")


def same_verdicts(model) -> tuple[int, int]:
    """Reduced and unreduced results agree; (states with, without)."""
    on = explicit.check_model(model, symmetry=True)
    off = explicit.check_model(model, symmetry=False)
    for a, b in zip(on, off):
        assert (a.property, a.verdict.kind, a.verdict.depth) == (
            b.property, b.verdict.kind, b.verdict.depth), model.name
        if a.verdict.kind == "violated":
            trace = a.verdict.trace
            assert trace.failed is not None
            assert not evaluate(trace.failed.expr, trace.final)
    return on[0].states, off[0].states


def test_the_catalogue_gives_the_same_verdicts_with_and_without_symmetry():
    reduced = 0
    for design in DESIGNS:
        for s in catalog.scenarios():
            with_, without = same_verdicts(world.build(s, design, PROPERTIES)[0])
            assert with_ <= without
            reduced += with_ < without
    assert reduced >= 10  # go-unpinned, two-threads, ... do have symmetry


GO = """
[[os_thread]]
name = "M1"
[[os_thread]]
name = "M2"
[[goroutine]]
name = "G1"
on = "M1"
calls = {c1}
[[goroutine]]
name = "G2"
on = "M2"
calls = {c2}
[syscall]
path = ["emit"]
[bounds]
buffer_slots = 1
"""


def model_of(text: str, design: str = "stateful-reg"):
    return world.build(scenario(text), catalog.design(design), PROPERTIES)[0]


def moves(model, swap) -> dict[str, str]:
    return {model.variables[v].name: model.variables[t].name
            for v, t in enumerate(swap.perm) if v != t}


def test_goroutines_and_os_threads_swap_on_their_own():
    """Unpinned goroutines start on no M in particular, so the goroutines
    are interchangeable, and so are the OS threads, each on their own."""
    model = model_of(GO.format(c1=1, c2=1))
    gens = symmetry.generators(model)
    swaps = [moves(model, s) for s in gens]
    task = next(v.index for v in model.variables if v.name == "task[G1]")
    assert any(s.get("pc[G1]") == "pc[G2]" and "registered[M1]" not in s for s in swaps)
    only_m = [g for g, s in zip(gens, swaps)
              if s.get("registered[M1]") == "registered[M2]" and "pc[G1]" not in s]
    assert only_m and only_m[0].maps[task] == (1, 0, 2)  # M1 <-> M2; "-" stays
    assert len(symmetry.group(gens)) == 4


def test_goroutines_with_different_programs_are_not_swapped():
    model = model_of(GO.format(c1=1, c2=2))
    assert all("pc[G1]" not in moves(model, s) for s in symmetry.generators(model))


def test_a_pinned_goroutine_is_not_swapped_with_an_unpinned_one():
    text = GO.format(c1=1, c2=1).replace('on = "M1"', 'on = "M1"\npinned = true')
    assert symmetry.generators(model_of(text)) == []


def _pair(asymmetric: bool):
    """Two counters A1 and A2; A1 alone may also jump by two."""
    b = ModelBuilder("pair")
    a1 = b.var("n[A1]", Domain.range(3))
    a2 = b.var("n[A2]", Domain.range(3))
    for v in (a1, a2):
        b.action(str(v), "tick", v < 3, {v: v + 1})
    if asymmetric:
        b.action("A1", "jump", a1 < 2, {a1: a1 + 2})
    b.add_check(Check("p", "", (Condition("a", a1 != 3), Condition("b", a2 != 3)),
                      Condition("w", (a1 >= 1) | (a2 >= 1))))
    return b.build()


def test_a_swap_that_names_suggest_but_actions_break_is_rejected():
    assert len(symmetry.generators(_pair(False))) == 1
    assert symmetry.generators(_pair(True)) == []


def test_a_property_that_names_one_actor_blocks_the_swap():
    b = ModelBuilder("pair")
    a1 = b.var("n[A1]", Domain.range(2))
    a2 = b.var("n[A2]", Domain.range(2))
    for v in (a1, a2):
        b.action(str(v), "tick", v < 2, {v: v + 1})
    b.add_check(Check("p", "", (Condition("a", a1 != 2),), Condition("w", a1 >= 1)))
    assert symmetry.generators(b.build()) == []


def test_representatives_are_the_same_for_a_whole_orbit():
    model = model_of("""
[[thread]]
name = "T1"
[[thread]]
name = "T2"
[[thread]]
name = "T3"
[syscall]
path = ["emit"]
[bounds]
buffer_slots = 1
""", "per-cpu")
    elements = symmetry.group(symmetry.generators(model))
    assert len(elements) == 6  # all orders of three threads
    canon = symmetry.compile_canon(model, elements, True)
    ex = explicit.explore(model, symmetry=False)
    for state in ex.states:
        images = {bytes(e.apply(state)) for e in elements}
        reps = {canon(image) for image in images}
        assert len(reps) == 1 and reps <= images


@st.composite
def symmetric_texts(draw) -> str:
    """Scenarios with interchangeable callers (and now and then not)."""
    cpus = draw(st.integers(1, 2))
    go = draw(st.booleans())
    n = 2 if go else draw(st.integers(2, 3))  # 3 goroutines: 10^6 states unreduced
    calls = draw(st.integers(1, 2 if n == 2 and not go else 1))
    odd = draw(st.integers(0, 4)) == 0  # one caller differs: no symmetry there
    lines = [f"cpus = {cpus}"]
    for i in range(1, n + 1):
        mine = calls + (1 if odd and i == n else 0)
        cpu = (i - 1) % cpus
        if go:
            lines += ["[[os_thread]]", f'name = "M{i}"', f"cpu = {cpu}",
                      "[[goroutine]]", f'name = "G{i}"', f'on = "M{i}"', f"calls = {mine}"]
        else:
            lines += ["[[thread]]", f'name = "T{i}"', f"cpu = {cpu}", f"calls = {mine}"]
    path = draw(st.lists(st.sampled_from(["emit", "sleep"]), min_size=0, max_size=1))
    program = draw(st.booleans()) and not go
    if program:
        lines += ["[[bpf_program]]", 'name = "P1"', 'attach = "fentry/hierarchy_allows_attach"']
    steps = draw(st.permutations(["emit"] + path + (["P1"] if program else [])))
    lines += ["[syscall]", "path = [" + ", ".join(f'"{s}"' for s in steps) + "]",
              "[bounds]", f"buffer_slots = {draw(st.integers(1, 2))}"]
    if draw(st.integers(0, 5)) == 0:
        lines.append(f"max_depth = {draw(st.integers(2, 9))}")
    return "\n".join(lines) + "\n"


def check_case(text: str, design) -> None:
    model = world.build(scenario(text), design, PROPERTIES)[0]
    try:
        same_verdicts(model)
    except AssertionError as err:
        pytest.fail(f"{err}\n--- scenario (design {design.name}) ---\n{text}")


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(symmetric_texts(), st.sampled_from(DESIGNS))
def test_generated_scenarios_give_the_same_verdicts_with_symmetry(text, design):
    check_case(text, design)


@pytest.mark.slow
@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(symmetric_texts(), st.sampled_from(DESIGNS))
def test_generated_scenarios_give_the_same_verdicts_with_symmetry_long(text, design):
    check_case(text, design)


def test_traces_are_rebuilt_even_from_successors_that_are_not_symmetric():
    """A broken engine (fault injection drops transitions) still gets real
    traces, so the cross-check can show the disagreement."""
    from einval.search import compile as compiled
    from einval.search import core

    model = model_of(GO.format(c1=1, c2=1), "stateful-get")
    successors = compiled.compile_successors(model)
    canon = symmetry.canonicaliser(model, True)
    ex = core.search(model, lambda s: successors(s)[:1], canon=canon)
    assert len(ex.states) > 5
    for index in range(len(ex.states)):
        trace = ex.trace(index)
        assert canon(bytes(trace.final)) == ex.states[index]
        assert len(trace.steps) == ex.depth[index]


def test_representatives_under_a_product_of_two_symmetric_groups():
    """Three unpinned goroutines on three OS threads: 3! x 3! = 36
    renamings (goroutines and OS threads each on their own); every image
    of a sampled state has the one representative, itself an image."""
    text = GO.format(c1=1, c2=1).replace('[syscall]', '''[[os_thread]]
name = "M3"
[[goroutine]]
name = "G3"
on = "M3"
calls = 1
[syscall]''')
    model = model_of(text)
    elements = symmetry.group(symmetry.generators(model))
    assert len(elements) == 36
    canon = symmetry.canonicaliser(model, True)
    ex = explicit.explore(model, symmetry=False)
    assert ex.complete
    for state in list(ex.states)[::97]:
        images = {bytes(e.apply(state)) for e in elements}
        reps = {canon(image) for image in images}
        assert len(reps) == 1 and reps <= images
