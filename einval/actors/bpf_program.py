"""``[[bpf_program]]``: a BPF program that runs inside a call's path.

Two kinds, each a step its name stands for in a path:

- ``attach = "fentry/FUNCTION"``: a tracing program on a function of the
  bpf() path.  fentry programs run synchronously in the context that hits
  them (``bpf_trampoline`` calls the program from the traced function's
  entry), so it runs inside the failing call, in the same task, and may
  write output there (task-local storage, ``bpf_printk``): the design's
  ``bpf_output`` hook says where that output goes.
- ``attach = "syscall"``: a ``BPF_PROG_TYPE_SYSCALL`` program run by
  ``BPF_PROG_TEST_RUN`` inside the call; it calls ``bpf_sys_bpf()``, which
  re-enters ``__sys_bpf`` in the same task (kernel/bpf/syscall.c, since
  5.14), with its own arguments in the program's memory and its own
  ``path``.  That nested call is a writer of its own (``T1#1>S1``), with
  its own entry and return; nobody in user space reads its explanation.
  ``bpf_sys_bpf`` does not allow ``BPF_PROG_TEST_RUN``, so it nests once.
"""

from __future__ import annotations

from ..context import BPF, Context
from ..machine import Call, add_path
from ..pieces import Piece
from ..schema import Name, Steps, Str, Where
from ..steps import Step
from ..writers import CALL, PROGRAM

ATTACH = r"fentry/[A-Za-z_][A-Za-z0-9_]*|syscall"
ATTACH_RULE = ("'fentry/FUNCTION' (a function on the bpf() path) or 'syscall' "
               "(BPF_PROG_TYPE_SYSCALL, run by BPF_PROG_TEST_RUN)")


class BpfProgram(Piece):
    table = "bpf_program"
    summary = "a BPF program on the path: fentry, or a syscall program nesting bpf()"
    order = 40
    provides_step = True
    fields = {
        "name": Name(),
        "attach": Str(pattern=ATTACH, rule=ATTACH_RULE),
        "path": Steps(None, doc="attach = 'syscall': the path of its bpf_sys_bpf()"),
    }

    @property
    def nests(self) -> bool:
        return self.attach == "syscall"

    @property
    def on_default_path(self) -> bool:
        return not self.nests

    def check(self, scenario):
        if self.path is not None and not self.nests:
            raise self.where.at("path").fail("only a 'syscall' program makes a "
                                             "nested call with a path")
        if self.nests:
            if self.path is None:
                from ..steps.emit import Emit

                self.path = [(Emit([], self.where), False)]
            for step, _ in self.path:
                if isinstance(step, NestedCall):
                    raise self.where.at("path").fail(
                        f"bpf_sys_bpf() cannot run {step.program.name}: "
                        "BPF_PROG_TEST_RUN is not allowed from a syscall program")
        if not getattr(self, "used", False):
            where = Where(self.where.source, self.where.locator, "syscall", 0, "path",
                          "syscall")
            raise where.fail(f"bpf_program {self.name} is attached but not on "
                             "syscall.path")

    def register(self, world):
        if not self.nests:
            world.of(self).writer = world.writers.add(self.name, PROGRAM, BPF)

    def step(self, args, where):
        return (NestedCall if self.nests else FentryRun)(self, args, where)


class ProgramStep(Step):
    """A path word that is the name of a ``[[bpf_program]]``."""

    def __init__(self, program: BpfProgram, args: list[str], where: Where):
        self.keyword = program.name
        super().__init__(args, where)
        self.program = program


class FentryRun(ProgramStep):
    """The program runs at its attach point inside the call."""

    summary = "a tracing program runs inside the call and writes output"

    def instructions(self, world, program, call, number):
        prog = self.program

        def act(site):
            tag = world.of(prog).writer.tag
            ctx = site.ctx.but(kind=BPF, writer=tag)
            site.action(f"{prog.attach} runs inside {call}, writes output",
                        world.hook("bpf_output", ctx, tag),
                        actor=f"{prog.name} in {site.actor}", lane=prog.name)

        self.one(program, call, prog.name, act)

    def skip_name(self, call):
        return f"{self.program.name} does not run in {call}"


class NestedCall(ProgramStep):
    """BPF_PROG_TEST_RUN runs a syscall program, which calls bpf_sys_bpf()."""

    summary = "a syscall program's nested bpf_sys_bpf() call"

    def register(self, world, call, number):
        prog, outer = self.program, call.ctx
        thread = world.threads[outer.thread].name if outer.thread is not None else "k"
        frame = world.frame(f"{prog.name}@{thread}", outer.thread)
        writer = world.writers.add(f"{call}>{prog.name}", CALL, BPF, thread=outer.thread,
                                   frame=frame.index, depth=outer.depth + 1,
                                   parent=call.writer.tag)
        ctx = Context(BPF, True, 0, thread=outer.thread, frame=frame.index,
                      call=writer.tag, writer=writer.tag, depth=outer.depth + 1)
        inner = Call(writer, ctx, list(prog.path), from_user=False, who=prog.name)
        for n, (step, _) in enumerate(inner.path):
            step.register(world, inner, n)
        call.nested[number] = inner

    def instructions(self, world, program, call, number):
        inner, prog = call.nested[number], self.program.name

        def enter(site):
            site.action(f"BPF_PROG_TEST_RUN runs {prog}: bpf_sys_bpf() call {inner} "
                        "enters __sys_bpf", world.hook("syscall_entry", site.ctx))

        def leave(site):
            extra = [e(site.ctx) for e in inner.exit_updates]
            site.action(f"bpf_sys_bpf() call {inner} returns -EINVAL to {prog}",
                        world.hook("syscall_exit", site.ctx), *[u for u in extra if u])

        self.one(program, inner, "nested entry", enter)
        add_path(world, program, inner)
        self.one(program, inner, "nested return", leave)

    def skip_name(self, call):
        return f"{self.program.name} is not run in {call}"
