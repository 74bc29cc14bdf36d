"""``[[task_work]]``: task_work run on a thread's way back to user space.

Stands for ``task_work_run()`` in ``exit_to_user_mode_loop``
(kernel/entry/common.c: reschedule, signal delivery, then task_work;
DOMAIN.md "Exit to user mode runs, in order ...").  The real work that
reaches an error site there is io_uring's: a request the thread
submitted earlier is completed or re-issued in the submitter's own
context by ``tctx_task_work`` (io_uring/io_uring.c, queued with
``TWA_SIGNAL``), and a failing re-issue returns ``-EINVAL`` in the CQE.
No io_uring op runs ``bpf()`` in 6.1, so this matters for the thread's
"all syscalls" generalisation (Alexei: "May be all syscalls will become
stateful"; Andrii: stateful logging "makes it easy to do this across all
syscalls uniformly"): an error site shared by every syscall would also
record a message here.

It runs in the thread's own task (``current`` is the thread's task,
``in_task()`` true), outside any of its calls (``ctx.call`` is None), at
an exit to user mode: whenever the thread's next step is user code (after
a syscall returns, or on the return from an interrupt that found
``TIF_NOTIFY_SIGNAL`` set).  It is one atomic step, up to ``count`` times.
"""

from __future__ import annotations

from ..model import Domain
from ..pieces import Piece
from ..schema import Int, Name, Ref

TASK_WORK = "task_work"  # ctx.kind: task_work on the exit-to-user path


class TaskWork(Piece):
    table = "task_work"
    summary = "task_work (io_uring) on a thread's exit path reaching an error site"
    order = 75
    fields = {
        "name": Name(),
        "thread": Ref("thread", doc="the 1:1 thread whose exit path runs it"),
        "count": Int(1, 1, 2, doc="how many times it may run"),
    }

    def register(self, world):
        target = world.of(self.thread)
        world.of(self).writer = world.writers.add(
            self.name, TASK_WORK, TASK_WORK, thread=target.thread.index)

    def declare(self, world):
        world.of(self).left = world.builder.var(
            f"pending[{self.name}]", Domain.range(self.count), self.count, hidden=True)

    def actions(self, world):
        from ..context import Context

        me, target = world.of(self), world.of(self.thread)
        tag, task = me.writer.tag, target.task
        in_user = target.program.in_user(done=False)
        for cpu in range(world.cpus):
            ctx = Context(TASK_WORK, True, cpu, task=task,
                          thread=target.thread.index, writer=tag)
            where = f" on CPU{cpu}" if world.cpus > 1 else ""
            world.builder.action(
                self.name, f"task_work on {self.thread.name}'s way to user "
                f"space{where}: a queued io_uring request fails: error site: "
                "syscall_string()",
                (me.left > 0) & in_user & world.on_cpu(task, cpu),
                {me.left: me.left - 1}, world.hook("emit", ctx, tag), lane=self.name)
