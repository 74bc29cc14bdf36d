"""``[[irq]]``: interrupt code on a CPU reaching an error site.

Stands for a hardirq, softirq or NMI handler on that CPU that reaches a
shared ``return -EINVAL`` with a message, e.g. a BPF program attached to
a tracepoint in irq context calling ``bpf_map_update_elem`` on a hash map
(``htab_map_update_elem`` is reached from both the syscall path and BPF
helpers, DOMAIN.md).  It may arrive at any moment, up to ``count`` times:
whichever task is running on the CPU is interrupted, and ``current`` in
the handler is that task (or the idle task), while ``in_task()`` is
false.  The handler runs to completion before the interrupted task goes
on, so its error site is one atomic step.
"""

from __future__ import annotations

from ..context import Context
from ..model import Domain
from ..pieces import Piece
from ..schema import Choice, Int, Name


class Irq(Piece):
    table = "irq"
    summary = "an interrupt (hardirq, softirq, NMI) on a CPU reaching an error site"
    order = 70
    fields = {
        "name": Name(),
        "cpu": Int(0, 0, lambda s: s.cpus - 1, doc="the CPU it arrives on"),
        "count": Int(1, 1, 3, doc="how many times it may arrive"),
        "context": Choice(("irq", "softirq", "nmi"), "irq",
                          doc="hardirq, softirq or NMI context"),
    }

    def register(self, world):
        world.of(self).writer = world.writers.add(self.name, self.context, self.context)

    def declare(self, world):
        world.of(self).left = world.builder.var(
            f"pending[{self.name}]", Domain.range(self.count), self.count, hidden=True)

    def actions(self, world):
        me = world.of(self)
        tag = me.writer.tag
        for task in [*range(len(world.tasks)), None]:
            current = world.tasks[task] if task is not None else "the idle task"
            ctx = Context(self.context, False, self.cpu, task=task, writer=tag)
            world.builder.action(
                self.name, f"{self.context} on CPU{self.cpu} interrupts {current}: "
                "error site: syscall_string()",
                (me.left > 0) & world.on_cpu(task, self.cpu),
                {me.left: me.left - 1}, world.hook("emit", ctx, tag), lane=self.name)
