"""What a property is: conditions on every state, and a witness.

A property file in ``properties/`` subclasses ``Property`` and yields its
conditions for a given world.  The witness defaults to "some call failed
and its caller retrieved the explanation", so a property cannot hold just
because nothing happened.

A property file is a user's code: ``check`` refuses, when the property is
built and before any engine runs, a condition that is not a boolean
expression.  An integer there would be read by Python truthiness in the
explicit engine (a wrong verdict) and crash the Z3 engine, so it is an
``InputError`` naming the property file and the line that yielded it.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import InputError
from .lang import BOOL, Expr, lift
from .model import Check, Condition

if TYPE_CHECKING:  # pragma: no cover
    from .world import World


class Property:
    """Base class of a property.  Subclasses set ``name`` and ``summary``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    order: ClassVar[int] = 100

    def conditions(self, world: World) -> Iterable[Condition]:
        """Conditions every reachable state must satisfy."""
        raise NotImplementedError

    def witness(self, world: World) -> Condition:
        """A condition some reachable state must satisfy."""
        return world.witness_failed_and_retrieved()

    def check(self, world: World) -> Check:
        """The property on one world, every condition checked to be boolean."""
        always = tuple(self._conditions(world))
        witness = self._call("witness", world)
        return Check(self.name, self.summary, always,
                     self._condition(witness, "witness", "the witness", None))

    # -- refusing what a user's property file got wrong ----------------------
    def _conditions(self, world: World) -> Iterator[Condition]:
        produced = self._call("conditions", world)
        if isinstance(produced, (str, bytes, Condition)) or not isinstance(produced,
                                                                          Iterable):
            raise self._error("conditions", f"returned {_kind(produced)}, not "
                              "conditions (yield Condition(label, expr))")
        items = iter(produced)
        number = 0
        while True:
            try:
                item = next(items)
            except StopIteration:
                return
            except InputError:
                raise
            except (Exception, SystemExit) as err:  # the user's generator raised
                raise self._error("conditions", f"raised {type(err).__name__}: {err}",
                                  self._line_in(err)) from None
            number += 1
            frame = getattr(items, "gi_frame", None)
            line = frame.f_lineno if frame is not None else None
            yield self._condition(item, "conditions", f"condition {number}", line)

    def _call(self, hook: str, world: World) -> Any:
        try:
            return getattr(self, hook)(world)
        except InputError:
            raise
        except (Exception, SystemExit) as err:  # the user's code: one line naming where
            raise self._error(hook, f"raised {type(err).__name__}: {err}",
                              self._line_in(err)) from None

    def _condition(self, item: Any, hook: str, what: str, line: int | None
                   ) -> Condition:
        if not isinstance(item, Condition):
            raise self._error(hook, f"{what} is {_kind(item)}, not a Condition", line)
        if not isinstance(item.label, str):
            raise self._error(hook, f"{what} has the label {_kind(item.label)}, not a "
                              "string", line)
        expr = item.expr
        if isinstance(expr, bool):
            return Condition(item.label, lift(expr))
        if not isinstance(expr, Expr):
            raise self._error(hook, f"{what} ('{item.label}') is {_kind(expr)}, not a "
                              "boolean einval expression", line)
        if expr.sort != BOOL:
            raise self._error(hook, f"{what} ('{item.label}') is an integer expression, "
                              "not a boolean one (compare it: x == 1, x > 0)", line)
        return item

    def _error(self, hook: str, message: str, line: int | None = None) -> InputError:
        source = _source(type(self))
        if line is None:
            line = _line_of(type(self), hook)
        return InputError(f"property {self.name}: {hook}(): {message}", source, line)

    def _line_in(self, err: BaseException) -> int | None:
        source = _source(type(self))
        frames = [f for f in traceback.extract_tb(err.__traceback__)
                  if f.filename == source]
        return frames[-1].lineno if frames else None


def _source(cls: type) -> str:
    try:
        return inspect.getsourcefile(cls) or cls.__module__
    except TypeError:  # pragma: no cover - classes made at run time
        return cls.__module__


def _line_of(cls: type, hook: str) -> int | None:
    try:
        return inspect.getsourcelines(getattr(cls, hook))[1]
    except (OSError, TypeError):
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__} ({text})"
