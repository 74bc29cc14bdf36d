"""Path steps: what a call does inside the kernel, one module per kind.

A scenario's ``[syscall] path`` (and the path of a nested call) is a list
of words: ``"emit"``, ``"sleep cgroup_mutex"``, the name of a BPF program,
each optionally marked ``?`` ("may or may not happen").  Each keyword is a
``Step`` subclass, registered when its module is imported; its arguments
are words after the keyword.  A step adds its own instructions to the
caller's program (``einval.machine``), so a new kind of step is one new
module here, with no edit to the thread machine or the scenario reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from ..schema import NAME, NAME_RULE, Where, printable

if TYPE_CHECKING:  # pragma: no cover
    from ..machine import Call, Program, Site
    from ..world import World

STEPS: dict[str, type[Step]] = {}


class Step:
    """One step of a path.  Subclasses set ``keyword`` and ``summary``.

    ``arguments``: names of the words that follow the keyword (the last
    ones may be left out when listed in ``optional``).  ``emits``: how many
    messages of the call itself the step may record (sizes counters).
    """

    keyword: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    arguments: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    emits: ClassVar[int] = 0

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.__dict__.get("keyword"):
            STEPS[cls.keyword] = cls

    def __init__(self, args: list[str], where: Where):
        self.where = where
        self.text = " ".join([self.keyword, *args])
        most, least = len(self.arguments), len(self.arguments) - len(self.optional)
        if not least <= len(args) <= most:
            wanted = " ".join(self.arguments) or "no arguments"
            raise where.fail(f"path step {printable(self.text)}: expected "
                             f"'{self.keyword} {wanted}'".replace(" no arguments", "")
                             + ("" if most else " (no arguments)"))
        for arg in args:
            if not NAME.fullmatch(arg):
                raise where.fail(f"path step {printable(self.text)}: {printable(arg)} "
                                 f"must be {NAME_RULE}")
        self.args: dict[str, str] = dict(zip(self.arguments, args))

    def __repr__(self) -> str:
        return f"Step({self.text!r})"

    def check(self, path: list[Step], index: int) -> None:
        """Checks against the rest of the path this step is at ``index`` of;
        raise ``self.where.fail(...)``."""

    # -- building ----------------------------------------------------------
    def register(self, world: World, call: Call, number: int) -> None:
        """Register what this step adds for ``call`` (e.g. a nested call)."""

    def instructions(self, world: World, program: Program, call: Call,
                     number: int) -> None:
        """Add the step's instructions for ``call`` to ``program``."""
        raise NotImplementedError

    def skip_name(self, call: Call) -> str:
        """How a trace names the step not happening (for ``step?``)."""
        return f"{self.text} does not happen in {call}"

    # -- helpers -----------------------------------------------------------
    @staticmethod
    def one(program: Program, call: Call, label: str, act: Callable[[Site], None],
            ctx: Any = None) -> None:
        """Add one kernel-side instruction running ``act``."""
        from ..machine import Instruction

        program.add(Instruction(f"{call} {label}", ctx or call.ctx, act, kernel=True,
                                who=call.who))
