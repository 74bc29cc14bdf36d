"""The Promela export asks SPIN exactly einval's question.

Without SPIN: the expression translation, parallel updates as
sequential statements, the shape and determinism of the program, and
the ``export`` command.  With ``spin`` and ``gcc`` installed (CI installs
them, ``.ci/setup.d/spin.sh``): SPIN's verdict, shortest depth (pan
-DBFS) and state count match the explicit engine's, on two
representative models by default and on the whole catalogue with
``--runslow``.
"""

from __future__ import annotations

import random
import shutil
from itertools import product

import pytest

from einval import catalog, explicit, promela, world
from einval.cli import main
from einval.lang import FALSE, TRUE, Const, If, Not, Or, Var, evaluate
from einval.model import Action

HAVE_SPIN = shutil.which("spin") is not None and shutil.which("gcc") is not None
needs_spin = pytest.mark.skipif(not HAVE_SPIN, reason="spin and gcc not installed")

X, Y, Z = Var(0, "x"), Var(1, "y"), Var(2, "z")
B = Var(3, "b", "bool")
NAMES = ["x", "y", "z", "b"]


def model(design: str, scenario: str, properties=None):
    props = catalog.properties() if properties is None else properties
    return world.build(catalog.scenario(scenario), catalog.design(design), props)[0]


# -- translation, no SPIN needed ------------------------------------------------
@pytest.mark.parametrize("expr, text", [
    (X == 1, "(x == 1)"),
    (X != Y, "(x != y)"),
    ((X < 1) & (Y >= 2), "((x < 1) && (y >= 2))"),
    (Or(X <= 1, Y > 2, B), "((x <= 1) || (y > 2) || b)"),
    (Not(B), "!b"),
    (Not(X == Y), "!(x == y)"),
    (X + 1 - Y, "((x + 1) - y)"),
    (If(B, X, 2), "(b -> x : 2)"),
    (If(X == 0, TRUE, B), "((x == 0) -> true : b)"),
    (Const(-1), "(-1)"),
    (FALSE, "false"),
])
def test_expression_translation(expr, text):
    assert promela.expression(expr, NAMES) == text


def test_identifiers_are_promela_names_and_distinct():
    assert promela.identifier("got[G1#1][0]") == "got_G1_1_0"
    assert promela.identifier("timeout") == "timeout_"
    assert promela.identifier("1st") == "v_1st"
    assert promela.variable_identifier("tmp0") == "v_tmp0"
    assert promela.variable_identifier("prop_x") == "v_prop_x"
    m = model("stateful-reg", "go-unpinned")
    names = promela.variable_names(m.variables)
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and n not in promela.KEYWORDS for n in names)


def _sequential(plan, state):
    """Run an update plan the way Promela does: one statement at a time."""
    state, temps = list(state), {}
    for kind, target, expr in plan:
        if kind == "tmp":
            temps[target] = int(evaluate(expr, tuple(state)))
        elif kind == "copy":
            state[target] = temps[expr.value]
        else:
            state[target] = int(evaluate(expr, tuple(state)))
    return tuple(state)


def _parallel(action, state):
    nxt = list(state)
    for index, expr in action.updates:
        nxt[index] = int(evaluate(expr, state))
    return tuple(nxt)


def test_a_swap_goes_through_a_temporary():
    swap = Action("t", "swap", TRUE, ((0, Y), (1, X), (2, Z + X)))
    plan = promela.update_plan(swap)
    assert [kind for kind, _, _ in plan].count("tmp") == 1
    for state in product(range(3), range(3), range(3), (0,)):
        assert _sequential(plan, state) == _parallel(swap, state)


def test_update_plans_of_shipped_models_equal_parallel_updates():
    rng = random.Random(12)
    for design, scenario in (("stateful-reg", "go-unpinned"), ("fd-log", "shared-fd")):
        m = model(design, scenario)
        states = explicit.explore(m).states
        for action in m.actions:
            plan = promela.update_plan(action)
            for state in rng.sample(states, min(10, len(states))):
                state = tuple(int(v) for v in state)
                assert _sequential(plan, state) == _parallel(action, state), action.name


def test_program_shape_and_determinism():
    m = model("stateful-reg", "go-unpinned")
    text = promela.to_promela(m)
    assert text == promela.to_promela(model("stateful-reg", "go-unpinned"))
    assert text.count(":: d_step {") == len(m.actions)
    assert text.count("assert(INVARIANT)") == len(m.actions) + 1
    for check in m.checks:
        macro = promela.identifier(check.name)
        assert f"#if defined(CHECK_{macro})" in text or \
            f"#elif defined(CHECK_{macro})" in text
        assert f"defined(WITNESS_{macro})" in text
    assert all(len(line) < 400 for line in text.splitlines())


def test_export_prints_the_program(capsys):
    status = main(["export", "--format", "promela", "stateful-reg", "go-unpinned",
                   "--property", "attribution"])
    out, err = capsys.readouterr()
    attribution = catalog.property_("attribution")
    assert status == 0 and err == ""
    assert out == promela.to_promela(model("stateful-reg", "go-unpinned", [attribution]))
    assert "CHECK_attribution" in out and "CHECK_completeness" not in out


@pytest.mark.parametrize("argv", [
    ["export", "nope", "go-unpinned"],
    ["export", "4th-arg", "nope"],
    ["export", "4th-arg", "one-thread", "--property", "nope"],
    ["export", "--format", "dot", "4th-arg", "one-thread"],
])
def test_export_unknown_names_exit_2_with_one_line(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1


# -- SPIN's verdict against the explicit engine ----------------------------------
def _cross_check(tmp_path, design: str, scenario: str) -> None:
    m = model(design, scenario)
    # einval's exact count: no symmetry, every observation kept, as pan -o2
    results = {r.property: r for r in explicit.check_model(m, symmetry=False,
                                                            settle=False)}
    for check in m.checks:
        mine = results[check.name]
        assert mine.verdict.kind != "unknown" or "vacuous" in mine.verdict.detail, \
            "a bound was reached: nothing to compare"
        spin = promela.spin_verdict(m, check, tmp_path / check.name, optimize="-O0",
                                    hash_bits=18, dead_variables=False, reduce=False)
        where = f"{design} in {scenario}: {check.name}"
        assert spin.kind == mine.verdict.kind, f"{where}: SPIN {spin}, einval {mine.verdict}"
        if spin.kind == "violated":
            assert spin.depth == mine.verdict.depth, where
        else:  # a complete search: einval's states and pan's first one
            assert spin.states == mine.states + 1, where


@needs_spin
def test_spin_agrees_on_a_representative_model(tmp_path):
    """Two violations (depths 10 and 6) and one hold, in go-unpinned."""
    _cross_check(tmp_path, "stateful-reg", "go-unpinned")


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("scenario", catalog.scenario_names())
@pytest.mark.parametrize("design", [row.name for row in catalog.designs()])
def test_spin_agrees_on_the_catalogue(tmp_path, design, scenario):
    _cross_check(tmp_path, design, scenario)


@needs_spin
def test_spin_reductions_store_fewer_states_for_the_same_answer(tmp_path):
    """SPIN's defaults (dead variable elimination, partial order
    reduction) keep the answer on a holding property; pan stores fewer
    states than einval's exact count."""
    m = model("stateful-reg", "go-unpinned", [catalog.property_("no-foreign-output")])
    source = promela.to_promela(m)
    runs = [promela.run_pan(source, tmp_path / str(n), ["CHECK_no_foreign_output"],
                            optimize="-O0", hash_bits=18, **options)
            for n, options in enumerate(({"dead_variables": False, "reduce": False}, {}))]
    exact, reduced = runs
    assert not exact.violated and not reduced.violated
    assert exact.complete and reduced.complete
    assert exact.states == len(explicit.explore(m, symmetry=False).states) + 1
    assert reduced.states < exact.states
