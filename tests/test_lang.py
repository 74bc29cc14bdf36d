"""The expression vocabulary and the buffers built on it."""

import pytest

from einval.lang import FALSE, TRUE, And, Count, If, Implies, Min, Not, Or, evaluate, variables_of
from einval.model import Domain, ModelBuilder
from einval.vocab import Buffers, Family


def builder_with(*names, size=4):
    b = ModelBuilder("t")
    return b, [b.var(n, Domain.range(size)) for n in names]


def test_operators_build_trees_that_evaluate():
    _, (x, y) = builder_with("x", "y")
    state = (2, 3)
    assert evaluate((x + 1) == y, state) is True
    assert evaluate((x == 2) & (y != 3), state) is False
    assert evaluate(Or(x == 0, y == 3), state) is True
    assert evaluate(If(x < y, x, y), state) == 2
    assert evaluate(Min(y, x), state) == 2
    assert evaluate(Count([x == 2, y == 2, y == 3]), state) == 2
    assert evaluate(Implies(x == 0, y == 0), state) is True
    assert evaluate(Not(x >= 2), state) is False
    assert variables_of(If(x < 1, y, 0)) == [0, 1]


def test_and_or_simplify_constants():
    _, (x,) = builder_with("x")
    assert evaluate(And(), ()) is True
    assert evaluate(Or(), ()) is False
    e = x == 1
    assert And(e) is e and Or(e) is e  # one operand: itself, no wrapper
    assert And(True, e) is e and Or(False, e) is e
    assert And(e, False) is FALSE and Or(e, True) is TRUE
    assert repr(And(e, x == 2)) == "and(eq(x, 1), eq(x, 2))"


def test_python_boolean_operators_are_refused():
    _, (x, y) = builder_with("x", "y")
    with pytest.raises(TypeError):
        bool((x == 1) and (y == 1))


def test_ill_sorted_expressions_are_refused():
    _, (x, y) = builder_with("x", "y")
    with pytest.raises(TypeError):
        And(x, y == 1)
    with pytest.raises(TypeError):
        (x == 1) + 1


def test_updates_assigning_a_variable_twice_are_refused():
    b, (x,) = builder_with("x")
    with pytest.raises(ValueError, match="assigned twice"):
        b.action("a", "step", x == 0, {x: x + 1}, {x: x + 2})


def test_family_at_and_set_with_a_state_index():
    b = ModelBuilder("t")
    idx = b.var("idx", Domain.range(2))
    fam = Family(b, "f", ["a", "b", "c"], Domain.range(9), [1, 2, 3])
    state = (1, 1, 2, 3)
    assert evaluate(fam.at(idx), state) == 2
    updates = fam.set(idx, 7)
    assert [evaluate(updates[v], state) for v in fam.vars] == [1, 7, 3]


def make_buffers(policy="truncate"):
    b = ModelBuilder("t")
    tags = Domain(("-", "A", "B", "C"))
    ptr = b.var("ptr", Domain.range(2))
    bufs = Buffers(b, "log", ["x", "y"], 2, tags, policy)
    return b, ptr, bufs


def apply(updates, state):
    new = list(state)
    for var, expr in updates.items():
        new[var.index] = evaluate(expr, tuple(state))
    return tuple(new)


def test_buffer_truncates_when_full_and_ignores_null():
    _, ptr, bufs = make_buffers()
    state = (1, 0, 0, 0, 0)  # ptr -> log[x]
    for tag in (1, 2, 3):
        state = apply(bufs.append(ptr, tag), state)
    assert state[1:] == (1, 2, 0, 0)  # C was dropped: the verifier log's way
    assert [evaluate(e, state) for e in bufs.contents(ptr)] == [1, 2]
    null = (0,) + state[1:]
    assert apply(bufs.append(ptr, 3), null) == null
    assert [evaluate(e, null) for e in bufs.contents(ptr)] == [0, 0]
    assert apply(bufs.clear(ptr), state)[1:] == (0, 0, 0, 0)


def test_buffer_overwrite_keeps_the_last_writer():
    _, ptr, bufs = make_buffers("overwrite")
    state = (2, 0, 0)  # ptr -> log[y]; one slot each
    for tag in (1, 2):
        state = apply(bufs.append(ptr, tag), state)
    assert state == (2, 0, 2)


def test_buffer_static_pointer_needs_no_if_chain():
    _, _, bufs = make_buffers()
    updates = bufs.append(bufs.ref(1), 1)
    assert set(updates) == set(bufs.cells[1])


@pytest.mark.parametrize("design, scenario", [("stateful-get", "go-unpinned"),
                                              ("fd-log", "two-threads"),
                                              ("per-cpu", "signal-handler")])
def test_walking_a_tree_gives_what_its_compiled_code_gives(design, scenario):
    """``evaluate`` walks a tree the first time (``interpret``) and runs
    its compiled code after: the same value and type (``and``/``or``
    return an operand, as Python's do) for every guard, update and
    condition of a model, in its reachable states and out of its domains."""
    from helpers import model_of

    from einval.lang import interpret, to_python
    from einval.symbolic import reached

    model = model_of(scenario, design)
    exprs = [a.guard for a in model.actions] + [e for a in model.actions
                                                for _, e in a.updates]
    exprs += [c.expr for check in model.checks for c in (*check.always, check.witness)]
    states = sorted(reached.reachable(model))[:150]
    states.append(tuple(v.domain.size for v in model.variables))  # all one past
    for expr in exprs:
        code = compile(to_python(expr), "<test>", "eval")
        for state in states:
            want = eval(code, {}, {"s": state})  # noqa: S307
            got = interpret(expr, state)
            assert got == want and type(got) is type(want), (to_python(expr), state)
    expr, state = exprs[0], states[0]
    want = interpret(expr, state)
    assert all(evaluate(expr, state) == want for _ in range(12))  # walked, then compiled


def test_generated_code_is_compiled_once_per_text():
    """``code`` compiles a text once: the same text gives the same code
    object (the catalogue's folded checks repeat across scenarios), and
    runs as ``compile`` would; another text or mode is compiled anew."""
    from einval.lang import code

    text = "def f(s):\n    return s[0] + 1\n"
    first = code(text)
    assert code(text) is first and code(text + "\n") is not first
    namespace: dict = {}
    exec(first, namespace)  # noqa: S102
    assert namespace["f"]((41,)) == 42
    assert eval(code("s[0] * 2", "eval"), {}, {"s": (21,)}) == 42  # noqa: S307
