"""``[[os_thread]]`` and ``[[goroutine]]``: Go's M:N runtime.

Goroutines (G) run on OS threads (M, each a kernel task).  What each
action stands for, in the Go runtime (src/runtime/proc.go):

- a goroutine's step on M: it runs there; ``task[G]`` is the M it is on;
- ``bpf()`` entry: ``entersyscall`` — the M is blocked in the kernel until
  the syscall returns, and hands its P to another M: nothing else runs on
  this M meanwhile, so no goroutine may be moved onto it, make a syscall
  on it, or read there (``World.hold``: the goroutine holds its M while it
  is inside the kernel);
- "Go scheduler: G resumes on M'": after any syscall (``exitsyscall`` may
  not get its old P back) or at a preemption (SIGURG), an unlocked
  goroutine in user space continues on whichever M picks it up;
- ``pinned = true``: ``runtime.LockOSThread`` wires G to its M and keeps
  other goroutines off it (the M is held by G for good).  Pinning is a
  frozen variable with an assumption sentence, so a proof can say it
  needed it.

Ms are fixed: the runtime may start new ones, which the model leaves out
(it never makes a trace the runtime cannot produce, only fewer).
"""

from __future__ import annotations

from ..lang import Const, Not
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
        "on": Ref("os_thread", doc="the M it starts on"),
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
        me.task_of = b.var(f"task[{self.name}]", Domain(tuple(world.tasks)),
                           world.of(self.on).task)
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
        me, out = world.of(self), []
        for m in me.ms:
            here = (me.task_of == m) & Not(world.occupied(m, but=me.program))
            for cpu in range(world.cpus):
                actor = f"{self.name}@{world.tasks[m]}"
                if world.cpus > 1:
                    here_cpu = here & world.on_cpu(m, cpu)
                    out.append(Placement(m, cpu, here_cpu, f"{actor}/{world.cpu_names[cpu]}"))
                else:
                    out.append(Placement(m, cpu, here, actor))
        return out

    def actions(self, world):
        """Go scheduler: an unlocked goroutine in user space resumes on
        another M that nothing holds."""
        me = world.of(self)
        in_user = me.program.in_user(done=False) & me.program.running()
        for m in me.ms:
            guard = (in_user & Not(me.locked) & (me.task_of != m)
                     & Not(world.occupied(m, but=me.program)))
            world.builder.action("Go scheduler", f"{self.name} resumes on "
                                 f"{world.tasks[m]}", guard, {me.task_of: Const(m)},
                                 lane="Go scheduler")
