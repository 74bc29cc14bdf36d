"""What a design is: where a failing call's message goes, in a few hooks.

A design file in ``models/`` subclasses ``Design``, declares its state in
``declare`` and answers the hooks.  Each hook returns updates (variable :=
expression), applied in one atomic step together with the world's own.
The world calls them; a design never sees threads, goroutines or CPUs
except through the ``Context`` of the step (``einval.context``).

Mitigations are *switches*: named, documented choices of the design (an
``in_task()`` guard, save/restore across nesting).  A switch is a frozen
boolean variable of the model with a sentence for each value, so that the
Z3 engine's ``--why`` can say "holds only with save/restore".  Hooks read
a switch as an expression (``self.switch("in_task")``) and combine updates
with ``self.when``.  ``variants`` name useful combinations; each is a row
of ``einval compare``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from .context import Context
from .lang import TRUE, Expr, ExprLike, Var
from .model import Updates, when

if TYPE_CHECKING:  # pragma: no cover
    from .vocab import Buffers
    from .world import World


@dataclass(frozen=True)
class Switch:
    """A mitigation a design may turn on: what it means on, and off.

    ``hazard``: turning it on is not a mitigation but an idea under test
    (a variant such as shared storage), so ``einval mitigate`` leaves it
    as the design has it instead of trying it as a repair.
    """

    on: str
    off: str
    hazard: bool = False


@dataclass(frozen=True)
class OldKernel:
    """How a caller asks for a log, and what a kernel that predates the
    design does with the request (DOMAIN.md, "Old kernels").

    ``request``: how the call asks, in words (for ``einval show``).
    ``errno``: the errno an old kernel rejects the whole call with, before
    any of its path runs (an unknown ``cmd`` bit: ``-EINVAL`` from the
    command switch); None when the old kernel runs the call as if no log
    were asked for (extra registers are ignored; or the caller, told by
    its probe, does not ask), so the call fails with its own errno.
    ``probe``: the separate call whose answer tells an old kernel from a
    new one, or None; ``probe_old`` and ``probe_new`` its answers.
    ``probe_at``: ``"start"`` (before the thread's first call: a
    registration the design's ``thread_start`` makes, or a probe of its
    own) or ``"retrieval"`` (the call that fetches the explanation is
    itself new: its answer is the probe).  ``source``: where the
    mechanism is documented.
    """

    request: str = "extra arguments an old kernel ignores"
    errno: str | None = None
    probe: str | None = None
    probe_old: str = "-"
    probe_new: str = "-"
    probe_at: str = "start"
    source: str = ""


@dataclass(frozen=True)
class Read:
    """One step of retrieving an explanation, in user space.

    ``got``: the explanation as this step reads it, assigned to the
    caller's copy slot by slot; or ``take``: one message this step adds
    to the caller's copy (a destructive ``read()`` of one entry).
    ``updates``: what the step changes (a destructive read empties what
    it read).  ``last``: when it holds (in the state before the step) the
    retrieval ends after this step; the final step always ends it.
    """

    name: str
    updates: Updates = field(default_factory=dict)
    got: Sequence[Expr] | None = None
    take: Expr | None = None
    guard: Expr = TRUE
    last: Expr | None = None


class Design:
    """Base class of a design.  Subclasses set ``name`` and ``summary``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    order: ClassVar[int] = 100  # position in `einval list` and `compare`
    # How the message reaches the error site, for `einval churn`:
    # "explicit" (a parameter), "attr" (inside union bpf_attr), "current".
    churn: ClassVar[str | None] = None
    switches: ClassVar[Mapping[str, Switch]] = {}
    # Rows of `einval compare` beside the design itself: name -> switches on.
    variants: ClassVar[Mapping[str, Sequence[str]]] = {}
    # What a kernel that predates the design does with the caller's request
    # for a log.  The default says the least a caller can rely on: the
    # request is ignored (bpf() reads 3 arguments; extra registers are not
    # looked at), the call fails with its own errno, no probe.
    old_kernel: ClassVar[OldKernel] = OldKernel()

    def __init__(self, world: World, switch_vars: Mapping[str, Var] | None = None,
                 chosen: frozenset[str] = frozenset()):
        self.world = world
        self._switches = dict(switch_vars or {})
        self._chosen = chosen

    # -- switches ----------------------------------------------------------
    def switch(self, name: str) -> Expr:
        """The switch ``name`` as a boolean expression of the model."""
        if name not in self._switches:
            raise KeyError(f"design {self.name} declares no switch {name!r}")
        return self._switches[name]

    def chosen(self, name: str) -> bool:
        """Whether switch ``name`` is on in this run: for naming things only;
        behaviour must read ``switch`` so that proofs can name it."""
        return name in self._chosen

    @staticmethod
    def when(cond: ExprLike, then: Updates, otherwise: Updates | None = None) -> Updates:
        """Updates ``then`` where ``cond`` holds, ``otherwise`` where not."""
        return when(cond, then, otherwise)

    # -- state ---------------------------------------------------------------
    def declare(self) -> None:
        """Declare the design's state (buffers, pointers) on ``self.world``."""

    # -- user space ----------------------------------------------------------
    def thread_start(self, ctx: Context) -> Updates | None:
        """A user-space step when a thread starts (libc registering a
        buffer), or None; runs before the thread's first call."""
        return None

    def thread_start_name(self, call: object) -> str:
        return f"starts (before {call})"

    def prepare(self, ctx: Context) -> Updates | None:
        """A user-space syscall made before each bpf() call, or None."""
        return None

    def prepare_name(self, call: object) -> str:
        return f"prepares call {call}"

    # -- the kernel path -----------------------------------------------------
    def syscall_entry(self, ctx: Context) -> Updates:
        """bpf() entered the kernel (the call's arguments are in hand)."""
        return {}

    def emit(self, ctx: Context, tag: int) -> Updates:
        """An error site calls ``syscall_string()``: record message ``tag``.

        ``ctx.kind`` says who reached the site: a call's path, or an
        interrupt (``in_task`` false, ``task`` the interrupted one)."""
        raise NotImplementedError

    def bpf_output(self, ctx: Context, tag: int) -> Updates:
        """A BPF program running in this context writes output ``tag``."""
        return {}

    def syscall_exit(self, ctx: Context) -> Updates:
        """bpf() returns to its caller with an error."""
        return {}

    # -- getting the explanation back ---------------------------------------
    def retrieve(self, ctx: Context) -> Sequence[Expr]:
        """What the caller gets back as the explanation of its failed call,
        in one non-destructive step (override ``retrieval`` for more)."""
        raise NotImplementedError

    def retrieval(self, ctx: Context, copy: Buffers) -> Sequence[Read]:
        """The steps that fetch the explanation of ``ctx.call``; ``copy`` is
        the caller's copy of it (what properties judge)."""
        call = self.world.writers[ctx.call]
        return [Read(f"reads the explanation of {call}", got=self.retrieve(ctx))]

    # -- signal handlers -----------------------------------------------------
    def handler_enter(self, ctx: Context) -> Updates:
        """A user signal handler starts on this thread (it may save state)."""
        return {}

    def handler_leave(self, ctx: Context) -> Updates:
        """The handler returns (it may restore what it saved)."""
        return {}



class CallBuffer(Design):
    """A buffer the caller hands over with the call itself (a 4th
    argument, a field of ``bpf_attr``): it lives in the call's frame, the
    entry clears it, an error site writes it when the code that reaches
    the site has it in hand, and the caller reads its own frame's copy.

    Subclasses name its state (``buffer_name``) and say where it is in
    hand (``in_hand``): code that is not on a call's path (an interrupt)
    never has it.
    """

    buffer_name: ClassVar[str] = "log"

    def in_hand(self, ctx: Context) -> bool:
        """Whether the code running in ``ctx`` has this call's buffer."""
        return ctx.call is not None

    def declare(self):
        # The caller's own buffer: the kernel writes user memory.
        self.log = self.world.buffers(self.buffer_name, owner="frame", memory="user")

    def buffer(self, ctx: Context) -> Expr:
        """The call's own buffer, or NULL where the code has none in hand
        (``ref`` of a missing frame is NULL too)."""
        return self.log.ref(ctx.frame if self.in_hand(ctx) else None)

    def syscall_entry(self, ctx):
        return self.log.clear(self.buffer(ctx))

    def emit(self, ctx, tag):
        return self.log.append(self.buffer(ctx), tag)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.frame))

@dataclass(frozen=True)
class Choice:
    """A design with some of its switches on: what a row of results names."""

    design: type[Design]
    switches: frozenset[str] = frozenset()
    label: str = ""

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if not self.switches:
            return self.design.name
        return f"{self.design.name}:{','.join(sorted(self.switches))}"

    @property
    def order(self) -> int:
        return self.design.order

    @property
    def churn(self) -> str:
        """The code-churn figures belong to the design, whatever is switched on."""
        return self.design.churn


def choices_of(design: type[Design]) -> list[Choice]:
    """The design itself, then its declared variants, as compare rows."""
    rows = [Choice(design)]
    for label, on in design.variants.items():
        rows.append(Choice(design, frozenset(on), label))
    return rows


def as_choice(design: type[Design] | Choice) -> Choice:
    return design if isinstance(design, Choice) else Choice(design)

