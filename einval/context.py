"""Who runs a design's hook: the kind of context, its call, its task, its CPU.

The world calls a design's hooks (``syscall_entry``, ``emit``, ...) from
many places: a user thread's ``bpf()``, a BPF program inside it, a nested
``bpf_sys_bpf`` call, an interrupt on some CPU, a signal handler.  The
``Context`` says which, in the terms the kernel itself would use, so that a
design can decide what its code would do there: ``in_task()``, ``current``
(``task``), the CPU, the nesting depth, and whose memory the call's
arguments live in (``frame``).

Actions are ground per task and CPU, so ``task`` and ``cpu`` are constants
here even when they are state (a goroutine's OS thread, a task's CPU).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Kinds of context a hook may run in.  Open: a new piece may use a new word.
USER = "user"  # user-space code of a thread (before or after its bpf() call)
SYSCALL = "syscall"  # inside a bpf() call made by a thread
SIGNAL = "signal"  # a user signal handler, or a bpf() call it makes
BPF = "bpf"  # a BPF program, or a bpf_sys_bpf() call it makes
HARDIRQ, SOFTIRQ, NMI = "irq", "softirq", "nmi"
WORKER = "worker"  # an io-wq worker running a request for the process
KTHREAD = "kthread"  # a kernel caller (kern_sys_bpf from a light skeleton)


@dataclass(frozen=True)
class Context:
    """Where a hook runs.

    ``call``: the tag of the call whose path this is (None where no call
    is being made: an interrupt, user code before its first call).
    ``writer``: the tag of who writes if this context emits (the call, a
    BPF program, an interrupt).  ``frame``: the memory the caller passed
    its arguments in (index into ``world.frames``; None for callers with no
    memory of their own, such as interrupts).  ``thread``: the user thread
    (index into ``world.threads``), None in interrupts and kernel threads.
    ``task``: ``current`` (index into ``world.tasks``; None when the idle
    task was interrupted).  ``depth``: 0 for a call from user space, 1 for
    a ``bpf_sys_bpf`` inside it.
    """

    kind: str
    in_task: bool
    cpu: int
    task: int | None = None
    thread: int | None = None
    frame: int | None = None
    call: int | None = None
    writer: int | None = None
    depth: int = 0

    def on(self, task: int | None, cpu: int) -> Context:
        """The same context placed on ``task`` and ``cpu``."""
        return replace(self, task=task, cpu=cpu)

    def but(self, **changes) -> Context:
        return replace(self, **changes)
