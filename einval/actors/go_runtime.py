"""``[[go_runtime]]``: the Go runtime's own raw syscalls on an M.

DOMAIN.md: "``runtime.LockOSThread`` ... does not stop the runtime's own
raw syscalls (futex, mmap, ...) or signal handlers on that thread."  The
action stands for the runtime making a failing system call on OS thread
``on`` while no goroutine there is inside a syscall (the M is running Go
code, its own or the runtime's).  The concrete case, pinned or not, is
asynchronous preemption (src/runtime/signal_unix.go, ``doSigPreempt``):
``sysmon`` sends SIGURG to the M, the handler injects ``asyncPreempt``,
and the goroutine is descheduled; a goroutine locked to the M cannot run
elsewhere, so the M parks in ``stoplockedm`` -> ``mPark`` ->
``futexsleep`` (src/runtime/lock_futex.go, os_linux.go: a raw
``futex(FUTEX_WAIT_PRIVATE)``) until the goroutine is scheduled again,
and ``futex`` fails with ``-EAGAIN`` when the wake-up raced ahead of the
wait.  An unlocked goroutine is moved by the scheduler instead
(``[[goroutine]]``: its next step runs on another M), and the M that stays behind
makes the same raw calls in ``stopm``.

The failing raw syscall reaches an error site only where every syscall
logs (the thread's "all syscalls" generalisation; the runtime never
calls ``bpf()``): the design's ``syscall_entry``, ``emit`` and
``syscall_exit`` run with ``ctx.kind`` ``runtime``, ``current`` the M,
``in_task()`` true, no call and no frame of a user caller (the runtime
passes no log buffer).  Three steps (entry, error site,
return), during which the M runs nothing else; up to ``count`` times.
"""

from __future__ import annotations

from ..context import Context
from ..lang import And, Const, Not
from ..machine import Program
from ..model import Domain
from ..pieces import Piece
from ..schema import Int, Name, Ref

RUNTIME = "runtime"  # ctx.kind: a raw syscall of the Go runtime itself
PHASES = ("idle", "in futex", "failed")


class GoRuntime(Piece):
    table = "go_runtime"
    summary = "the Go runtime's own failing raw syscall (futex after SIGURG) on an M"
    order = 35
    fields = {
        "name": Name(),
        "on": Ref("os_thread", doc="the M (OS thread) it runs on"),
        "count": Int(1, 1, 2, doc="how many times it may happen"),
    }

    def register(self, world):
        world.of(self).writer = world.writers.add(self.name, RUNTIME, RUNTIME)

    def declare(self, world):
        me, b = world.of(self), world.builder
        me.left = b.var(f"pending[{self.name}]", Domain.range(self.count), self.count,
                        hidden=True)
        me.phase = b.var(f"phase[{self.name}]", Domain.enum(*PHASES), 0, hidden=True)

    def bind(self, world):
        """While the raw syscall is in the kernel the M runs nothing else."""
        me = world.of(self)
        me.program = Program(self.name, list, self.name)  # holder identity only
        world.hold(world.of(self.on).task, me.program, me.phase != 0)

    def actions(self, world):
        me = world.of(self)
        m, tag = world.of(self.on).task, me.writer.tag
        # No goroutine on this M is inside a syscall: the M runs Go code.
        free = And(Not((world.of(g).task_of == m) & world.of(g).program.in_kernel())
                   for g in world.scenario.entries("goroutine"))
        for cpu in range(world.cpus):
            ctx = Context(RUNTIME, True, cpu, task=m, writer=tag)
            actor = f"Go runtime@{self.on.name}"
            if world.cpus > 1:
                actor += f"/{world.cpu_names[cpu]}"
            here = world.on_cpu(m, cpu)
            b = world.builder
            b.action(actor, "SIGURG preemption parks the M: raw futex() enters "
                     "the kernel", (me.left > 0) & (me.phase == 0) & free & here,
                     {me.left: me.left - 1, me.phase: Const(1)},
                     world.hook("syscall_entry", ctx), lane=self.name)
            b.action(actor, "futex() fails (EAGAIN): error site: syscall_string()",
                     (me.phase == 1) & here, {me.phase: Const(2)},
                     world.hook("emit", ctx, tag), lane=self.name)
            b.action(actor, "futex() returns -EAGAIN to the runtime",
                     (me.phase == 2) & here, {me.phase: Const(0)},
                     world.hook("syscall_exit", ctx), lane=self.name)
