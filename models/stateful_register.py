"""Stateful syscall, form (a): a per-thread registered log buffer.

Encodes Andrii's proposal #2 in his mail of Mon, Jul 20, 2020 ("stateful
logging (e.g., through extra syscall to set user log buffer and unset
it) ... The biggest downside, though, is runtimes like Golang, where
application doesn't control which OS thread it runs on").  FreeBSD
shipped this form in 2025 as exterrctl.

When a user thread starts it registers its own buffer with a syscall;
the kernel keeps the registration in the *OS thread* it ran on.  Every
later failing bpf() on that OS thread fills the registered buffer,
whoever is running there now: a goroutine moved to another M, or a
signal handler's own call on the same thread.

Switch ``save_restore``: signal handlers save the registered buffer on
entry and restore it before returning, the convention C code follows for
``errno`` (DOMAIN.md: a per-thread last error "has errno's hazard ...
without errno's save/restore convention").

Switch ``in_task``: the error site fills the registered buffer only when
``in_task()``: ``current`` in hardirq, softirq and NMI context is the
interrupted task, whose registration an interrupt must not use.

Switch ``outer_only``: only a call from user space touches the
registered buffer; a nested ``bpf_sys_bpf()`` call (its attr is a kernel
pointer, ``bpfptr_is_kernel()``) neither clears nor fills it, as the
2026 ``BPF_COMMON_ATTRS`` gives nested calls no log.

Old kernels: the registration is a new syscall; a kernel without it runs
``sys_ni_syscall`` (kernel/sys_ni.c: ``-ENOSYS``).  The thread-start
registration is therefore the probe: ``-ENOSYS`` on an old kernel, 0 on
a new one, and later calls run as ever, with their own errno.
"""

from einval.design import Design, OldKernel, Switch


class StatefulRegister(Design):
    name = "stateful-reg"
    summary = "a syscall registers a per-thread buffer; failing calls fill it"
    order = 30
    churn = "current"
    old_kernel = OldKernel(
        request="a registration syscall before the first call", errno=None,
        probe="the registration syscall", probe_old="ENOSYS", probe_new="0",
        source="kernel/sys_ni.c: a syscall the kernel lacks returns -ENOSYS")
    switches = {
        "save_restore": Switch(
            "signal handlers save and restore the registered buffer (like errno)",
            "signal handlers leave the registered buffer as their calls left it"),
        "in_task": Switch(
            "the error site fills the registered buffer only in task context",
            "the error site fills current's registered buffer in any context"),
        "outer_only": Switch(
            "a nested bpf_sys_bpf() call leaves the registered buffer alone",
            "a nested bpf_sys_bpf() call clears and fills the registered buffer"),
    }

    def declare(self):
        # The registered buffer and the handler's saved copy: user memory.
        self.log = self.world.buffers("log", owner="thread", memory="user")
        self.registered = self.world.per_task("registered", self.log.pointer_domain)
        self.saved = self.world.buffers("saved_log", owner="frame", memory="user")

    def thread_start(self, ctx):
        return self.registered.set(ctx.task, self.log.ref(ctx.thread))

    def thread_start_name(self, call):
        return f"registers its log buffer (before {call})"

    def syscall_entry(self, ctx):
        clear = self.log.clear(self.registered.at(ctx.task))
        if ctx.depth == 0:
            return clear
        return self.when(self.switch("outer_only"), {}, clear)

    def emit(self, ctx, tag):
        write = self.log.append(self.registered.at(ctx.task), tag)
        if ctx.depth > 0:
            write = self.when(self.switch("outer_only"), {}, write)
        if ctx.in_task:
            return write
        return self.when(self.switch("in_task"), {}, write)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.thread))

    def handler_enter(self, ctx):
        save = self.saved.copy(self.saved.ref(ctx.frame), self.log.ref(ctx.thread),
                               self.log)
        return self.when(self.switch("save_restore"), save)

    def handler_leave(self, ctx):
        restore = self.log.copy(self.log.ref(ctx.thread), self.saved.ref(ctx.frame),
                                self.saved)
        return self.when(self.switch("save_restore"), restore)
