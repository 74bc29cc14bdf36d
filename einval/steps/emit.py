"""``emit``: an error site on the path calls ``syscall_string()``.

Stands for the line Alexei's sketch adds to ``hierarchy_allows_attach``
(kernel/bpf/cgroup.c in 5.8): ``syscall_string("cgroup has non-overridable
program in the parent")`` right before the ``-EINVAL``.  The design's
``emit`` hook says where the message goes; the world counts what the call
emitted, for the completeness property.
"""

from __future__ import annotations

from . import Step


class Emit(Step):
    keyword = "emit"
    summary = "an error site: syscall_string() records why the call fails"
    emits = 1

    def instructions(self, world, program, call, number):
        def act(site):
            writer = call.writer
            site.action(f"error site: syscall_string() for {call}",
                        world.hook("emit", site.ctx, writer.tag),
                        world.count_emit(writer))

        self.one(program, call, "error site", act)

    def skip_name(self, call):
        return f"the error site is not reached in {call}"
