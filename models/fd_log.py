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
"""

from einval.design import Design, Read, Switch
from einval.lang import If
from einval.vocab import EMPTY

RING = 8  # fs_context's log holds eight messages


class FdLog(Design):
    name = "fd-log"
    summary = "a log on an fd (fs_context): a ring of 8, read() one at a time"
    order = 70
    churn = "attr"
    switches = {
        "fd_per_thread": Switch("each thread reads a log fd of its own",
                                "threads share one log fd"),
    }

    def declare(self):
        self.ring = self.world.buffers("fd_log", owner="thread", policy="ring",
                                       slots=RING)

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
