"""``[[migrate]]``: the scheduler moves a 1:1 thread to another CPU.

Stands for load balancing or ``sched_setaffinity`` moving a task that is
not running at that moment (``migrate_task_to``, ``move_queued_task`` in
kernel/sched/core.c).  With ``when = "user"`` only while the thread runs
user code (between its calls, or between a failing return and reading the
explanation), which every kernel allows; with ``when = "any"`` also between
two steps of its path, as a preemptible kernel (CONFIG_PREEMPT) allows
outside ``preempt_disable``/``migrate_disable`` sections.  Up to ``count``
times.
"""

from __future__ import annotations

from ..lang import TRUE
from ..model import Domain
from ..pieces import Piece
from ..schema import Choice, Int, Ref


class Migrate(Piece):
    table = "migrate"
    summary = "the scheduler moves a thread to another CPU (in user space, or anywhere)"
    order = 80
    fields = {
        "thread": Ref("thread", doc="the 1:1 thread it moves"),
        "count": Int(1, 1, 3, doc="how many times it may happen"),
        "when": Choice(("user", "any"), "user", doc="only in user code, or anywhere"),
    }

    @classmethod
    def check_all(cls, entries, scenario):
        seen = set()
        for entry in entries:
            if entry.thread.name in seen:
                raise entry.where.at("thread").fail(
                    f"{entry.thread.name} already has a [[migrate]]: raise its count")
            seen.add(entry.thread.name)

    def check(self, scenario):
        if scenario.cpus < 2:
            raise self.where.fail("needs at least 2 CPUs (cpus = 2)")

    def declare(self, world):
        world.of(self).left = world.builder.var(
            f"migrations[{self.thread.name}]", Domain.range(self.count), self.count,
            hidden=True)

    def actions(self, world):
        me, thread = world.of(self), world.of(self.thread)
        program, task = thread.program, thread.task
        when = program.in_user(done=False) if self.when == "user" else TRUE
        for cpu in range(world.cpus):
            world.builder.action(
                "scheduler", f"{self.thread.name} migrates to CPU{cpu}",
                (me.left > 0) & when & ~world.on_cpu(task, cpu),
                {me.left: me.left - 1}, world.move(task, cpu), lane="scheduler")
