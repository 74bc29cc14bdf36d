"""Partial evaluation of expression trees: known variables replaced by
their values and constants folded.

The search compiles each guard once per value of the variable it is
indexed by (a program counter), and once with the frozen parameters of
the run (``pinned[G1]``, design switches) in place: what is left is the
part of the guard that still depends on the state, usually one or two
comparisons instead of a dozen.  Folding is exact: the folded tree has the
same value as the original on every state that agrees with ``values``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..lang import BOOL, And, Const, Expr, If, Not, Op, Or, Var, lift

_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b}


def fold(expr: Expr, values: Mapping[int, int]) -> Expr:
    """``expr`` with the variables in ``values`` replaced, constants folded."""
    if isinstance(expr, Var):
        if expr.index not in values:
            return expr
        value = int(values[expr.index])
        return lift(bool(value)) if expr.sort == BOOL else Const(value)
    if not isinstance(expr, Op):
        return expr
    args = [fold(a, values) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr  # nothing known below: keep the tree (no re-typecheck)
    op = expr.op
    if op == "and":
        return And(args)
    if op == "or":
        return Or(args)
    if op == "not":
        return Not(args[0])
    if op == "ite":
        return If(*args)
    if all(isinstance(a, Const) for a in args):
        a, b = (x.value for x in args)  # type: ignore[attr-defined]
        if op in _COMPARE:
            return lift(bool(_COMPARE[op](a, b)))
        return Const(_ARITH[op](a, b))
    return Op(op, tuple(args))


def is_false(expr: Expr) -> bool:
    """The folded expression is the constant false."""
    return isinstance(expr, Const) and expr.sort == BOOL and not expr.value


def allowed(expr: Expr, index: int, size: int) -> frozenset[int] | None:
    """The values of variable ``index`` for which ``expr`` (a boolean) may
    be true; None when the tree does not restrict them.  An
    over-approximation read off the structure: ``and`` intersects, ``or``
    unites, and comparisons of the variable with a constant give ranges."""
    if not isinstance(expr, Op):
        return None
    op, args = expr.op, expr.args
    if op == "and":
        out = None
        for a in args:
            got = allowed(a, index, size)
            if got is not None:
                out = got if out is None else out & got
        return out
    if op == "or":
        union: set[int] = set()
        for a in args:
            got = allowed(a, index, size)
            if got is None:
                return None
            union |= got
        return frozenset(union)
    if op in _COMPARE and len(args) == 2:
        a, b = args
        if isinstance(b, Var) and isinstance(a, Const):
            a, b = b, a
            op = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(op, op)
        if isinstance(a, Var) and a.index == index and isinstance(b, Const):
            test = _COMPARE[op]
            return frozenset(k for k in range(size) if test(k, b.value))
    return None
