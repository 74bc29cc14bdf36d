"""What a design is: where a failing call's message goes, in five hooks.

A design file in ``models/`` subclasses ``Design``, declares its state in
``declare`` and answers the hooks.  Each hook returns updates (variable :=
expression), evaluated in one atomic step together with the world's own.
The world calls them; a design never sees threads, goroutines or CPUs
except through the ``Context`` of the step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from .lang import Expr
from .model import Updates

if TYPE_CHECKING:  # pragma: no cover
    from .world import World


@dataclass(frozen=True)
class Context:
    """Who runs a hook: the user thread and its call, on which task and CPU.

    ``thread`` indexes ``world.threads``; ``task`` indexes ``world.tasks``
    (the OS thread: ``current`` in the kernel); ``cpu`` indexes
    ``world.cpus``; ``call`` is the tag of the call being made.
    """

    thread: int
    call: int
    task: int
    cpu: int
    in_task: bool = True


class Design:
    """Base class of a design.  Subclasses set ``name`` and ``summary``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    order: ClassVar[int] = 100  # position in `einval list` and `compare`
    # How the message reaches the error site, for `einval churn`:
    # "explicit" (a parameter), "attr" (inside union bpf_attr), "current".
    churn: ClassVar[str | None] = None

    def __init__(self, world: World):
        self.world = world

    def declare(self) -> None:
        """Declare the design's state (buffers, pointers) on ``self.world``."""

    def prepare(self, ctx: Context) -> Updates | None:
        """A user-space syscall made before this bpf() call, or None.

        Runs as its own step (the Go scheduler may move the goroutine
        between it and the call), e.g. registering a per-thread buffer.
        """
        return None

    def prepare_name(self, call: object) -> str:
        """How a trace shows the ``prepare`` step of ``call``."""
        return f"prepares call {call}"

    def syscall_entry(self, ctx: Context) -> Updates:
        """bpf() entered the kernel (the call's user arguments are in hand)."""
        return {}

    def emit(self, ctx: Context, tag: int) -> Updates:
        """An error site calls ``syscall_string()``: record message ``tag``."""
        raise NotImplementedError

    def bpf_output(self, ctx: Context, tag: int) -> Updates:
        """A BPF program running in this task writes output ``tag``."""
        return {}

    def syscall_exit(self, ctx: Context) -> Updates:
        """bpf() returns to user space with an error."""
        return {}

    def retrieve(self, ctx: Context) -> Sequence[Expr]:
        """What the caller gets back as the explanation of its failed call."""
        raise NotImplementedError
