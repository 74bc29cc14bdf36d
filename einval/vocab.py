"""Building blocks a design declares its state with.

``Family``: one variable per key (per task, per thread, per CPU), readable
and writable at an index that may itself be an expression (the *current*
task is state, not a constant).  ``Buffers``: one message buffer per key,
addressed through pointer values (0 is NULL), so a design can store "where
the message goes" in a pointer and append through it.

Both reduce to plain variables and ``If`` chains, so the explicit and the
Z3 engine see nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence

from .lang import Const, Expr, ExprLike, If, Var, lift
from .model import Domain, ModelBuilder, Updates
from .writers import EMPTY

POLICIES = ("truncate", "overwrite", "ring")


def static_value(expr: ExprLike) -> int | None:
    """The value of a constant expression, or None when it depends on state."""
    expr = lift(expr)
    return expr.value if isinstance(expr, Const) else None


def select(index: ExprLike, options: Sequence[Expr], default: ExprLike) -> Expr:
    """``options[index]`` where ``index`` may be state: an ``If`` chain."""
    known = static_value(index)
    if known is not None:
        return options[known] if 0 <= known < len(options) else lift(default)
    result = lift(default)
    for i in reversed(range(len(options))):
        result = If(lift(index) == i, options[i], result)
    return result


class Family:
    """Variables ``name[key]`` for each key, e.g. a field of every task."""

    def __init__(
        self,
        builder: ModelBuilder,
        name: str,
        keys: Sequence[str],
        domain: Domain,
        init: int | str | Sequence[int | str] = 0,
        **options,
    ):
        inits = init if isinstance(init, (list, tuple)) else [init] * len(keys)
        self.name = name
        self.keys = list(keys)
        self.domain = domain
        self.vars: list[Var] = [
            builder.var(f"{name}[{key}]", domain, value, **options)
            for key, value in zip(keys, inits)
        ]

    def at(self, index: ExprLike) -> Expr:
        """The variable at ``index`` (an int or an expression)."""
        return select(index, self.vars, self.vars[0])

    def set(self, index: ExprLike, value: ExprLike) -> Updates:
        """Assign ``value`` to the variable at ``index``."""
        value = lift(value)
        known = static_value(index)
        if known is not None:
            return {self.vars[known]: value}
        return {v: If(lift(index) == i, value, v) for i, v in enumerate(self.vars)}


class Buffers:
    """One message buffer per key, each ``slots`` tags long.

    A pointer to buffer ``k`` has the value ``k + 1``; 0 is NULL, and
    writing through NULL is a no-op (the message is lost), reading through
    it gives an empty buffer.  ``policy`` says what a full buffer does:
    ``truncate`` drops the new message (the verifier log), ``overwrite``
    keeps only the newest one (netlink extack's single slot), ``ring``
    drops the oldest to make room (the mount API's fs_context log).
    Messages fill a buffer from slot 0, oldest first.
    """

    def __init__(
        self,
        builder: ModelBuilder,
        name: str,
        keys: Sequence[str],
        slots: int,
        tags: Domain,
        policy: str = "truncate",
    ):
        if policy not in POLICIES:
            raise ValueError(f"unknown buffer policy {policy!r} (known: "
                             f"{', '.join(POLICIES)})")
        self.name = name
        self.keys = list(keys)
        self.policy = policy
        self.slots = 1 if policy == "overwrite" else slots
        self.tags = tags
        self.cells: list[list[Var]] = []
        for key in self.keys:
            row = [
                builder.var(f"{name}[{key}][{i}]", tags, view=False)
                for i in range(self.slots)
            ]
            self.cells.append(row)
            builder.view(f"{name}[{key}]", row, self._render(row))
        self.pointer_domain = Domain(("NULL",) + tuple(f"&{name}[{k}]" for k in keys))

    def _render(self, row: list[Var]):
        tags = self.tags

        def render(state: Sequence[int]) -> str:
            return show_tags(tags, [state[v.index] for v in row])

        return render

    # -- addressing --------------------------------------------------------
    def ref(self, index: ExprLike | None) -> Expr:
        """A pointer to the buffer at key ``index`` (an int or expression);
        ``None`` gives NULL."""
        if index is None:
            return Const(0)
        known = static_value(index)
        return Const(known + 1) if known is not None else lift(index) + 1

    def _targets(self, pointer: ExprLike) -> list[tuple[int, Expr | None]]:
        """(buffer number, condition) pairs a pointer may name; None = always."""
        known = static_value(pointer)
        if known is not None:
            return [(known - 1, None)] if known > 0 else []
        return [(k, lift(pointer) == k + 1) for k in range(len(self.keys))]

    # -- operations --------------------------------------------------------
    def append(self, pointer: ExprLike, tag: ExprLike) -> Updates:
        """Write one message through ``pointer``, following the policy."""
        tag = lift(tag)
        updates: dict[Var, Expr] = {}
        for k, when in self._targets(pointer):
            row = self.cells[k]
            full = row[-1] != EMPTY
            for i, cell in enumerate(row):
                if self.policy == "overwrite":
                    value: Expr = tag
                else:
                    fits = (cell == EMPTY) if i == 0 else (cell == EMPTY) & (
                        row[i - 1] != EMPTY)
                    value = If(fits, tag, cell)
                    if self.policy == "ring":  # full: shift left, newest last
                        shifted = row[i + 1] if i + 1 < len(row) else tag
                        value = If(full, shifted, value)
                updates[cell] = value if when is None else If(when, value, cell)
        return updates

    def clear(self, pointer: ExprLike) -> Updates:
        """Empty the buffer ``pointer`` names."""
        updates: dict[Var, Expr] = {}
        for k, when in self._targets(pointer):
            for cell in self.cells[k]:
                updates[cell] = Const(EMPTY) if when is None else If(when, EMPTY, cell)
        return updates

    def pop(self, pointer: ExprLike) -> Updates:
        """Remove the oldest message (slot 0) of the buffer; the rest move up."""
        updates: dict[Var, Expr] = {}
        for k, when in self._targets(pointer):
            row = self.cells[k]
            for i, cell in enumerate(row):
                value: Expr = row[i + 1] if i + 1 < len(row) else Const(EMPTY)
                updates[cell] = value if when is None else If(when, value, cell)
        return updates

    def copy(self, target: ExprLike, source: ExprLike, other: Buffers | None = None
             ) -> Updates:
        """Copy the buffer ``source`` names (in ``other``, default this one)
        into the buffer ``target`` names, slot by slot."""
        other = other or self
        values = other.contents(source)
        updates: dict[Var, Expr] = {}
        for k, when in self._targets(target):
            for cell, value in zip(self.cells[k], values):
                updates[cell] = value if when is None else If(when, value, cell)
        return updates

    def contents(self, pointer: ExprLike) -> list[Expr]:
        """The tags in the buffer ``pointer`` names (empty through NULL)."""
        known = static_value(pointer)
        if known is not None:
            if known == 0:
                return [Const(EMPTY)] * self.slots
            return list(self.cells[known - 1])
        return [
            select(lift(pointer) - 1, [row[i] for row in self.cells], EMPTY)
            for i in range(self.slots)
        ]

    def oldest(self, pointer: ExprLike) -> Expr:
        """The oldest message in the buffer (EMPTY when it is empty)."""
        return self.contents(pointer)[0]

    def is_empty(self, pointer: ExprLike) -> Expr:
        return self.oldest(pointer) == EMPTY


def show_tags(tags: Domain, values: Sequence[int]) -> str:
    """``[G1#1, P1]``: the non-empty tags of a buffer, in order."""
    return "[" + ", ".join(tags.label(int(v)) for v in values if v != EMPTY) + "]"
