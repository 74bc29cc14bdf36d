"""Calling a design's hooks, and refusing what they should not return.

A design is a user's file: a hook may raise, return ``None`` where updates
belong, a list, a string, a float, or use a key that is not a variable of
the model.  Each of these is an ``InputError`` naming the design file, the
line where it can be placed, the hook, and what was wrong, so the user sees
one line and exit status 2, never a traceback or a wrong verdict.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from .design import Design, Read
from .errors import InputError
from .lang import BOOL, Expr, Var
from .schema import printable

OPTIONAL = {"thread_start", "prepare"}  # may return None: "no such step"
UPDATES = {"thread_start", "prepare", "syscall_entry", "emit", "bpf_output",
           "syscall_exit", "handler_enter", "handler_leave"}


def source_of(design: type | Design) -> str:
    cls = design if isinstance(design, type) else type(design)
    try:
        return inspect.getsourcefile(cls) or cls.__module__
    except TypeError:  # pragma: no cover - classes made at run time
        return cls.__module__


class DesignError(InputError):
    """A design's hook broke a rule of the vocabulary."""


def error(design: Design, hook: str, message: str, line: int | None = None
          ) -> DesignError:
    cls = type(design)
    if hook == "retrieval" and "retrieval" not in _own(cls):
        hook = "retrieve"  # the base class's retrieval() only wraps retrieve()
    if line is None:
        line = _line_of(cls, hook)
    return DesignError(f"design {design.name}: {hook}(): {message}",
                       source_of(design), line)


def _own(cls: type) -> set[str]:
    """The hooks the design's classes define, not those of ``Design``."""
    return {name for klass in cls.__mro__ if klass is not Design and klass is not object
            for name in vars(klass)}


def _line_of(cls: type, hook: str) -> int | None:
    """The line of ``hook`` in the design's file (None when inherited from
    einval's own ``Design``: its line is not in the file the error names)."""
    method = getattr(cls, hook, None)
    if method is None or hook not in _own(cls):
        return None
    try:
        return inspect.getsourcelines(method)[1]
    except (OSError, TypeError):
        return None


def call(design: Design, hook: str, variables: int, *args: Any) -> Any:
    """``design.hook(*args)``, checked; ``variables``: the model's size."""
    try:
        result = getattr(design, hook)(*args)
    except InputError:
        raise
    except (Exception, SystemExit) as err:  # the user's code: one line, say where
        path = source_of(design)
        frames = [f for f in traceback.extract_tb(err.__traceback__)
                  if f.filename == path]
        line = frames[-1].lineno if frames else None
        raise error(design, hook, f"raised {type(err).__name__}: {err}", line) from None
    if hook in UPDATES:
        if result is None and hook in OPTIONAL:
            return None
        return updates(design, hook, result, variables)
    if hook == "retrieve":
        return tags(design, hook, result)
    if hook == "retrieval":
        return reads(design, hook, result, variables)
    return result


def updates(design: Design, hook: str, value: Any, variables: int) -> dict[Var, Any]:
    if not isinstance(value, Mapping):
        raise error(design, hook, f"returned {_kind(value)}, not updates (a dict "
                    "from variables to values)")
    out: dict[Var, Any] = {}
    for key, item in value.items():
        if not isinstance(key, Var) or not 0 <= key.index < variables:
            raise error(design, hook, f"key {printable(key)} is not a variable of "
                        "the model")
        out[key] = value_of(design, hook, item, key.sort == BOOL, key.name)
    return out


def value_of(design: Design, hook: str, item: Any, boolean: bool, what: str) -> Any:
    if isinstance(item, Expr):
        if (item.sort == BOOL) != boolean:
            raise error(design, hook, f"{what} gets a {item.sort} expression, not a "
                        f"{'bool' if boolean else 'int'}")
        return item
    if isinstance(item, bool):
        if not boolean:
            raise error(design, hook, f"{what} gets {item!r}, a bool where a tag or "
                        "number belongs")
        return item
    if isinstance(item, int):
        if boolean:
            raise error(design, hook, f"{what} gets {item!r} where a bool belongs")
        return item
    raise error(design, hook, f"{what} gets {_kind(item)}, not an int or an "
                "einval expression")


def tags(design: Design, hook: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise error(design, hook, f"returned {_kind(value)}, not a list of message "
                    "slots")
    return [value_of(design, hook, v, False, f"slot {i}") for i, v in enumerate(value)]


def reads(design: Design, hook: str, value: Any, variables: int) -> list[Read]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise error(design, hook, f"returned {_kind(value)}, not a list of Read steps")
    if not value:
        raise error(design, hook, "returned no steps: a caller must read something")
    out = []
    for item in value:
        if not isinstance(item, Read):
            raise error(design, hook, f"returned {_kind(item)} among its steps, not a "
                        "Read")
        updates(design, hook, item.updates, variables)
        if item.got is not None:
            tags(design, hook, item.got)
        out.append(item)
    return out


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    return f"a {type(value).__name__} ({printable(value)})"
