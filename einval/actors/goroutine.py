"""``[[os_thread]]`` and ``[[goroutine]]``: Go's M:N runtime.

Goroutines (G) run on OS threads (M, each a kernel task).  What each
action stands for, in the Go runtime (src/runtime/proc.go):

- a goroutine's step on M: it runs there; ``task[G]`` is the M it is on;
- ``bpf()`` entry: ``entersyscall`` — the M is blocked in the kernel until
  the syscall returns, and hands its P to another M: nothing else runs on
  this M meanwhile, so no goroutine may be moved onto it, make a syscall
  on it, or read there (``World.hold``: the goroutine holds its M while it
  is inside the kernel);
- the scheduler moving G: after any syscall (``exitsyscall`` may not get
  its old P back) or at a preemption (SIGURG), an unlocked goroutine in
  user space continues on whichever M picks it up.  The move is part of
  G's next step: that step runs on any M nothing holds (``G1@M2`` after
  ``G1@M1`` in a trace), and between syscalls ``task[G]`` is "-", on no
  M in particular.  Where an unlocked goroutine sits in user space
  matters to no other step (only an M held by a syscall or a lock keeps
  others off), so this allows exactly the runs a separate "G resumes on
  M" step would, each one step shorter, and it stores far fewer states:
  the goroutines' OS threads are interchangeable on their own, not only
  together with the goroutines (3 goroutines x 1 call: 1,957 states
  with symmetry, 118,863 with a separate move step);
- ``pinned = true``: ``runtime.LockOSThread`` wires G to its M and keeps
  other goroutines off it (the M is held by G for good).  Pinning is a
  frozen variable with an assumption sentence, so a proof can say it
  needed it.

Ms are fixed: the runtime may start new ones, which the model leaves out
(it never makes a trace the runtime cannot produce, only fewer).
"""

from __future__ import annotations

from ..lang import Const, If, Not
from ..machine import Placement, add_caller
from ..model import Domain
from ..pieces import Piece
from ..schema import Bool, Int, Name, Ref


class OsThread(Piece):
    table = "os_thread"
    summary = "an M of the Go runtime: a task goroutines run on"
    order = 20
    fields = {
        "name": Name(),
        "cpu": Int(None, 0, lambda s: s.cpus - 1, doc="the CPU it starts on"),
    }

    @classmethod
    def check_all(cls, entries, scenario):
        if entries and not scenario.entries("goroutine"):
            raise entries[0].where.fail("declared but no [[goroutine]] runs on it")

    def register(self, world):
        ms = world.scenario.entries(self.table)
        cpu = self.cpu if self.cpu is not None else ms.index(self) % world.cpus
        world.of(self).task = world.add_task(self.name, cpu)


class Goroutine(Piece):
    table = "goroutine"
    summary = "a goroutine on an M, pinned (LockOSThread) or not"
    order = 30
    caller = True
    fields = {
        "name": Name(),
        "calls": Int(1, 1, 4, doc="failing bpf() calls, one after another"),
        "on": Ref("os_thread", doc="the M it is locked to if pinned; an unpinned "
                                    "goroutine runs each step on any free M"),
        "pinned": Bool(False, doc="runtime.LockOSThread"),
    }

    @classmethod
    def check_all(cls, entries, scenario):
        locked: dict[str, str] = {}
        for g in entries:
            if g.pinned:
                if g.on.name in locked:
                    raise g.where.at("on").fail(
                        f"{g.on.name} is already locked to {locked[g.on.name]} "
                        "(LockOSThread keeps one goroutine per thread)")
                locked[g.on.name] = g.name
        for g in entries:
            if not g.pinned and g.on.name in locked:
                raise g.where.at("on").fail(f"cannot start on {g.on.name}, which is "
                                            f"locked to {locked[g.on.name]}")

    def register(self, world):
        me = world.of(self)
        me.ms = [world.of(m).task for m in world.scenario.entries("os_thread")]
        me.thread, me.program = add_caller(world, self, None, goroutine=True)

    def declare(self, world):
        me, b = world.of(self), world.builder
        # An unlocked goroutine in user space is on no M ("-", the value
        # past the tasks): its next step runs on whichever M is free.
        me.free = len(world.tasks)
        start = world.of(self.on).task if self.pinned else me.free
        me.task_of = b.var(f"task[{self.name}]", Domain((*world.tasks, "-")), start)
        sentence = (f"{self.name} is pinned to {self.on.name} (runtime.LockOSThread)"
                    if self.pinned else f"{self.name} is not pinned")
        me.locked = b.flag(f"pinned[{self.name}]", self.pinned, frozen=True,
                           hidden=True, assumption=sentence)

    def bind(self, world):
        me = world.of(self)
        for m in me.ms:
            world.hold(m, me.program, (me.task_of == m)
                       & (me.program.in_kernel() | me.locked))

    def placements(self, world):
        """G runs on M ``m`` if it is there, or, unlocked and in user space,
        if the scheduler may put it there now: nothing holds ``m``."""
        me, out = world.of(self), []
        movable = Not(me.locked)
        if me.program.pc is not None:  # asked before the layout: where, not when
            movable = movable & me.program.in_user(done=False)
        for m in me.ms:
            here = ((me.task_of == m) | movable) & Not(world.occupied(m, but=me.program))
            after = self._after(world, m)
            for cpu in range(world.cpus):
                actor = f"{self.name}@{world.tasks[m]}"
                if world.cpus > 1:
                    here_cpu = here & world.on_cpu(m, cpu)
                    out.append(Placement(m, cpu, here_cpu,
                                         f"{actor}/{world.cpu_names[cpu]}", after))
                else:
                    out.append(Placement(m, cpu, here, actor, after))
        return out

    def _after(self, world, m):
        """A step on M ``m`` that leaves G inside the kernel keeps it on
        ``m`` (``entersyscall``: the M is blocked with it); one that leaves
        an unlocked G in user space lets go of ``m`` ("-"): where it runs
        next is the scheduler's choice, made at that step."""
        me = world.of(self)
        unlocked = Not(me.locked)

        def after(target):
            if isinstance(target, int):
                user = target >= me.program.end or not me.program.instructions[target].kernel
                return {me.task_of: If(unlocked, me.free, m) if user else Const(m)}
            return {me.task_of: If(unlocked & me.program.in_user(pc=target), me.free, m)}
        return after
