"""``[[kernel_caller]]``: kernel code calling bpf() itself; nobody reads a string.

Stands for ``kern_sys_bpf()`` (kernel/bpf/syscall.c, since 5.16): a light
skeleton's loader (``tools/lib/bpf/skel_internal.h``, ``bpf_load_and_run``
in kernel mode) or ``bpf_preload`` (kernel/bpf/preload) calling
``__sys_bpf`` with a kernel ``bpfptr_t`` attr.  It runs in the task that
loads the module (``modprobe``, or ``init`` at boot: DOMAIN.md), in
process context (``in_task()`` true, ``current`` that task), on its own
CPU, at any moment relative to the user threads.  Its calls take the
scenario's path (or its own) and fail with ``-EINVAL`` to the module's
init function; nobody asks for an explanation, so properties do not
judge its calls, only what its messages do to the callers who read.

The arguments live in kernel memory (the loader's own frame); there is
no user-space step (no thread start, no prepare, no read).
"""

from __future__ import annotations

from ..context import KTHREAD, Context
from ..lang import TRUE
from ..machine import Call, Placement, Program
from ..pieces import Piece
from ..schema import Int, Name, Steps
from ..writers import CALL


class KernelCaller(Piece):
    table = "kernel_caller"
    summary = "kernel code (kern_sys_bpf from a light skeleton) calling bpf()"
    order = 50
    most = 2
    fields = {
        "name": Name(),
        "calls": Int(1, 1, 2, doc="failing kern_sys_bpf() calls, one after another"),
        "cpu": Int(0, 0, lambda s: s.cpus - 1, doc="the CPU its task runs on"),
        "path": Steps(None, doc="what its calls do (default: [syscall] path)"),
    }

    def register(self, world):
        me = world.of(self)
        me.task = world.add_task(self.name, self.cpu)
        frame = world.frame(self.name, None)
        me.program = world.add_program(Program(
            self.name, lambda: self.placements(world), self.name, None))
        path = self.path if self.path is not None else world.scenario.path
        for n in range(self.calls):
            writer = world.writers.add(f"{self.name}#{n + 1}", CALL, KTHREAD,
                                       frame=frame.index)
            ctx = Context(KTHREAD, True, 0, frame=frame.index, call=writer.tag,
                          writer=writer.tag)
            call = Call(writer, ctx, list(path), from_user=False)
            for number, (step, _) in enumerate(call.path):
                step.register(world, call, number)
            me.program.calls.append(call)

    def placements(self, world):
        task = world.of(self).task
        if world.cpus == 1:
            return [Placement(task, 0, TRUE, f"{self.name} (kern_sys_bpf)")]
        return [Placement(task, cpu, world.on_cpu(task, cpu),
                          f"{self.name}/{world.cpu_names[cpu]} (kern_sys_bpf)")
                for cpu in range(world.cpus)]
