"""The expression vocabulary shared by both engines.

A guard, an update or a property is an ``Expr`` tree over integer state
variables.  The explicit engine compiles a tree to Python source; the Z3
engine compiles the same tree to Z3 terms.  Keeping this language small
(integers, booleans, ``If``, comparisons, ``+``/``-``) is what lets one
definition serve both engines without a second hand-written encoding.

Operators build trees: ``(x == 1) & (y != z)``.  Python's ``and``/``or``
cannot be overloaded, so use ``&``, ``|``, ``~`` or ``And``/``Or``/``Not``,
and parenthesise comparisons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Union

INT = "int"
BOOL = "bool"

# Operators and the sort of their result.
_BOOL_OPS = {"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge"}
_INT_OPS = {"add", "sub"}


class Expr:
    """A node of an expression tree.  Immutable; compared by identity."""

    sort: str = INT
    __slots__ = ()
    __hash__ = object.__hash__

    # Comparisons build boolean expressions (like z3's Python API).
    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return Op("eq", (self, lift(other)))

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return Op("ne", (self, lift(other)))

    def __lt__(self, other: ExprLike) -> Expr:
        return Op("lt", (self, lift(other)))

    def __le__(self, other: ExprLike) -> Expr:
        return Op("le", (self, lift(other)))

    def __gt__(self, other: ExprLike) -> Expr:
        return Op("gt", (self, lift(other)))

    def __ge__(self, other: ExprLike) -> Expr:
        return Op("ge", (self, lift(other)))

    def __add__(self, other: ExprLike) -> Expr:
        return Op("add", (self, lift(other)))

    def __radd__(self, other: ExprLike) -> Expr:
        return Op("add", (lift(other), self))

    def __sub__(self, other: ExprLike) -> Expr:
        return Op("sub", (self, lift(other)))

    def __and__(self, other: ExprLike) -> Expr:
        return And(self, lift(other))

    def __or__(self, other: ExprLike) -> Expr:
        return Or(self, lift(other))

    def __invert__(self) -> Expr:
        return Not(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "an einval expression has no truth value here: use &, |, ~ "
            "instead of and, or, not"
        )


ExprLike = Union[Expr, int, bool]


@dataclass(frozen=True, eq=False)
class Const(Expr):
    """An integer or boolean literal."""

    value: int
    sort: str = INT

    def __repr__(self) -> str:
        return repr(bool(self.value)) if self.sort == BOOL else str(self.value)


@dataclass(frozen=True, eq=False)
class Var(Expr):
    """A reference to state variable number ``index`` (see ``model.Variable``)."""

    index: int
    name: str
    sort: str = INT

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False)
class Op(Expr):
    """An operator applied to operands: ``op`` is one of the names below."""

    op: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        # Checked and kept once: an If chain's sort is read at every link.
        object.__setattr__(self, "_sort", _typecheck(self.op, self.args))

    @property
    def sort(self) -> str:  # type: ignore[override]
        return self._sort  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{self.op}({', '.join(map(repr, self.args))})"


TRUE = Const(1, BOOL)
FALSE = Const(0, BOOL)


def lift(value: ExprLike) -> Expr:
    """Turn a Python int or bool into a ``Const``; leave expressions alone."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, int):
        return Const(value)
    raise TypeError(f"not an einval expression: {value!r}")


def _typecheck(op: str, args: tuple[Expr, ...]) -> str:
    """The sort of ``op`` over ``args``; an error if they are ill-sorted."""
    if op in ("and", "or", "not"):
        if all(a.sort == BOOL for a in args):
            return BOOL
    elif op in ("eq", "ne"):
        if len(args) == 2 and args[0].sort == args[1].sort:
            return BOOL
    elif op in ("lt", "le", "gt", "ge") or op in _INT_OPS:
        if len(args) == 2 and args[0].sort == INT and args[1].sort == INT:
            return BOOL if op in _BOOL_OPS else INT
    elif op == "ite":
        if len(args) == 3 and args[0].sort == BOOL and args[1].sort == args[2].sort:
            return args[1].sort
    else:
        raise ValueError(f"unknown operator {op!r}")
    raise TypeError(f"ill-sorted {op} over {[a.sort for a in args]}")


def And(*args: ExprLike | Iterable[ExprLike]) -> Expr:
    """Conjunction; ``And()`` is true.  Accepts expressions or one iterable."""
    items = _flatten(args)
    items = [a for a in items if a is not TRUE]
    if any(a is FALSE for a in items):
        return FALSE
    if not items:
        return TRUE
    return items[0] if len(items) == 1 else Op("and", tuple(items))


def Or(*args: ExprLike | Iterable[ExprLike]) -> Expr:
    """Disjunction; ``Or()`` is false.  Accepts expressions or one iterable."""
    items = _flatten(args)
    items = [a for a in items if a is not FALSE]
    if any(a is TRUE for a in items):
        return TRUE
    if not items:
        return FALSE
    return items[0] if len(items) == 1 else Op("or", tuple(items))


def Not(arg: ExprLike) -> Expr:
    arg = lift(arg)
    if arg is TRUE:
        return FALSE
    if arg is FALSE:
        return TRUE
    return Op("not", (arg,))


def Implies(a: ExprLike, b: ExprLike) -> Expr:
    return Or(Not(a), b)


def If(cond: ExprLike, then: ExprLike, other: ExprLike) -> Expr:
    """``then`` where ``cond`` holds, else ``other`` (both of one sort)."""
    cond, then, other = lift(cond), lift(then), lift(other)
    if cond is TRUE:
        return then
    if cond is FALSE:
        return other
    return Op("ite", (cond, then, other))


def Sum(items: Iterable[ExprLike]) -> Expr:
    """Integer sum; ``Sum([])`` is 0."""
    total: Expr | None = None
    for item in items:
        total = lift(item) if total is None else total + item
    return total if total is not None else Const(0)


def Count(conds: Iterable[ExprLike]) -> Expr:
    """How many of the boolean ``conds`` hold."""
    return Sum(If(c, 1, 0) for c in conds)


def Min(a: ExprLike, b: ExprLike) -> Expr:
    a, b = lift(a), lift(b)
    return If(a <= b, a, b)


def _flatten(args: tuple) -> list[Expr]:
    if len(args) == 1 and not isinstance(args[0], (Expr, int, bool)):
        args = tuple(args[0])
    return [lift(a) for a in args]


def variables_of(expr: Expr) -> list[int]:
    """Indices of the state variables an expression reads, in first-seen order."""
    seen: dict[int, None] = {}
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Var):
            seen.setdefault(node.index)
        elif isinstance(node, Op):
            stack.extend(reversed(node.args))
    return list(seen)


def to_python(expr: Expr, state: str = "s") -> str:
    """Python source evaluating ``expr`` over a state tuple named ``state``.

    Booleans evaluate to Python bools, integers to ints.
    """
    if isinstance(expr, Const):
        return ("True" if expr.value else "False") if expr.sort == BOOL else str(expr.value)
    if isinstance(expr, Var):
        return f"{state}[{expr.index}]"
    assert isinstance(expr, Op)
    a = [to_python(x, state) for x in expr.args]
    op = expr.op
    if op == "and":
        return "(" + " and ".join(a) + ")"
    if op == "or":
        return "(" + " or ".join(a) + ")"
    if op == "not":
        return f"(not {a[0]})"
    if op == "ite":
        return f"({a[1]} if {a[0]} else {a[2]})"
    symbol = {
        "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
        "add": "+", "sub": "-",
    }[op]
    return f"({a[0]} {symbol} {a[1]})"


@lru_cache(maxsize=2048)
def code(source: str, mode: str = "exec", name: str = "<einval>") -> CodeType:
    """``compile(source, name, mode)``, once per text: the generated code
    of a catalogue repeats (a design's checks, folded, read the same in
    many scenarios: 1.25 MB compiled for 0.51 MB of distinct text)."""
    return compile(source, name, mode)


# id -> (the tree, kept alive; its code, or how often it was walked)
_COMPILED: dict[int, tuple[Expr, object]] = {}
_COMPILED_MAX = 1 << 14
_WALKS = 8  # evaluations of a tree by walking it before its code is compiled


def evaluate(expr: Expr, state: tuple[int, ...]) -> int | bool:
    """Evaluate directly (the engines compile whole models instead).

    The first few times a tree is evaluated it is walked (``interpret``):
    a replayed trace evaluates most guards and updates a few times, and
    walking a tree costs a tenth of compiling it.  After ``_WALKS``
    walks its code, compiled once, is run (the cache keeps the tree, so
    its ``id`` is not reused, and is emptied when it grows large)."""
    found = _COMPILED.get(id(expr))
    if found is None or isinstance(found[1], int):
        walks = 0 if found is None else found[1]
        if walks < _WALKS:
            if found is None and len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.clear()
            _COMPILED[id(expr)] = (expr, walks + 1)
            return interpret(expr, state)
        found = _COMPILED[id(expr)] = (expr, code(to_python(expr), "eval", "<expr>"))
    return eval(found[1], {}, {"s": state})  # noqa: S307 - our own source


def interpret(expr: Expr, state: Sequence[int]) -> int | bool:
    """The value of ``to_python(expr)``'s code on ``state``, by walking the
    tree: the same value, bool or int (``and``/``or`` give the operand
    that decided them, as Python's do)."""
    if isinstance(expr, Var):
        return state[expr.index]
    if isinstance(expr, Const):
        return bool(expr.value) if expr.sort == BOOL else expr.value
    op, args = expr.op, expr.args  # type: ignore[attr-defined]
    if op == "and":
        value: int | bool = True
        for a in args:
            value = interpret(a, state)
            if not value:
                break
        return value
    if op == "or":
        value = False
        for a in args:
            value = interpret(a, state)
            if value:
                break
        return value
    if op == "not":
        return not interpret(args[0], state)
    if op == "ite":
        return interpret(args[1] if interpret(args[0], state) else args[2], state)
    return _BINARY[op](interpret(args[0], state), interpret(args[1], state))


# -- partial evaluation ------------------------------------------------------
# Shared by both engines: the search folds the run's parameters and the
# value of a guard's program counter into each guard; the Z3 engine folds
# parameters to find what an action really reads.  Folding is exact: the
# folded tree has the same value as the original on every state that
# agrees with ``values``.

COMPARISONS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b}
_BINARY = {**COMPARISONS, **_ARITH}  # ``interpret``'s operators


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
        if op in COMPARISONS:
            return lift(bool(COMPARISONS[op](a, b)))
        return Const(_ARITH[op](a, b))
    return Op(op, tuple(args))
