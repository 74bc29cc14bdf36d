"""Shared task-local storage: one per-task pointer for syscalls and BPF.

Encodes Alexei's mail of Mon, Jul 20, 2020 ("If that's a single pointer in
task_struct that will be used by both task local storage from inside
tracing bpf program and by this syscall_string() reporting mechanism then
we can land it") and Andrii's objection in his reply ("some BPF programs
might interleave its log output with syscall's output").

Like the task_struct pointer, but a tracing program running in the same
task (an fentry on the bpf() path) writes its output through the same
pointer.
"""

from einval.design import Design


class SharedTaskStorage(Design):
    name = "shared-storage"
    summary = "one per-task pointer shared by syscall_string() and BPF programs"
    order = 50
    churn = "current"

    def declare(self):
        self.log = self.world.buffers("log", owner="thread")
        self.storage = self.world.per_task("task_storage", self.log.pointer_domain)

    def syscall_entry(self, ctx):
        mine = self.log.ref(ctx.thread)
        return {**self.storage.set(ctx.task, mine), **self.log.clear(mine)}

    def emit(self, ctx, tag):
        return self.log.append(self.storage.at(ctx.task), tag)

    def bpf_output(self, ctx, tag):
        return self.log.append(self.storage.at(ctx.task), tag)

    def syscall_exit(self, ctx):
        return self.storage.set(ctx.task, 0)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.thread))
