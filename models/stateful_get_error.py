"""Stateful syscall, form (b): "give me back the error string".

Encodes Alexei's mail of Mon, Jul 20, 2020 ("May be all syscalls will
become stateful. sys_bpf, sys_perf_event_open, sys_ioctl followed by new
syscall 'give me back the error string'") and Andrii's objection in his
reply: Go moves goroutines between OS threads.

The kernel keeps the last error string of each task; a failing bpf()
replaces it; a second syscall copies out the string of the task it runs
on, which for an unpinned goroutine need not be the task that failed.

Switches (the mitigations the kernel already applies elsewhere):

- ``in_task``: the error site fills the slot only when ``in_task()``, so
  an interrupt that hits the task mid-call (``current`` in hardirq,
  softirq and NMI context is the interrupted task) leaves it alone;
- ``save_restore``: a nested ``bpf_sys_bpf()`` call (from a syscall
  program, in the same task) saves the task's slot at entry and restores
  it on return, as the kernel does for ``current->bpf_ctx``; without it
  the nested call's entry clears the slot and its message stays there;
- ``sigframe``: signal delivery saves the slot in the signal frame and
  ``rt_sigreturn`` restores it, as the kernel does for the FPU state
  (``setup_rt_frame``/``restore_sigcontext``), so a handler's own failing
  call does not clobber the string the interrupted code will ask for;
- ``bpf_only``: only ``bpf()``'s error sites write the slot, not every
  syscall's: the Go runtime's own raw ``futex()`` (context kind
  ``runtime``) and io_uring's task_work on the exit path (``task_work``)
  leave it alone.  Off, the design is Alexei's "all syscalls will become
  stateful".

Old kernels: the "give me back the error string" call is a new syscall; a
kernel without it runs ``sys_ni_syscall`` (kernel/sys_ni.c: ``-ENOSYS``),
where a new kernel returns 0 (and a string, or none).  That answer is the
probe; the failing bpf() call itself is unchanged (its errno, no text).
"""

from einval.design import Design, OldKernel, Switch

# Contexts that reach an error site outside any bpf() call: the kinds
# the Go runtime and task_work pieces give their raw syscalls.
NOT_BPF = ("runtime", "task_work")


class StatefulGetError(Design):
    name = "stateful-get"
    summary = "kernel keeps a per-task last error; a 2nd syscall fetches it"
    order = 40
    churn = "current"
    old_kernel = OldKernel(
        request="a get-error syscall after the failure", errno=None,
        probe="the get-error syscall", probe_old="ENOSYS", probe_new="0",
        probe_at="retrieval",
        source="kernel/sys_ni.c: a syscall the kernel lacks returns -ENOSYS")
    switches = {
        "in_task": Switch(
            "the error site fills the slot only in task context (in_task())",
            "the error site fills current's slot in any context"),
        "save_restore": Switch(
            "a nested bpf() call saves and restores the task's slot",
            "a nested bpf() call clears the task's slot and leaves its own"),
        "sigframe": Switch(
            "signal delivery saves the slot in the signal frame; sigreturn "
            "restores it",
            "a signal handler's calls leave the slot as they left it"),
        "bpf_only": Switch(
            "only bpf() writes the slot, not every syscall",
            "every syscall's error site writes the slot (all syscalls stateful)"),
    }

    def declare(self):
        # The last error is a field of task_struct (kernel memory), as is
        # the nested call's saved copy; the signal frame is on the user stack.
        self.last_error = self.world.buffers("last_error", owner="task", memory="kernel")
        self.saved = self.world.buffers("saved_error", owner="frame", memory="kernel")
        self.sig_saved = self.world.buffers("sigframe_error", owner="frame",
                                            memory="user")

    def syscall_entry(self, ctx):
        mine = self.last_error.ref(ctx.task)
        clear = self.last_error.clear(mine)
        if ctx.kind in NOT_BPF:
            return self.when(self.switch("bpf_only"), {}, clear)
        if ctx.depth == 0:
            return clear
        save = self.saved.copy(self.saved.ref(ctx.frame), mine, self.last_error)
        return {**clear, **self.when(self.switch("save_restore"), save)}

    def emit(self, ctx, tag):
        write = self.last_error.append(self.last_error.ref(ctx.task), tag)
        if ctx.kind in NOT_BPF:
            write = self.when(self.switch("bpf_only"), {}, write)
        if ctx.in_task:
            return write
        return self.when(self.switch("in_task"), {}, write)

    def syscall_exit(self, ctx):
        if ctx.depth == 0 or ctx.kind in NOT_BPF:
            return {}
        restore = self.last_error.copy(self.last_error.ref(ctx.task),
                                       self.saved.ref(ctx.frame), self.saved)
        return self.when(self.switch("save_restore"), restore)

    def retrieve(self, ctx):
        # The get-error syscall runs on whatever task the caller is on now.
        return self.last_error.contents(self.last_error.ref(ctx.task))

    def handler_enter(self, ctx):
        save = self.sig_saved.copy(self.sig_saved.ref(ctx.frame),
                                   self.last_error.ref(ctx.task), self.last_error)
        return self.when(self.switch("sigframe"), save)

    def handler_leave(self, ctx):
        restore = self.last_error.copy(self.last_error.ref(ctx.task),
                                       self.sig_saved.ref(ctx.frame), self.sig_saved)
        return self.when(self.switch("sigframe"), restore)
