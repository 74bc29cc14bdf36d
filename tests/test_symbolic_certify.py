"""The Z3 engine's certificate: the enumeration proposes, Z3 disposes.

With the reached states proved, the engine settles a violation at depth
0 from the enumeration's shortest run (``Search._certify``): the levels
below it are proved (``Reached.levelled``), the check holds on them, and
the run is confirmed in Z3's own relation (``runs.Runs``).  Each test
gives it a wrong proposal and expects the same verdicts anyway: a wrong
certificate must be refused, never believed.
"""

from __future__ import annotations

import pytest
from helpers import kinds, model_of

from einval import explicit, symbolic
from einval.lang import And, Not
from einval.model import Check, Condition, Domain, ModelBuilder
from einval.symbolic import reached
from einval.symbolic.compile import Encoding
from einval.symbolic.runs import Runs
from einval.symbolic.system import System
from einval.symbolic.unroll import Unrolling


def two_counters():
    """x and y count up to 3 each, in any order; "x + y < 4" fails first
    at depth 4, and at every later depth too (so a run to a deeper failing
    state exists: to x = y = 3, at depth 6)."""
    b = ModelBuilder("two")
    x = b.var("x", Domain.range(3))
    y = b.var("y", Domain.range(3))
    b.action("a", "x up", x < 3, {x: x + 1})
    b.action("b", "y up", y < 3, {y: y + 1})
    b.add_check(Check("sum", "", (Condition("x + y stays below 4", x + y < 4),),
                      Condition("x reaches 3", x == 3)))
    b.add_check(Check("late", "", (Condition("never both at 3",
                                             Not(And(x == 3, y == 3))),),
                      Condition("y reaches 1", y == 1)))
    return b.build()


def test_a_violation_and_a_witness_are_settled_at_depth_zero():
    """The catalogue's violations need no base-case query: the certificate
    gives the shortest run (the explicit engine's length)."""
    model = model_of("two-threads", "fd-log")
    seen: list[int] = []
    results = symbolic.check_model(model, progress=lambda n, depth: seen.append(depth))
    assert seen == [0]
    assert kinds(results) == kinds(explicit.check_model(model))
    assert any(r.verdict.kind == "violated" for r in results)


def test_levels_are_proved_only_when_true():
    model = two_counters()
    system = System(model, Encoding.for_model(model))
    found = reached.prove(system)
    assert found is not None and found.depth == 6
    x, y = model.variables[0], model.variables[1]
    from einval.lang import Var
    assert found.first(And(Var(x.index, x.sort) == 3, Var(y.index, y.sort) == 1)) == 4
    assert found.first(Var(x.index, x.sort) == 4) is None  # outside the domain
    assert found.levelled(found.depth + 1)
    lie = dict(found.levels)
    assert lie[(2, 2)] == 4
    lie[(2, 2)] = 2  # "reached in two steps": then (3, 2) would be within three
    wrong = reached.prove(system)
    assert wrong is not None
    wrong.levels = lie
    assert wrong.levelled(3)  # the levels below the lie are still true
    assert not wrong.levelled(4)
    assert not wrong.levelled(found.depth + 1)


def test_levels_asked_with_the_reached_states_are_kept_only_when_true(monkeypatch):
    """``prove`` asks the levels below the deepest first failure in the
    reached states' own query: true levels are proved there at once;
    wrong ones fail that query, and the reached states, still true, are
    then proved alone, with no level believed."""
    model = two_counters()
    system = System(model, Encoding.for_model(model))
    failures = [Not(c.expr) for check in model.checks for c in check.always]
    found = reached.prove(system, failures=failures, bound=10)
    assert found is not None and len(found.within) == 6  # "never both at 3": depth 6
    assert found.levelled(6)
    assert len(reached.prove(system, failures=failures, bound=6).within) == 6
    assert len(reached.prove(system, failures=failures, bound=5).within) == 4  # "sum"
    true = reached.explore(model)
    lie = dict(true.levels)
    lie[(2, 2)] = 2
    monkeypatch.setattr(reached, "explore", lambda m, limit=reached.LIMIT:
                        reached.Enumeration(lie, true.parents))
    wrong = reached.prove(system, failures=failures, bound=10)
    assert wrong is not None and wrong.within == []  # the set is proved, no level
    assert wrong.levelled(3) and not wrong.levelled(6)


def test_a_run_is_confirmed_only_if_it_is_one():
    model = two_counters()
    system = System(model, Encoding.for_model(model))
    unrolling = Unrolling(system)
    unrolling.goal("P0", lambda k: system.term(model.checks[0].always[0].expr, k))
    runs = Runs(system, unrolling.term)
    states = [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2)]
    assert runs.confirm(states, [0, 0, 1, 1], "P0")
    assert not runs.confirm(states, [0, 1, 1, 1], "P0")  # the wrong action
    assert not runs.confirm(states[:-1] + [(3, 1)], [0, 0, 1, 1], "P0")  # wrong state
    assert not runs.confirm(states[:-1], [0, 0, 1], "P0")  # the check holds there
    assert not runs.confirm([(1, 0)] + states[1:], [0, 0, 1, 1], "P0")  # not initial
    assert not runs.confirm(states, [0, 0, 1], "P0")  # a step missing
    x = system.state(0)[0]
    y1 = system.state(1)[1]
    assert runs._value(x == system.value(0, 1), []) is None  # not closed: no truth value
    assert runs._value(x == system.value(0, 1), [(1, 0)]) is True
    assert runs._value(x == system.value(0, 1), [(2, 0)]) is False
    assert runs._value(y1 == system.value(1, 2), [(0, 0), (0, 2)]) is True  # state 1
    assert runs._value(y1 == system.value(1, 2), [(0, 0)]) is None  # state 1 left open


@pytest.mark.parametrize("proposal", ["deepest", "one deeper", "broken"])
def test_a_wrong_proposal_changes_no_verdict(monkeypatch, proposal):
    """A run longer than the shortest (to the last failing state, or to
    one a single level past the first: the "no shorter" query must cover
    every level below the run's length, not one fewer) fails the "no
    shorter" query; a run that is no run fails confirmation: either way
    the base case finds the shortest counterexample, as without the
    certificate."""
    if proposal != "broken":
        def nearest(self, expr):
            test = eval(f"lambda s: {reached.to_python(expr)}")  # noqa: S307
            failing = [s for s in self.levels if test(s)]
            if not failing:
                return None
            if proposal == "deepest":
                return failing[-1]
            first = self.levels[failing[0]]
            return next((s for s in failing if self.levels[s] == first + 1), failing[-1])
        monkeypatch.setattr(reached.Reached, "nearest", nearest)
    else:
        original = reached.Enumeration.run

        def run(self, state):
            states, actions = original(self, state)
            return states, [(a + 1) % 2 for a in actions]
        monkeypatch.setattr(reached.Enumeration, "run", run)
    model = two_counters()
    depths: list[int] = []
    results = symbolic.check_model(model, progress=lambda n, depth: depths.append(depth))
    assert kinds(results) == kinds(explicit.check_model(model)) == [
        ("violated", 4), ("violated", 6)]
    assert all(r.verdict.trace is not None for r in results)
    assert max(depths) >= 4  # found by the base case, depth by depth


def test_the_true_proposal_settles_the_same_model_at_depth_zero():
    depths: list[int] = []
    results = symbolic.check_model(two_counters(),
                                   progress=lambda n, depth: depths.append(depth))
    assert kinds(results) == [("violated", 4), ("violated", 6)]
    assert depths == [0]


def test_terms_alive_at_exit_do_not_crash_the_interpreter():
    """The engine's own term wrappers give their reference back without
    the checked call.  Terms in a reference cycle are collected at exit
    after the context may be gone; giving a reference back into a deleted
    context crashed the process (exit -11) after its output was printed."""
    import subprocess
    import sys

    code = ("import z3\n"
            "from einval.symbolic.compile import conj, equal, neg\n"
            "class Holder:\n"
            "    pass\n"
            "x = z3.BitVec('x', 4)\n"
            "h = Holder()\n"
            "h.me = h\n"
            "h.terms = [conj([equal(x, z3.BitVecVal(i, 4)), neg(equal(x, x))])\n"
            "           for i in range(50)]\n"
            "h.solver = z3.SolverFor('QF_BV')\n"
            "h.solver.add(h.terms[3])\n"
            "print(h.solver.check())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "unsat")
