"""``[[thread]]``: a 1:1 user thread making failing bpf() calls.

A thread created with ``pthread_create`` is one kernel task for its whole
life (NPTL is 1:1), so ``current`` inside its calls is always its own task.
Its calls run one after another: the design's user-space steps, ``bpf()``
entry, the steps of the path, the ``-EINVAL`` return, then reading the
explanation (``einval.machine``).  With more than one CPU, the task's CPU
is state: the scheduler may move it where the path sleeps (``sleep``) or
when a ``[[migrate]]`` event says so.
"""

from __future__ import annotations

from ..lang import TRUE
from ..machine import Placement, add_caller
from ..pieces import Piece
from ..schema import Int, Name


class Thread(Piece):
    table = "thread"
    summary = "a 1:1 thread (its own task) making failing bpf() calls"
    order = 10
    caller = True
    fields = {
        "name": Name(),
        "calls": Int(1, 1, 4, doc="failing bpf() calls, one after another"),
        "cpu": Int(None, 0, lambda s: s.cpus - 1, doc="the CPU it starts on"),
    }

    def register(self, world):
        me = world.of(self)
        index = world.scenario.entries(self.table).index(self)
        cpu = self.cpu if self.cpu is not None else index % world.cpus
        me.task = world.add_task(self.name, cpu)
        me.thread, me.program = add_caller(world, self, me.task)

    def placements(self, world):
        task = world.of(self).task
        if world.cpus == 1:
            return [Placement(task, 0, TRUE, self.name)]
        return [Placement(task, cpu, world.on_cpu(task, cpu),
                          f"{self.name}/{world.cpu_names[cpu]}")
                for cpu in range(world.cpus)]
