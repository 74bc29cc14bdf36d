"""fd-attached log, like the new mount API's ``fs_context`` log.

Since 5.2, ``fsopen()`` returns an fd whose ``fs_context`` carries a log:
``errorf()``/``invalf()`` in the filesystem's code append a message, a
ring of 8 keeps the newest when full (fs/fs_context.c, ``logfc``:
``log->head``/``log->tail``, ``ARRAY_SIZE(log->buffer)`` == 8), and each
``read()`` on the fd returns one message and removes it, ``-ENODATA``
when the log is empty (``fscontext_read``).  Anyone holding the fd reads
it: threads of one process share their fd table.

Encoded for ``bpf()``: the call names an fd; its error sites append to
that fd's log; the caller reads the log back with ``read()`` one message
at a time until it is empty (or its buffer is full).  Code with no fd in
hand (an interrupt, a nested call from a BPF program) logs nothing.

Switch ``fd_per_thread``: each thread opens a log fd of its own instead
of sharing the process's one.

Old kernels: the log fd comes from an ``fsopen()``-like open, a syscall a
kernel that predates the design lacks (``-ENOSYS``, kernel/sys_ni.c; a
new one returns an fd).  The caller learns the open's answer before its
first call, and without an fd it names none: the call runs as ever.
"""

from einval.design import Design, OldKernel, Read, Switch
from einval.lang import If
from einval.vocab import EMPTY

RING = 8  # fs_context's log holds eight messages


class FdLog(Design):
    name = "fd-log"
    summary = "a log on an fd (fs_context): a ring of 8, read() one at a time"
    order = 70
    churn = "attr"
    old_kernel = OldKernel(
        request="an fd from an fsopen()-like open", errno=None,
        probe="the open of the log fd", probe_old="ENOSYS", probe_new="0",
        source="kernel/sys_ni.c; fs/fsopen.c is the model of the open")
    switches = {
        "fd_per_thread": Switch("each thread reads a log fd of its own",
                                "threads share one log fd"),
    }

    def declare(self):
        # fs_context's log lives in the kernel until read() or close().
        self.ring = self.world.buffers("fd_log", owner="thread", policy="ring",
                                       slots=RING, memory="kernel")

    def fd(self, ctx):
        """The log the caller's fd names: its own, or the first thread's."""
        own = self.ring.ref(ctx.thread)
        return If(self.switch("fd_per_thread"), own, self.ring.ref(0))

    def emit(self, ctx, tag):
        if ctx.call is None or ctx.depth > 0 or ctx.thread is None:
            return {}
        return self.ring.append(self.fd(ctx), tag)

    def retrieval(self, ctx, copy):
        fd, call = self.fd(ctx), self.world.writers[ctx.call]
        return [
            Read(f"read()s the fd log for {call} ({i + 1})",
                 updates=self.ring.pop(fd), take=self.ring.oldest(fd),
                 last=self.ring.contents(fd)[1] == EMPTY)
            for i in range(copy.slots)
        ]
