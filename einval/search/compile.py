"""Compiling a model's actions and conditions to Python, once per model.

Two things keep successor generation from evaluating every guard in every
state:

- Frozen variables (the run's parameters: ``pinned[G1]``, a design's
  switches) never change, so they are folded into every guard and update
  before anything else: "G2 is pinned here" disappears from the Go
  scheduler's guards when G2 is not pinned.
- Each action is indexed by one variable whose value its guard pins down
  (for the world's programs: ``pc[G1] == 3``).  The variable and the set
  of values are found by partial evaluation (``fold``), not by reading
  names, so any guard shape works: an action whose guard cannot be true
  for ``pc[G1] == k`` is simply absent from the table entry ``k``.  The
  generated ``successors`` looks the current value up in one table per
  index variable and runs only the residual guards filed there, each
  already folded with that value.

States are ``bytes`` when every domain fits in a byte (one byte per
variable, a 27-variable state in 60 bytes instead of a 256-byte tuple),
tuples otherwise; the compiled code reads ``s[i]`` either way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..lang import Const, Expr, code, to_python, variables_of
from ..model import Condition, Model
from .fold import allowed, fold, is_false

State = Union[bytes, tuple[int, ...]]
Successors = Callable[[State], list[tuple[int, State]]]

# An index variable with more values than this is not worth a table.
MAX_TABLE = 256


def packs_to_bytes(model: Model) -> bool:
    """Every variable's values fit in one byte."""
    return all(v.domain.size <= 256 for v in model.variables)


def pack(model: Model, state: Sequence[int]) -> State:
    """The search's representation of a state given as integers."""
    return bytes(state) if packs_to_bytes(model) else tuple(state)


def frozen_values(model: Model) -> dict[int, int]:
    """The parameters of the run: frozen variables and their values."""
    return {v.index: v.init for v in model.variables if v.frozen}


@dataclass
class _Filed:
    """One action under one value of its index variable."""

    number: int
    guard: Expr
    updates: list[tuple[int, Expr]]


def _index_of(model: Model, guard: Expr, frozen: dict[int, int]
              ) -> tuple[int, list[int]] | None:
    """The variable that rules out the most of its values for ``guard``,
    with the values left; None when no variable rules out any value.

    The values come from the guard's structure (``allowed``), then each is
    confirmed by folding, so an entry is never filed where the folded
    guard is false."""
    best: tuple[float, int, frozenset[int]] | None = None
    for index in variables_of(guard):
        if index in frozen:
            continue
        size = model.variables[index].domain.size
        if size > MAX_TABLE:
            continue
        possible = allowed(guard, index, size)
        if possible is None or len(possible) == size:
            continue
        ratio = len(possible) / size
        if best is None or ratio < best[0]:
            best = (ratio, index, possible)
    if best is None:
        return None
    return best[1], sorted(best[2])


def _next_state(updates: list[tuple[int, Expr]], packed: bool, width: int) -> list[str]:
    """Source lines that build the next state ``t`` from ``s``."""
    if not updates:
        return ["t = s"]
    if len(updates) * 3 >= width:
        items = dict(updates)
        body = ", ".join(to_python(items[i]) if i in items else f"s[{i}]"
                         for i in range(width))
        wrap = "bytes" if packed else "tuple"
        return [f"t = {wrap}(({body},))"]
    lines = ["t = bytearray(s)" if packed else "t = list(s)"]
    lines += [f"t[{i}] = {to_python(expr)}" for i, expr in updates]
    lines.append("t = bytes(t)" if packed else "t = tuple(t)")
    return lines


def _emit(filed: list[_Filed], packed: bool, width: int, indent: str) -> list[str]:
    lines = []
    for item in filed:
        body = _next_state(item.updates, packed, width)
        body.append(f"out.append(({item.number}, t))")
        if isinstance(item.guard, Const) and item.guard.value:
            lines += [indent + line for line in body]
        else:
            lines.append(f"{indent}if {to_python(item.guard)}:")
            lines += [indent + "    " + line for line in body]
    return lines


def once(model: Model, key: Hashable, make: Callable[[], Any]) -> Any:
    """``make()``, made once per model and ``key`` (``Model.compiled``):
    both engines and the trace chooser read the same model, and compiling
    its source is a tenth of a catalogue run."""
    found = model.compiled.get(key)
    if found is None:
        found = model.compiled[key] = make()
    return found


def successors_of(model: Model) -> Successors:
    """``compile_successors(model)``, compiled once per model."""
    return once(model, "successors", lambda: compile_successors(model))


def condition_of(model: Model, condition: Condition) -> Callable[[State], bool]:
    """A condition of ``model`` (its checks' conditions and witnesses, or a
    settle's trigger) as a state predicate, the run's parameters folded in,
    compiled once per model."""
    key = ("condition", id(condition))
    found = model.compiled.get(key)
    if found is None or found[0] is not condition:  # kept: its id is not reused
        found = model.compiled[key] = (
            condition, compile_condition(condition, frozen_values(model)))
    return found[1]


def compile_successors(model: Model) -> Successors:
    """One Python function: state -> [(action number, next state), ...],
    in action-number order (each action is enabled at most once, so the
    sort never compares states)."""
    frozen = frozen_values(model)
    packed = packs_to_bytes(model)
    width = len(model.variables)
    tables: dict[int, dict[int, list[_Filed]]] = {}
    always: list[_Filed] = []
    for number, action in enumerate(model.actions):
        guard = fold(action.guard, frozen)
        if is_false(guard):
            continue  # never enabled with these parameters
        updates = [(i, fold(e, frozen)) for i, e in action.updates]
        found = _index_of(model, guard, frozen)
        if found is None:
            always.append(_Filed(number, guard, updates))
            continue
        index, values = found
        table = tables.setdefault(index, {})
        for value in values:
            residual = fold(guard, {index: value})
            if is_false(residual):
                continue
            table.setdefault(value, []).append(_Filed(
                number, residual, [(i, fold(e, {index: value})) for i, e in updates]))
    namespace: dict = {}
    lines = ["def successors(s):", "    out = []"]
    for index in sorted(tables):
        lines.append(f"    T{index}[s[{index}]](s, out)")
    lines += _emit(always, packed, width, "    ")
    if len(tables) + bool(always) > 1:
        lines.append("    out.sort()  # action order, as the old engine: same BFS numbering")
    lines.append("    return out")
    sources = ["def _none(s, out):", "    pass"]
    for index, table in sorted(tables.items()):
        entries = []
        for value in range(model.variables[index].domain.size):
            if value not in table:
                entries.append("_none")
                continue
            name = f"_v{index}_{value}"
            entries.append(name)
            sources.append(f"def {name}(s, out):")
            sources += _emit(table[value], packed, width, "    ")
        sources.append(f"T{index} = ({', '.join(entries)},)")
    source = "\n".join(sources + lines)
    exec(code(source, "exec", "<successors>"), namespace)  # noqa: S102
    return namespace["successors"]


def compile_condition(condition: Condition, frozen: dict[int, int] | None = None
                      ) -> Callable[[State], bool]:
    """A state predicate; with ``frozen``, the parameters folded in first."""
    expr = fold(condition.expr, frozen) if frozen else condition.expr
    source = f"lambda s: {to_python(expr)}"
    return eval(code(source, "eval", "<condition>"))  # noqa: S307


def compile_settle(model: Model) -> Callable[[State], State] | None:
    """state -> the state with every settled call's observations back at
    their initial values (``model.Settle``); the same object when no
    trigger holds, so the search can tell that nothing was forgotten.
    None when the model declares no settle."""
    if not model.settled:
        return None
    packed = packs_to_bytes(model)
    frozen = frozen_values(model)
    lines = ["def settle(s):", "    b = None"]
    for settle in model.settled:
        lines.append(f"    if {to_python(fold(settle.trigger, frozen))}:")
        lines.append(f"        b = {'bytearray(s)' if packed else 'list(s)'} if b is None else b")
        for i in settle.reset:
            lines.append(f"        b[{i}] = {model.variables[i].init}")
    lines.append(f"    return s if b is None else {'bytes(b)' if packed else 'tuple(b)'}")
    namespace: dict = {}
    exec(code("\n".join(lines), "exec", "<settle>"),  # noqa: S102
         namespace)
    return namespace["settle"]
