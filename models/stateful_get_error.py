"""Stateful syscall, form (b): "give me back the error string".

Encodes Alexei's mail of Mon, Jul 20, 2020 ("May be all syscalls will
become stateful. sys_bpf, sys_perf_event_open, sys_ioctl followed by new
syscall 'give me back the error string'") and Andrii's objection in his
reply: Go moves goroutines between OS threads.

The kernel keeps the last error string of each task; a failing bpf()
replaces it; a second syscall copies out the string of the task it runs
on, which for an unpinned goroutine need not be the task that failed.
"""

from einval.design import Design


class StatefulGetError(Design):
    name = "stateful-get"
    summary = "kernel keeps a per-task last error; a 2nd syscall fetches it"
    order = 40
    churn = "current"

    def declare(self):
        self.last_error = self.world.buffers("last_error", owner="task")

    def syscall_entry(self, ctx):
        return self.last_error.clear(self.last_error.ref(ctx.task))

    def emit(self, ctx, tag):
        return self.last_error.append(self.last_error.ref(ctx.task), tag)

    def retrieve(self, ctx):
        # The get-error syscall runs on whatever task the caller is on now.
        return self.last_error.contents(self.last_error.ref(ctx.task))
