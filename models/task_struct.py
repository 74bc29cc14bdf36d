"""task_struct pointer: the syscall entry stores the call's buffer in current.

Encodes Alexei's sketch in his mail of Mon, Jul 20, 2020 ("it's better to
integrate it into current task_struct to avoid huge code churn", and the
``syscall_string("cgroup has non-overridable program in the parent")``
diff in hierarchy_allows_attach), agreed by Andrii ("If done through
current there would be no code churn").  Never merged.

bpf() entry stores the 4th-argument buffer in ``current``; an error site
at any depth writes through ``current``'s pointer; the exit clears it.
"""

from einval.design import Design


class TaskStructPointer(Design):
    name = "task-struct"
    summary = "entry stores the buffer in current; syscall_string() writes there"
    order = 20
    churn = "current"
    pointer = "log_ptr"  # the task_struct field, as traces show it

    def declare(self):
        self.log = self.world.buffers("log", owner="thread")
        self.current_log = self.world.per_task(self.pointer, self.log.pointer_domain)

    def syscall_entry(self, ctx):
        mine = self.log.ref(ctx.thread)
        return {**self.current_log.set(ctx.task, mine), **self.log.clear(mine)}

    def emit(self, ctx, tag):
        return self.log.append(self.current_log.at(ctx.task), tag)

    def syscall_exit(self, ctx):
        return self.current_log.set(ctx.task, 0)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.thread))
