"""Who can put a message somewhere: every writer, registered once, tagged.

A message in a buffer is the tag of its writer: a user call (``G1#1``), a
nested call inside it (``T1#1>S1``), a signal handler's call (``H1#1``), a
BPF program (``P1``), an interrupt (``IRQ0``), a kernel caller.  Pieces of
the world register their writers here, and the registry hands out the
tags; no code computes a tag from a position.  Properties ask the
registry: the calls whose caller reads an explanation, the writers of a
kind, what is foreign to a call.

Frames are the memory a caller passes its arguments in: the main code of a
thread, a signal handler's stack, a BPF program's memory for a nested
call.  A design that puts the log buffer "in the call" keys it by frame, so
a handler's or a nested call's buffer is its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Domain

EMPTY = 0  # the tag of an empty message slot
CALL = "call"  # a bpf() call (from a thread, a handler, a program, the kernel)
PROGRAM = "program"  # output of a BPF program


@dataclass(frozen=True)
class Frame:
    """Memory a caller passes arguments in; ``thread`` owns it (or None)."""

    index: int
    name: str
    thread: int | None


@dataclass(frozen=True)
class Writer:
    """One writer of messages.

    ``kind``: ``call`` or ``program`` or the kind of an event (``irq``...).
    ``context``: the kind of context it runs in (see ``einval.context``).
    ``retrieved``: a caller reads an explanation for this call afterwards,
    so properties judge it.  ``parent``: the call a nested call runs in.
    """

    tag: int
    label: str
    kind: str
    context: str
    thread: int | None = None
    frame: int | None = None
    depth: int = 0
    retrieved: bool = False
    parent: int | None = None

    def __str__(self) -> str:
        return self.label

    @property
    def is_call(self) -> bool:
        return self.kind == CALL


class Writers:
    """The registry: tags in registration order, 0 is the empty slot."""

    def __init__(self) -> None:
        self._all: list[Writer] = []
        self._labels: set[str] = set()
        self.frames: list[Frame] = []

    # -- registering -------------------------------------------------------
    def add(self, label: str, kind: str, context: str, *, thread: int | None = None,
            frame: int | None = None, depth: int = 0, retrieved: bool = False,
            parent: int | None = None) -> Writer:
        if label in self._labels:
            raise ValueError(f"writer {label!r} registered twice")
        self._labels.add(label)
        writer = Writer(len(self._all) + 1, label, kind, context, thread, frame, depth,
                        retrieved, parent)
        self._all.append(writer)
        return writer

    def frame(self, name: str, thread: int | None) -> Frame:
        """The frame called ``name``, made on first use."""
        for f in self.frames:
            if f.name == name:
                return f
        made = Frame(len(self.frames), name, thread)
        self.frames.append(made)
        return made

    # -- asking ------------------------------------------------------------
    def all(self) -> list[Writer]:
        return list(self._all)

    def __getitem__(self, tag: int) -> Writer:
        return self._all[tag - 1]

    def calls(self) -> list[Writer]:
        """Calls whose caller reads an explanation: what properties judge."""
        return [w for w in self._all if w.is_call and w.retrieved]

    def of_kind(self, *kinds: str) -> list[Writer]:
        return [w for w in self._all if w.kind in kinds]

    def foreign_to(self, call: Writer) -> list[Writer]:
        return [w for w in self._all if w.tag != call.tag]

    def tags(self, writers: Iterable[Writer]) -> list[int]:
        return sorted(w.tag for w in writers)

    def domain(self) -> Domain:
        """Values of a message slot: empty, then every writer's tag."""
        return Domain(("-",) + tuple(w.label for w in self._all))
