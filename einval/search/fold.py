"""What partial evaluation (``lang.fold``: known variables replaced by
their values, constants folded) tells the search about a guard.

The search compiles each guard once per value of the variable it is
indexed by (a program counter), and once with the frozen parameters of
the run (``pinned[G1]``, design switches) in place: what is left is the
part of the guard that still depends on the state, usually one or two
comparisons instead of a dozen.  ``allowed`` reads off a guard which
values of its index variable can make it true; ``is_false`` says a folded
guard can never be.
"""

from __future__ import annotations

from ..lang import BOOL, COMPARISONS, Const, Expr, Op, Var, fold  # noqa: F401 (fold: re-exported)


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
    if op in COMPARISONS and len(args) == 2:
        a, b = args
        if isinstance(b, Var) and isinstance(a, Const):
            a, b = b, a
            op = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(op, op)
        if isinstance(a, Var) and a.index == index and isinstance(b, Const):
            test = COMPARISONS[op]
            return frozenset(k for k in range(size) if test(k, b.value))
    return None
