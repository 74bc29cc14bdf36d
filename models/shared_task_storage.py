"""Shared task-local storage: one per-task pointer for syscalls and BPF.

Encodes Alexei's mail of Mon, Jul 20, 2020 ("If that's a single pointer in
task_struct that will be used by both task local storage from inside
tracing bpf program and by this syscall_string() reporting mechanism then
we can land it") and Andrii's objection in his reply ("some BPF programs
might interleave its log output with syscall's output").

It is the task_struct pointer design, except that a tracing program
running in the same task (an fentry on the bpf() path) writes its output
through the same pointer.
"""

from einval.models.task_struct import TaskStructPointer


class SharedTaskStorage(TaskStructPointer):
    name = "shared-storage"
    summary = "one per-task pointer shared by syscall_string() and BPF programs"
    order = 50
    pointer = "task_storage"

    def bpf_output(self, ctx, tag):
        return self.log.append(self.current_log.at(ctx.task), tag)
