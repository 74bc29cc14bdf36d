"""Tests that state the semantics a wrong verdict would break.

Each test here was written against a deliberate bug (a mutant) that the
rest of the suite let through: the explicit engine's bounds off by one,
the Z3 engine saying ``holds`` before the witness is reached, a design
forgetting to clear its buffer, a property reading too few slots or the
wrong capacity.  They go through the engines' public behaviour
(``check_model`` results, the command line) and compute what they expect
from the model itself, so that a change to the catalogue does not make
them stale.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from einval import catalog, explicit, symbolic, world
from einval.deadline import Deadline
from einval.design import Design
from einval.lang import TRUE
from einval.model import Check, Condition, Domain, ModelBuilder
from einval.scenario import parse
from einval.verdict import ReplayError, Trace, Verdict
from einval.writers import EMPTY

TOP = 10  # the counter below counts 0 .. TOP: TOP + 1 states in a line


def counter(bad: int | None = None, witness: int = TOP, guard_top: int = TOP,
            max_states: int | None = None, max_depth: int | None = None):
    """x := x + 1 while x < guard_top; x = n is reached at depth n exactly.

    The property is "x != bad" (or "x <= TOP", which always holds), the
    witness "x == witness".
    """
    b = ModelBuilder("counter")
    x = b.var("x", Domain.range(TOP))
    b.action("c", "increment", x < guard_top, {x: x + 1})
    cond = (Condition(f"x is never {bad}", x != bad) if bad is not None
            else Condition("x stays in range", x <= TOP))
    b.add_check(Check("p", "", (cond,), Condition(f"x reaches {witness}", x == witness)))
    return b.build(max_states, max_depth)


def one(model, engine=explicit.check_model, **options):
    [result] = engine(model, **options)
    return result


# -- explicit engine: the state bound ----------------------------------------

@pytest.mark.parametrize("bound", [1, 2, 5, TOP])
def test_a_binding_state_bound_stores_exactly_that_many_states(bound):
    result = one(counter(max_states=bound))
    assert result.states == bound
    assert result.verdict.kind == "unknown"
    assert f"state bound {bound}" in result.verdict.detail


@pytest.mark.parametrize("bound", [TOP + 1, TOP + 2, 1000])
def test_a_state_bound_that_fits_every_state_is_no_bound(bound):
    result = one(counter(max_states=bound))
    assert result.states == TOP + 1
    assert str(result.verdict) == f"holds (all {TOP + 1} states)"


def test_a_violation_in_the_last_state_the_bound_allows_is_found():
    # x = 7 is the 8th state stored: found with 8 states, not with 7
    assert one(counter(bad=7, max_states=8)).verdict.kind == "violated"
    assert one(counter(bad=7, max_states=7)).verdict.kind == "unknown"


# -- explicit engine: the depth bound ----------------------------------------

@pytest.mark.parametrize("bound", [1, 3, TOP - 1])
def test_a_binding_depth_bound_stores_every_state_up_to_that_depth(bound):
    result = one(counter(max_depth=bound))
    assert result.states == bound + 1  # depths 0 .. bound
    assert result.verdict.kind == "unknown"
    assert f"depth bound {bound}" in result.verdict.detail


def test_a_depth_bound_at_the_longest_run_is_no_bound():
    assert str(one(counter(max_depth=TOP)).verdict) == f"holds (all {TOP + 1} states)"


def test_a_violation_at_the_depth_bound_is_found_and_not_beyond():
    found = one(counter(bad=7, max_depth=7)).verdict
    assert (found.kind, found.depth, len(found.trace.steps)) == ("violated", 7, 7)
    assert one(counter(bad=7, max_depth=6)).verdict.kind == "unknown"


def test_bounds_on_a_catalogue_model_relative_to_its_full_search():
    """The same rules on a real design: a bound of one state fewer than
    the whole space is binding, the exact size is not."""
    design, props = catalog.design("stateful-get"), catalog.properties()
    full = explicit.check_model(world.build(TWO_CALLS, design, props)[0])
    size = full[0].states
    assert all(r.verdict.kind == "holds" for r in full)
    exact = explicit.check_model(world.build(replace(TWO_CALLS, max_states=size),
                                             design, props)[0])
    assert [r.verdict.kind for r in exact] == ["holds"] * len(full)
    short = explicit.check_model(world.build(replace(TWO_CALLS, max_states=size - 1),
                                             design, props)[0])
    assert {r.verdict.kind for r in short} == {"unknown"}
    assert short[0].states == size - 1


# -- Z3 engine: holds needs the witness --------------------------------------

def test_z3_proof_without_the_witness_reached_is_not_holds():
    verdict = one(counter(), symbolic.check_model, max_depth=TOP - 1).verdict
    assert verdict.kind == "unknown"
    assert f'"x reaches {TOP}" is not reached up to depth' in verdict.detail


def test_z3_holds_once_the_witness_is_reached():
    assert one(counter(), symbolic.check_model, max_depth=TOP).verdict.kind == "holds"
    assert one(counter(), symbolic.check_model).verdict.kind == "holds"


def test_an_unreachable_witness_is_vacuous_in_both_engines():
    model = counter(guard_top=4)
    for engine in (explicit.check_model, symbolic.check_model):
        verdict = one(model, engine).verdict
        assert str(verdict) == f'unknown (vacuous: never "x reaches {TOP}")'


def test_z3_finds_the_violation_at_its_depth_and_replays_it():
    verdict = one(counter(bad=7), symbolic.check_model).verdict
    assert (verdict.kind, verdict.depth) == ("violated", 7)
    assert verdict.trace.final == (7,)
    assert verdict.trace.failed.label == "x is never 7"
    below = one(counter(bad=7), symbolic.check_model, max_depth=6, spacer=False).verdict
    assert str(below) == "unknown (no violation up to depth 6; not proved)"
    assert below.depth == 6


def test_z3_verdicts_carry_the_depth_they_reached():
    holds = one(counter(), symbolic.check_model).verdict
    assert (holds.kind, holds.depth) == ("holds", TOP)  # the witness is met at TOP
    unmet = one(counter(), symbolic.check_model, max_depth=5).verdict
    assert unmet.depth == 5 and unmet.detail.endswith("up to depth 5")
    vacuous = one(counter(guard_top=4), symbolic.check_model, reached=False).verdict
    # the search stops at depth 1, where the witness is proved unreachable
    assert (vacuous.kind, vacuous.depth) == ("unknown", 1)
    # with the reached states as the invariant (the default), at depth 0
    vacuous = one(counter(guard_top=4), symbolic.check_model).verdict
    assert (vacuous.kind, vacuous.depth) == ("unknown", 0)


# -- designs and properties --------------------------------------------------

def scenario(text: str, name: str = "t"):
    return parse(text, f"{name}.toml", name)


TWO_CALLS = scenario("""
[[thread]]
name = "T1"
calls = 2
[syscall]
path = ["emit"]
""", "two-calls")


def verdicts(design, scen, names=None):
    props = catalog.properties() if names is None else [catalog.property_(n)
                                                         for n in names]
    model, _ = world.build(scen, design, props)
    return {r.property: r.verdict for r in explicit.check_model(model)}


def test_stateful_get_entry_clears_the_previous_calls_error():
    """Without the clear at entry, the second call's explanation would
    still hold the first call's message."""
    got = verdicts(catalog.design("stateful-get"), TWO_CALLS)
    assert got["attribution"].kind == "holds", got["attribution"]
    assert got["completeness"].kind == "holds"


THREE_MESSAGES = scenario("""
[[thread]]
name = "T1"
[syscall]
path = ["emit", "emit", "emit"]
[bounds]
buffer_slots = 2
""", "three-messages")

TWO_MESSAGES = scenario("""
[[thread]]
name = "T1"
[syscall]
path = ["emit", "emit"]
[bounds]
buffer_slots = 2
""", "two-messages")


class FirstSlotOnly(Design):
    """A design that hands back only the first slot of a full buffer."""

    name = "first-slot-only"
    summary = "returns one message of a two-slot buffer"

    def declare(self):
        self.log = self.world.buffers("log", owner="thread")

    def syscall_entry(self, ctx):
        return self.log.clear(self.log.ref(ctx.thread))

    def emit(self, ctx, tag):
        return self.log.append(self.log.ref(ctx.thread), tag)

    def retrieve(self, ctx):
        got = self.log.contents(self.log.ref(ctx.thread))
        return [got[0]] + [EMPTY] * (len(got) - 1)


def test_completeness_asks_for_as_many_messages_as_the_capacity_holds():
    # three messages, two slots: holding two is complete ...
    assert verdicts(catalog.design("4th-arg"), THREE_MESSAGES,
                    ["completeness"])["completeness"].kind == "holds"
    # ... two messages, two slots: holding one of them is not
    lost = verdicts(FirstSlotOnly, TWO_MESSAGES, ["completeness"])["completeness"]
    assert lost.kind == "violated"
    assert lost.trace.failed.label.endswith("(up to 2 slots)")
    assert ("emitted[T1#1]", "2") in lost.trace.failed_values()


OWN_THEN_PROGRAM = scenario("""
[[thread]]
name = "T1"
[[bpf_program]]
name = "P1"
attach = "fentry/hierarchy_allows_attach"
[syscall]
path = ["emit", "P1"]
""", "own-then-program")


def test_attribution_and_foreign_output_read_every_slot():
    """The call's own message sits in slot 0, the program's in slot 1:
    a property that reads only the first slot would call this fine."""
    got = verdicts(catalog.design("shared-storage"), OWN_THEN_PROGRAM)
    for name in ("attribution", "no-foreign-output"):
        verdict = got[name]
        assert verdict.kind == "violated", (name, verdict)
        shown = dict(verdict.trace.failed_values())
        retrieved = shown["got[T1#1]"]
        assert retrieved.startswith("[T1#1, "), retrieved
    assert got["completeness"].kind == "holds"
    assert verdicts(catalog.design("task-struct"), OWN_THEN_PROGRAM)[
        "attribution"].kind == "holds"


# -- replay: the confirmation every trace goes through -----------------------

def test_replay_refuses_a_step_out_of_the_domain():
    b = ModelBuilder("overflow")
    x = b.var("x", Domain.range(1))
    b.action("c", "increment", TRUE, {x: x + 1})
    model = b.build()
    assert Trace.replay(model, [0]).final == (1,)
    with pytest.raises(ReplayError, match="step 2: x = 2 leaves its domain"):
        Trace.replay(model, [0, 0])


def test_replay_refuses_a_disabled_step_and_names_it():
    model = counter(guard_top=1)
    with pytest.raises(ReplayError, match=r"step 2: c: increment: not enabled"):
        Trace.replay(model, [0, 0])


def test_a_trace_shows_only_what_changed():
    b = ModelBuilder("two")
    x, y = b.var("x", Domain.range(2)), b.var("y", Domain.range(2))
    b.action("c", "x up", x < 2, {x: x + 1})
    b.action("c", "y stays", TRUE, {y: y})
    trace = Trace.replay(b.build(), [0, 1, 0])
    assert [s.changes for s in trace.steps] == [[("x", "1")], [], [("x", "2")]]
    assert trace.initial == (0, 0) and trace.final == (2, 0)
    assert Trace.replay(b.build(), []).final == (0, 0)


def test_failed_values_name_what_the_condition_reads():
    verdict = one(counter(bad=3)).verdict
    assert verdict.trace.failed_values() == [("x", "3")]
    assert Trace.replay(counter(), []).failed_values() == []


def test_a_verdict_prints_its_kind_and_detail():
    assert str(Verdict("unknown", "why")) == "unknown (why)"


def test_a_trace_step_names_its_actor_action_and_lane():
    b = ModelBuilder("lanes")
    x = b.var("x", Domain.range(2))
    b.action("T1", "x up", x < 2, {x: x + 1}, lane="cpu0")
    b.action("T2", "x up too", x < 2, {x: x + 1})
    first, second = Trace.replay(b.build(), [0, 1]).steps
    assert (first.action, first.actor, first.name, first.lane) == (0, "T1", "x up", "cpu0")
    assert (second.action, second.actor, second.name, second.lane) == (
        1, "T2", "x up too", "T2")
    assert (first.state, second.state) == ((1,), (2,))


def test_values_without_a_view_are_shown_once_and_parameters_not_at_all():
    from einval.verdict import show_variables

    b = ModelBuilder("raw")
    b.var("pinned", Domain.enum("no", "yes"), 1, frozen=True, view=False)
    b.var("q", Domain.range(3), 2, view=False)
    b.var("r", Domain.range(3), 1, view=False)
    model = b.build()
    state = model.initial_state()
    assert show_variables(model, [0, 1, 1, 2], state) == [("q", "2"), ("r", "1")]


# -- explicit engine: what it counts -----------------------------------------

def grid(side: int, max_states: int | None = None, max_depth: int | None = None,
         noop: bool = False):
    """x and y each count up to ``side - 1``: side * side states, many
    reached by several paths (the diamonds deduplication must merge)."""
    b = ModelBuilder("grid")
    x, y = b.var("x", Domain.range(side - 1)), b.var("y", Domain.range(side - 1))
    b.action("X", "x up", x < side - 1, {x: x + 1})
    b.action("Y", "y up", y < side - 1, {y: y + 1})
    if noop:
        b.action("N", "nothing", TRUE)
    b.add_check(Check("p", "", (Condition("x <= y + side", x <= y + side),),
                      Condition("corner", (x == side - 1) & (y == side - 1))))
    return b.build(max_states, max_depth)


def test_every_state_is_stored_once_and_every_edge_counted():
    result = one(grid(10))
    assert result.engine == "explicit"
    assert result.states == 100
    assert result.transitions == 2 * 10 * 9  # each of x, y steps up 9 times per line
    assert str(result.verdict) == "holds (all 100 states)"
    assert result.verdict.depth == 18
    assert one(counter()).transitions == TOP


def test_an_action_that_changes_nothing_is_a_transition_to_the_same_state():
    result = one(grid(4, noop=True))
    assert (result.states, result.transitions) == (16, 2 * 4 * 3 + 16)
    assert result.verdict.kind == "holds"


def test_under_a_bound_every_edge_out_of_a_stored_state_is_still_counted():
    # depth bound 3: the states with x + y <= 3 (10 of them), each with
    # its two successors counted, stored or not
    result = one(grid(10, max_depth=3))
    assert (result.states, result.transitions) == (10, 20)
    assert result.verdict.depth == 3
    result = one(grid(10, max_states=7))
    assert (result.states, result.transitions) == (7, 14)
    assert result.verdict.depth == 3  # 7 states: depths 0, 1, 1, 2, 2, 2, 3


def test_the_depth_of_a_verdict_is_the_depth_explored():
    assert one(counter()).verdict.depth == TOP
    assert one(counter(max_depth=4)).verdict.depth == 4
    assert one(counter(guard_top=4)).verdict.depth == 4  # vacuous


def test_of_two_actions_with_one_effect_the_trace_shows_the_first():
    b = ModelBuilder("twins")
    x = b.var("x", Domain.range(3))
    b.action("A", "x up by A", x < 3, {x: x + 1})
    b.action("B", "x up by B", x < 3, {x: x + 1})
    b.add_check(Check("p", "", (Condition("x is never 3", x != 3),), Condition("x", x == 3)))
    trace = one(b.build()).verdict.trace
    assert [s.name for s in trace.steps] == ["x up by A"] * 3


def test_progress_is_reported_at_least_every_5000_states():
    calls = []
    explicit.check_model(grid(80), lambda states, depth: calls.append((states, depth)))
    assert len(calls) == 2 and calls[0] == (1, 0)
    assert 5000 < calls[1][0] <= 6400


# -- Z3 engine: verdicts on small models and the catalogue --------------------

def pinned_model(pinned: str = "yes", labels=("no", "yes"), both: bool = True):
    """A goroutine that may migrate unless pinned; "never migrated" holds
    only because of the pin, "x in range" needs no assumption.  ``labels``:
    the order of the pin's values (which one an engine tries first)."""
    b = ModelBuilder("pinning")
    pin = b.var("pinned", Domain.enum(*labels), pinned, frozen=True,
                assumption="G1 is pinned", view=False)
    moved = b.flag("moved")
    x = b.var("x", Domain.range(3))
    b.action("Go scheduler", "G1 migrates", (pin == labels.index("no")) & ~moved,
             {moved: TRUE})
    b.action("G1", "step", x < 3, {x: x + 1})
    witness = Condition("x reaches 3", x == 3)
    b.add_check(Check("stays", "", (Condition("G1 never migrates", ~moved),), witness))
    if both:
        b.add_check(Check("range", "", (Condition("x in range", x <= 3),), witness))
    return b.build()


def test_z3_names_the_assumption_a_proof_needs_and_only_that():
    stays, in_range = symbolic.check_model(pinned_model(), explain=True)
    assert stays.verdict.kind == in_range.verdict.kind == "holds"
    assert stays.verdict.assumptions == ["G1 is pinned"]
    assert in_range.verdict.assumptions == []
    plain = symbolic.check_model(pinned_model())
    assert [r.verdict.assumptions for r in plain] == [[], []]


@pytest.mark.parametrize("labels", [("no", "yes"), ("yes", "no")])
@pytest.mark.parametrize("both", [True, False])
def test_an_assumption_is_dropped_only_if_every_value_keeps_the_proof(labels, both):
    """Freeing the pin, each of its values is checked: the one tried first
    proving the property says nothing about the others."""
    results = symbolic.check_model(pinned_model(labels=labels, both=both), explain=True)
    assert results[0].verdict.assumptions == ["G1 is pinned"]


def test_naming_assumptions_stops_at_the_time_limit(monkeypatch):
    """The proofs are done when the limit expires: they stay, and --why
    says it could not name what they need."""
    from einval.symbolic import engine

    class Switch(Deadline):
        over = False

        def expired(self):
            return self.over

    deadline = Switch(3600)
    original = engine.minimal_assumptions

    def then_expire(*args):
        deadline.over = True
        return original(*args)

    monkeypatch.setattr(engine, "minimal_assumptions", then_expire)
    stays, in_range = symbolic.check_model(pinned_model(), explain=True, deadline=deadline)
    assert stays.verdict.kind == "holds"
    assert stays.verdict.assumptions == ["not named: time limit of 3600 s reached"]


def test_z3_proves_by_exhaustion_when_induction_needs_longer_paths():
    """Unreachable states form a chain longer than any run from the
    initial state: k-induction would need a large k, but no loop-free run
    is longer than 3 steps, and that ends the search."""
    b = ModelBuilder("short runs")
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(20))
    b.action("c", "x up", x < 3, {x: x + 1})
    b.action("d", "y up", (y > 0) & (y < 20), {y: y + 1})
    b.add_check(Check("p", "", (Condition("y is never 20", y != 20),),
                      Condition("x reaches 3", x == 3)))
    model = b.build()
    # without Houdini's facts (which see that y never leaves 0), nor the
    # reached states as the invariant (which say so too)
    verdict = one(model, symbolic.check_model, facts=False, reached=False).verdict
    assert str(verdict) == "holds (proved: no loop-free run is longer than 3 steps)"
    # with Houdini's (from depth 3 on), induction converges at that depth
    assert str(one(model, symbolic.check_model, reached=False).verdict) == \
        "holds (proved by 3-induction)"
    # with the reached states (the default), no induction is needed at all
    assert str(one(model, symbolic.check_model).verdict) == "holds (proved by invariant)"
    assert one(model).verdict.kind == "holds"


def test_without_the_pin_both_engines_find_the_one_step_violation():
    for engine in (explicit.check_model, symbolic.check_model):
        stays, in_range = engine(pinned_model("no"))
        assert (stays.verdict.kind, stays.verdict.depth) == ("violated", 1)
        assert [s.name for s in stays.verdict.trace.steps] == ["G1 migrates"]
        assert in_range.verdict.kind == "holds"


def test_z3_judges_several_checks_of_one_model_each_on_its_own():
    b = ModelBuilder("two checks")
    x = b.var("x", Domain.range(TOP))
    b.action("c", "increment", x < TOP, {x: x + 1})
    reach = Condition("x reaches 2", x == 2)
    b.add_check(Check("late", "", (Condition("x is never 5", x != 5),), reach))
    b.add_check(Check("fine", "", (Condition("x in range", x <= TOP),), reach))
    b.add_check(Check("early", "", (Condition("x is never 2", x != 2),), reach))
    model = b.build()
    for options in ({}, {"joint": False}, {"reduce": False, "facts": False}):
        results = symbolic.check_model(model, **options)
        got = [(r.property, r.verdict.kind, r.verdict.depth) for r in results]
        assert got[0] == ("late", "violated", 5) and got[2] == ("early", "violated", 2)
        assert got[1][:2] == ("fine", "holds"), options
        assert results[1].verdict.detail.startswith("proved")
        assert all(r.engine == "z3" for r in results)


@pytest.mark.slow  # test_symbolic.py checks the whole catalogue both ways
@pytest.mark.parametrize("design", ["4th-arg", "stateful-get", "task-struct"])
def test_z3_agrees_with_the_explicit_engine_on_the_catalogue(design):
    props = catalog.properties()
    for scen in (TWO_CALLS, OWN_THEN_PROGRAM):
        model, _ = world.build(scen, catalog.design(design), props)
        mine = explicit.check_model(model)
        theirs = symbolic.check_model(model)
        assert [(r.verdict.kind, r.verdict.depth if r.verdict.kind == "violated" else 0)
                for r in mine] == [
            (r.verdict.kind, r.verdict.depth if r.verdict.kind == "violated" else 0)
            for r in theirs]


IRQ = scenario("""
[[thread]]
name = "T1"
[[irq]]
name = "IRQ0"
cpu = 0
[syscall]
path = ["emit"]
""", "irq")

NESTED = scenario("""
[[thread]]
name = "T1"
[[bpf_program]]
name = "S1"
attach = "syscall"
path = ["emit"]
[syscall]
path = ["S1", "emit"]
""", "nested")


def test_4th_arg_buffer_gets_only_what_the_calls_own_path_writes():
    """An interrupt has no caller's buffer, a nested bpf_sys_bpf() call
    has no 4th argument: neither writes into the outer call's buffer."""
    for scen in (IRQ, NESTED):
        got = verdicts(catalog.design("4th-arg"), scen)
        assert {"attribution", "no-foreign-output", "completeness"} <= set(got)
        assert {name: v.kind for name, v in got.items()} == dict.fromkeys(got, "holds"), \
            scen.name
    # the same interrupt does reach a buffer found through current
    assert verdicts(catalog.design("task-struct"), IRQ)["attribution"].kind == "violated"


def test_designs_name_their_state_as_the_mails_do():
    """Traces and ``einval show`` print these names to a reviewer."""
    for design, name in (("4th-arg", "log[T1][0]"), ("stateful-get", "last_error[T1][0]")):
        model, _ = world.build(TWO_CALLS, catalog.design(design), [])
        assert name in [v.name for v in model.variables], design


def test_stateful_get_trace_shows_the_tasks_last_error():
    got = verdicts(catalog.design("stateful-get"), scenario(GO_TEXT, "go"))
    trace = got["attribution"].trace
    changed = [name for step in trace.steps for name, _ in step.changes]
    assert "last_error[M1]" in changed or "last_error[M2]" in changed


GO_TEXT = """
[[os_thread]]
name = "M1"
[[os_thread]]
name = "M2"
[[goroutine]]
name = "G1"
on = "M1"
[[goroutine]]
name = "G2"
on = "M2"
[syscall]
path = ["emit"]
"""
