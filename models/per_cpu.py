"""Per-CPU buffer: error sites write a buffer of the CPU they run on.

Andrii, in his mail of Mon, Jul 20, 2020: "I was considering a per-CPU
variable, but CPU migration precludes that."  Rejected in the thread,
never merged.  Encoded in its "give me back the error string" form: the
failing call leaves its message in the buffer of the CPU its error site
ran on, and a second syscall copies out the buffer of the CPU the caller
runs on when it asks.  A task that migrates between the two reads another
CPU's buffer; a task that sleeps on the path (or is preempted) lets
another task on the same CPU overwrite the slot.

Old kernels: the second syscall is new; a kernel without it returns
``-ENOSYS`` (kernel/sys_ni.c), a new one 0: that answer is the probe.
"""

from einval.design import Design, OldKernel


class PerCpuBuffer(Design):
    name = "per-cpu"
    summary = "a buffer per CPU; a 2nd syscall reads the buffer of its CPU"
    order = 60
    churn = "current"
    old_kernel = OldKernel(
        request="a syscall reading the CPU's buffer after the failure", errno=None,
        probe="the read-the-buffer syscall", probe_old="ENOSYS", probe_new="0",
        probe_at="retrieval",
        source="kernel/sys_ni.c: a syscall the kernel lacks returns -ENOSYS")

    def declare(self):
        self.log = self.world.buffers("percpu_log", owner="cpu", memory="kernel")

    def syscall_entry(self, ctx):
        return self.log.clear(self.log.ref(ctx.cpu))

    def emit(self, ctx, tag):
        return self.log.append(self.log.ref(ctx.cpu), tag)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.cpu))
