"""``unknown_cmd``: the call's command is one this kernel does not know.

Stands for the ``default:`` branch of the command switch in ``__sys_bpf``
(kernel/bpf/syscall.c: ``err = -EINVAL``), the site of Andrii's wished-for
"Unknown BPF command 123" (thread, 17 July 2020, quoted by Alexei on 20
July).  The error site runs *before* any command's ``union bpf_attr``
fields are interpreted, so a log that lives inside one command's attr
(Toke's patch, the verifier's ``log_buf``) cannot be found there; a log
passed outside the attr (a 4th argument, a pointer in ``current``) can
(Alexei: "For 'Unknown BPF command 123' to work log_buf needs to passed
outside of 'union bpf_attr'").

The design's ``emit`` hook runs with ``ctx.kind == DISPATCH``: the same
task, call and frame as the call's other sites, only the place differs.
A design that does not look at ``ctx.kind`` treats it as any error site
of the call, which is right for every design that does not keep its log
inside the command's attr.
"""

from __future__ import annotations

from . import Step

DISPATCH = "dispatch"  # ctx.kind at the command switch, before attr parsing


class UnknownCommand(Step):
    keyword = "unknown_cmd"
    summary = "the command switch rejects an unknown cmd (before attr parsing)"
    emits = 1

    def check(self, path, index):
        if index != 0:
            raise self.where.fail("path step 'unknown_cmd': the command switch "
                                  "comes first; nothing of a command runs before")
        if len(path) > 1:
            raise self.where.fail("path step 'unknown_cmd': an unknown command "
                                  "fails at the switch; no step can follow it")

    def instructions(self, world, program, call, number):
        def act(site):
            writer = call.writer
            ctx = site.ctx.but(kind=DISPATCH)
            site.action(f"command switch: unknown cmd, syscall_string() for {call}",
                        world.hook("emit", ctx, writer.tag),
                        world.count_emit(writer))

        self.one(program, call, "unknown cmd", act)

    def skip_name(self, call):
        return f"the command is known in {call}"
