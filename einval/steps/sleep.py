"""``sleep [MUTEX]``: the path sleeps, and may wake on another CPU.

Stands for ``mutex_lock(&cgroup_mutex)`` in ``cgroup_bpf_attach`` (5.8,
kernel/cgroup/cgroup.c via ``cgroup_lock()``) or an allocation with
``GFP_KERNEL``: process context may sleep there, and the scheduler may
resume the task on any CPU of its affinity mask, while other tasks run on
the CPU it left (DOMAIN.md, "Process context can be preempted and can
sleep").  With a mutex name the step really takes that mutex: a second
task reaching it sleeps until the holder releases it, which happens at
``unlock MUTEX`` or, at the latest, when the holder's call returns (the
lock is never held across the return to user space; lockdep would warn).
"""

from __future__ import annotations

from ..lang import TRUE
from . import Step


class Sleep(Step):
    keyword = "sleep"
    summary = "sleeps (on a mutex, if named); the task may resume on another CPU"
    arguments = ("mutex",)
    optional = ("mutex",)

    def check(self, path, index):
        """Kernel mutexes are not recursive: taking one the path already
        holds would deadlock, so the path must unlock it first."""
        name = self.args.get("mutex")
        if not name:
            return
        held = False
        for step in path[:index]:
            if step.args.get("mutex") == name:
                held = step.keyword == "sleep"
        if held:
            raise self.where.fail(f"path step 'sleep {name}': {name} is already held "
                                  f"here (kernel mutexes are not recursive: add "
                                  f"'unlock {name}' before it)")

    def instructions(self, world, program, call, number):
        name = self.args.get("mutex")
        what = f"sleeps on {name}" if name else "sleeps"

        def act(site):
            guard, take = TRUE, {}
            if name:
                mutex = world.mutex(name)
                guard, take = mutex.free(), mutex.take(site.ctx.task)
            if world.cpus == 1:
                site.action(f"{what}, wakes up", take, guard=guard)
                return
            for cpu in range(world.cpus):
                site.action(f"{what}, resumes on CPU{cpu}", take,
                            world.move(site.ctx.task, cpu), guard=guard)

        self.one(program, call, what, act)
        if name and name not in call.released:  # once, however often it is taken
            call.released.add(name)
            call.exit_updates.append(lambda ctx: world.mutex(name).release(ctx.task))
