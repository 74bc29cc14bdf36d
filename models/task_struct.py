"""task_struct pointer: the syscall entry stores the call's buffer in current.

Encodes Alexei's sketch in his mail of Mon, Jul 20, 2020 ("it's better to
integrate it into current task_struct to avoid huge code churn", and the
``syscall_string("cgroup has non-overridable program in the parent")``
diff in hierarchy_allows_attach), agreed by Andrii ("If done through
current there would be no code churn").  Never merged.

bpf() entry stores the 4th-argument buffer in ``current``; an error site
at any depth writes through ``current``'s pointer; the exit clears it.

Switches (the mitigations a reviewer would ask for):

- ``in_task``: ``syscall_string()`` does nothing unless ``in_task()``, so
  an interrupt that hits the task mid-call cannot write into its buffer
  (``current`` in hardirq/softirq/NMI is the interrupted task);
- ``save_restore``: a nested ``bpf_sys_bpf()`` call (from a syscall
  program, in the same task) saves the pointer at entry and restores it on
  return, as the kernel does for ``current->bpf_ctx``; without it the
  nested call sets its own (none: the helper has no 4th argument) and
  clears it on return, so the outer call's later messages are lost;
- ``bpf_output``: Alexei's "single pointer in task_struct that will be
  used by both task local storage from inside tracing bpf program and by
  this syscall_string() reporting mechanism" (his mail of the same day);
  Andrii's objection in his reply: "some BPF programs might interleave its
  log output with syscall's output".  The variant ``shared-storage``.

Old kernels: the buffer ``current`` points at is the 4th argument of
Alexei's same mail, flagged by a ``cmd`` bit; a kernel that predates it
rejects the unknown bit in the command switch with ``-EINVAL`` (the errno
of a real error) before anything runs.  No probe.
"""

from einval.design import Design, OldKernel, Switch


class TaskStructPointer(Design):
    name = "task-struct"
    summary = "entry stores the buffer in current; syscall_string() writes there"
    order = 20
    churn = "current"
    switches = {
        "in_task": Switch(
            "syscall_string() logs only in task context (in_task() guard)",
            "syscall_string() logs in any context (no in_task() guard)"),
        "save_restore": Switch(
            "a nested bpf() call saves and restores current's log pointer",
            "a nested bpf() call resets current's log pointer"),
        "bpf_output": Switch(
            "BPF programs write through the same task pointer",
            "BPF programs have storage of their own", hazard=True),
    }
    variants = {"shared-storage": ("bpf_output",)}
    old_kernel = OldKernel(
        request="an unknown cmd bit (the 4th argument's flag)", errno="EINVAL",
        source="thread, Alexei 20 July 2020; __sys_bpf's command switch")

    def declare(self):
        # current points at the caller's 4th-argument buffer: user memory.
        self.log = self.world.buffers("log", owner="frame", memory="user")
        field = "task_storage" if self.chosen("bpf_output") else "log_ptr"
        self.current_log = self.world.per_task(field, self.log.pointer_domain)
        self.saved = self.world.per_frame(f"saved_{field}", self.log.pointer_domain)

    def syscall_entry(self, ctx):
        if ctx.depth == 0:
            mine = self.log.ref(ctx.frame)
            return {**self.current_log.set(ctx.task, mine), **self.log.clear(mine)}
        # A nested call has no buffer of its own: it sets NULL, saving the
        # outer pointer first when the switch is on.
        reset = self.current_log.set(ctx.task, self.log.ref(None))
        save = self.saved.set(ctx.frame, self.current_log.at(ctx.task))
        return {**reset, **self.when(self.switch("save_restore"), save)}

    def emit(self, ctx, tag):
        write = self.log.append(self.current_log.at(ctx.task), tag)
        if ctx.in_task:
            return write
        return self.when(self.switch("in_task"), {}, write)

    def bpf_output(self, ctx, tag):
        write = self.log.append(self.current_log.at(ctx.task), tag)
        return self.when(self.switch("bpf_output"), write)

    def syscall_exit(self, ctx):
        clear = self.current_log.set(ctx.task, self.log.ref(None))
        if ctx.depth == 0:
            return clear
        restore = self.current_log.set(ctx.task, self.saved.at(ctx.frame))
        return self.when(self.switch("save_restore"), restore, clear)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.frame))
