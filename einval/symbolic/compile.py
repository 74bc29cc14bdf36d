"""From ``Expr`` trees to Z3 terms, under one of two encodings.

Nothing here knows about designs: it reads the same trees the explicit
engine compiles to Python.  Integer variables become either bit-vectors
just wide enough for every value any expression of the model can take
(``bv``, the default: Z3 bit-blasts them to its SAT solver, which on these
interleaving problems is an order of magnitude faster than arithmetic, see
``benchmarks/bench_engines.py``), or unbounded ``Int``s (``int``).  Boolean
variables are Z3 ``Bool``s in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import z3

from ..lang import BOOL, Const, Expr, Op, Var
from ..model import Model

Interval = tuple[int, int]
ENCODINGS = ("bv", "int")


def interval(expr: Expr, model: Model) -> Interval:
    """Bounds of an integer expression over states within their domains.

    Gives the bit-vector width, and lets ``System.closure`` skip the domain
    checks that cannot fail (most updates are tags or ``If`` chains over
    variables of the same domain).
    """
    if isinstance(expr, Const):
        return (expr.value, expr.value)
    if isinstance(expr, Var):
        return (0, model.variables[expr.index].domain.size - 1)
    assert isinstance(expr, Op)
    if expr.op == "ite":
        lo1, hi1 = interval(expr.args[1], model)
        lo2, hi2 = interval(expr.args[2], model)
        return (min(lo1, lo2), max(hi1, hi2))
    if expr.op in ("add", "sub"):
        lo1, hi1 = interval(expr.args[0], model)
        lo2, hi2 = interval(expr.args[1], model)
        if expr.op == "add":
            return (lo1 + lo2, hi1 + hi2)
        return (lo1 - hi2, hi1 - lo2)
    return (0, 1)  # a boolean operator


def subterms(exprs: Iterable[Expr]) -> list[Expr]:
    """Every node of the given trees, each once."""
    seen: dict[int, Expr] = {}
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        if isinstance(node, Op):
            stack.extend(node.args)
    return list(seen.values())


def model_exprs(model: Model) -> list[Expr]:
    """Every expression of the model: guards, updates, conditions, witnesses."""
    out: list[Expr] = []
    for action in model.actions:
        out.append(action.guard)
        out.extend(expr for _, expr in action.updates)
    for check in model.checks:
        out.extend(c.expr for c in check.always)
        out.append(check.witness.expr)
    return out


class Encoding:
    """How integers are represented: ``Int``, or signed bit-vectors of ``width``."""

    def __init__(self, kind: str, width: int = 0):
        if kind not in ENCODINGS:
            raise ValueError(f"unknown encoding {kind!r} (known: {', '.join(ENCODINGS)})")
        self.kind = kind
        self.width = width
        self._nums: dict[int, z3.ExprRef] = {}  # numerals, made once
        self._sort: z3.SortRef | None = None

    @classmethod
    def for_model(cls, model: Model, kind: str = "bv") -> Encoding:
        """An encoding wide enough for every value the model computes."""
        if kind == "int":
            return cls("int")
        if kind != "bv":
            raise ValueError(f"no encoding {kind!r} (bv or int)")
        bound = max(len(model.actions), 1)
        for v in model.variables:
            bound = max(bound, v.domain.size)
        for node in subterms(model_exprs(model)):
            if node.sort != BOOL:
                lo, hi = interval(node, model)
                bound = max(bound, abs(lo), abs(hi))
        # Signed, with room for "one past the domain" that closure compares.
        return cls("bv", bound.bit_length() + 2)

    def num(self, value: int) -> z3.ExprRef:
        found = self._nums.get(value)
        if found is None:
            found = z3.IntVal(value) if self.kind == "int" else z3.BitVecVal(value, self.width)
            self._nums[value] = found
        return found

    def var(self, name: str) -> z3.ExprRef:
        """A constant of the encoding's sort (one call into Z3: the sort is
        made once)."""
        if self._sort is None:
            self._sort = z3.IntSort() if self.kind == "int" else z3.BitVecSort(self.width)
        ctx = self._sort.ctx
        ast = z3.Z3_mk_const(ctx.ref(), z3.to_symbol(name, ctx), self._sort.ast)
        return (z3.ArithRef if self.kind == "int" else z3.BitVecRef)(ast, ctx)

    def solver(self) -> z3.Solver:
        """The solver suited to the encoding (incremental, with assumptions)."""
        return z3.SolverFor("QF_BV" if self.kind == "bv" else "QF_LIA")


def compile_expr(expr: Expr, env: Sequence[z3.ExprRef], enc: Encoding,
                 memo: dict[int, z3.ExprRef] | None = None) -> z3.ExprRef:
    """The Z3 term of ``expr`` where variable ``i`` stands for ``env[i]``.

    ``memo`` (keyed by node identity) shares the terms of shared subtrees,
    which the ``If`` chains over buffers produce a lot of.
    """
    if memo is None:
        memo = {}
    found = memo.get(id(expr))
    return found if found is not None else _compile(expr, env, enc, memo)


def _compile(expr: Expr, env: Sequence[z3.ExprRef], enc: Encoding,
             memo: dict[int, z3.ExprRef]) -> z3.ExprRef:
    kind = type(expr)
    if kind is Op:
        terms = []
        for x in expr.args:  # type: ignore[attr-defined]
            term = memo.get(id(x))
            terms.append(term if term is not None else _compile(x, env, enc, memo))
        term = apply(expr.op, terms)  # type: ignore[attr-defined]
    elif kind is Var:
        term = env[expr.index]  # type: ignore[attr-defined]
    else:
        assert isinstance(expr, Const)
        term = z3.BoolVal(bool(expr.value)) if expr.sort == BOOL else enc.num(expr.value)
    memo[id(expr)] = term
    return term


# -- terms in one call into Z3 ---------------------------------------------
# The ``z3`` module's operators check and coerce every argument in Python
# (sorts, contexts, numerals), which cost ten times what Z3 spends making
# the term; every argument here is already a term of the right sort, so
# these call the C API directly and wrap the result once.

# Further, the terms are made through the library's own entry points and
# wrapped without the checks of ``z3.z3core``'s functions (an error code
# read after every call) and of ``AstRef.__init__``: the engine makes a
# few hundred thousand terms per catalogue, and the Python side of each
# cost more than Z3's.  The arguments are well-sorted by construction
# (``lang`` type-checks every tree), so no call here can fail.
def unchecked(checked):
    """The library's entry point behind one of ``z3.z3core``'s checked
    functions (the checked function itself, if this z3 keeps it elsewhere:
    the same calls, only slower)."""
    elementaries = (checked.__defaults__ or (None,))[-1]
    return getattr(elementaries, "f", checked)


_MK_AND, _MK_OR = unchecked(z3.Z3_mk_and), unchecked(z3.Z3_mk_or)
_MK_NOT, _MK_IMPLIES = unchecked(z3.Z3_mk_not), unchecked(z3.Z3_mk_implies)
_MK_EQ, _MK_ITE = unchecked(z3.Z3_mk_eq), unchecked(z3.Z3_mk_ite)
_INC_REF, _DEC_REF = unchecked(z3.Z3_inc_ref), unchecked(z3.Z3_dec_ref)


class _Owned:
    """A wrapper's reference, given back without the checked call."""

    def __del__(self) -> None:
        # As ``AstRef.__del__``: not once the context is gone (at exit,
        # the context may be deleted before the terms that point into it).
        ctx = getattr(self.ctx, "ctx", None)
        if ctx is not None and self.ast is not None and _DEC_REF is not None:
            _DEC_REF(ctx, self.ast)
            self.ast = None


class _Bool(_Owned, z3.BoolRef):
    pass


class _BitVec(_Owned, z3.BitVecRef):
    pass


class _Arith(_Owned, z3.ArithRef):
    pass


def _made(cls: type, ast, ctx: z3.Context):
    """``ast`` (just made) wrapped in ``cls``, holding a reference."""
    term = object.__new__(cls)
    term.ast = ast
    term.ctx = ctx
    _INC_REF(ctx.ctx, ast)
    return term


_SIMPLIFY, _BOOL_VALUE = unchecked(z3.Z3_simplify), unchecked(z3.Z3_get_bool_value)


def simplified_truth(ctx, ast) -> bool | None:
    """True or False when Z3 simplifies the Boolean term ``ast`` (raw, in
    the raw context ``ctx``) to the literal true or false, else None.
    ``ast`` may be the result of the call just before: Z3 keeps it alive
    until the next call, which is the simplification."""
    value = _BOOL_VALUE(ctx, _SIMPLIFY(ctx, ast))
    return True if value == 1 else False if value == -1 else None  # Z3_L_TRUE, Z3_L_FALSE


_SOLVER_ASSERT = unchecked(z3.Z3_solver_assert)


def assert_terms(solver: z3.Solver, terms: z3.BoolRef | Sequence[z3.BoolRef]) -> None:
    """``solver.add(terms)``: each a Boolean term already, so asserted
    without ``Solver.add``'s casts (a sort made and compared per term)."""
    ctx = solver.ctx.ctx
    for term in [terms] if isinstance(terms, z3.ExprRef) else terms:
        _SOLVER_ASSERT(ctx, solver.solver, term.ast)


class Scratch:
    """Terms made in bulk without a Python object each (the nodes of a
    decision diagram, tens of thousands per catalogue): each raw term
    holds a reference until ``result`` wraps the one asked for, then
    they are given back (the root holds its subterms)."""

    def __init__(self, ctx: z3.Context):
        self.ctx = ctx
        self._held: list = []

    def _keep(self, ast):
        _INC_REF(self.ctx.ctx, ast)
        self._held.append(ast)
        return ast

    def conj(self, asts: Sequence) -> object:
        return self._keep(_MK_AND(self.ctx.ctx, len(asts), (z3.Ast * len(asts))(*asts)))

    def disj(self, asts: Sequence) -> object:
        return self._keep(_MK_OR(self.ctx.ctx, len(asts), (z3.Ast * len(asts))(*asts)))

    def result(self, ast) -> z3.BoolRef:
        """``ast`` as a term of its own; the scratch terms given back."""
        term = _made(_Bool, ast, self.ctx)
        self.release()
        return term

    def release(self) -> None:
        for ast in self._held:
            _DEC_REF(self.ctx.ctx, ast)
        self._held.clear()


def _array(terms: Sequence[z3.ExprRef]):
    return (z3.Ast * len(terms))(*[t.ast for t in terms])


def conj(terms: Sequence[z3.ExprRef], ctx: z3.Context | None = None) -> z3.BoolRef:
    """``And(terms)`` (true when empty)."""
    ctx = ctx or (terms[0].ctx if terms else z3.main_ctx())
    return _made(_Bool, _MK_AND(ctx.ctx, len(terms), _array(terms)), ctx)


def disj(terms: Sequence[z3.ExprRef], ctx: z3.Context | None = None) -> z3.BoolRef:
    """``Or(terms)`` (false when empty)."""
    ctx = ctx or (terms[0].ctx if terms else z3.main_ctx())
    return _made(_Bool, _MK_OR(ctx.ctx, len(terms), _array(terms)), ctx)


def neg(a: z3.ExprRef) -> z3.BoolRef:
    return _made(_Bool, _MK_NOT(a.ctx.ctx, a.ast), a.ctx)


def implies(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    return _made(_Bool, _MK_IMPLIES(a.ctx.ctx, a.ast, b.ast), a.ctx)


def equal(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    return _made(_Bool, _MK_EQ(a.ctx.ctx, a.ast, b.ast), a.ctx)


def ite(c: z3.ExprRef, a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
    """``If(c, a, b)``, wrapped in the class of ``a`` (Bool or number)."""
    return _made(_like(a), _MK_ITE(c.ctx.ctx, c.ast, a.ast, b.ast), c.ctx)


def _like(a: z3.ExprRef) -> type:
    if isinstance(a, z3.BoolRef):
        return _Bool
    return _BitVec if isinstance(a, z3.BitVecRef) else _Arith


# Comparisons and arithmetic: bit-vectors are signed, as Python's
# operators on z3 bit-vectors are (<, +, -).
_BV = {"lt": unchecked(z3.Z3_mk_bvslt), "le": unchecked(z3.Z3_mk_bvsle),
       "gt": unchecked(z3.Z3_mk_bvsgt), "ge": unchecked(z3.Z3_mk_bvsge),
       "add": unchecked(z3.Z3_mk_bvadd), "sub": unchecked(z3.Z3_mk_bvsub)}
_INT = {"lt": z3.Z3_mk_lt, "le": z3.Z3_mk_le, "gt": z3.Z3_mk_gt, "ge": z3.Z3_mk_ge}


def apply(op: str, a: list[z3.ExprRef]) -> z3.ExprRef:
    """The term of operator ``op`` (an ``Op``'s) over the terms ``a``."""
    if op == "and":
        return conj(a)
    if op == "or":
        return disj(a)
    if op == "not":
        return neg(a[0])
    if op == "ite":
        return ite(a[0], a[1], a[2])
    if op == "eq":
        return equal(a[0], a[1])
    if op == "ne":
        return neg(equal(a[0], a[1]))
    x, y = a
    ctx = x.ctx
    if isinstance(x, z3.BitVecRef):
        make = _BV.get(op)
        if make is None:
            raise ValueError(f"unknown operator {op!r}")
        return _made(_BitVec if op in ("add", "sub") else _Bool,
                     make(ctx.ctx, x.ast, y.ast), ctx)
    if op in ("add", "sub"):
        make = z3.Z3_mk_add if op == "add" else z3.Z3_mk_sub
        return z3.ArithRef(make(ctx.ref(), 2, _array([x, y])), ctx)
    if op not in _INT:
        raise ValueError(f"unknown operator {op!r}")
    return z3.BoolRef(_INT[op](ctx.ref(), x.as_ast(), y.as_ast()), ctx)
