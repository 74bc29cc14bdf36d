"""Go's M:N scheduler: an unpinned goroutine may resume on another thread.

Whenever a goroutine is in user space (after any syscall, or preempted by
SIGURG) the runtime may move it to another OS thread, unless it is pinned
with runtime.LockOSThread, which also keeps other goroutines off its
thread.  Pinning is a frozen variable with an assumption sentence, so a
proof can say it needed it.
"""

from __future__ import annotations

from ..lang import Const, Not, Or


def actions(world, design) -> None:
    for ti, task_var in world.task_of.items():
        t = world.threads[ti]
        in_user = (world.stage_is(ti, "ready") | world.stage_is(ti, "prepared")
                   | world.stage_is(ti, "returned"))
        for target in range(len(world.tasks)):
            locked_by_other = Or(
                world.pinned[o] & (world.task_of[o] == target)
                for o in world.task_of if o != ti
            )
            guard = (in_user & Not(world.pinned[ti]) & (task_var != target)
                     & Not(locked_by_other))
            world.builder.action("Go scheduler", f"{t.name} resumes on {world.tasks[target]}",
                                 guard, {task_var: Const(target)})
