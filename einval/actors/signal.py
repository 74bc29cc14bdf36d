"""``[[signal]]``: a user signal handler on a 1:1 thread, making its own calls.

What each action stands for (Linux, kernel/entry/common.c and
arch/x86/kernel/signal.c):

- "signal H1 arrives": a pending signal is delivered on the thread's next
  exit to user mode (``exit_to_user_mode_loop``: reschedule, then
  ``arch_do_signal_or_restart`` sets up the handler frame, then
  task_work).  So the handler runs *before* the instruction after the
  thread's syscall (or wherever its user code was interrupted), never in
  the middle of a syscall: here, whenever the thread's next step is user
  code, except libc's thread set-up, which runs with signals blocked.
  The design's ``handler_enter`` hook runs first (a handler that saves
  state, like the errno convention).
- the handler's own ``bpf()`` calls: ordinary calls from the handler's
  frame (its own stack: a call's buffer there is its own), on the same
  task; the handler reads their explanations like any caller.
- "H1 returns": ``rt_sigreturn`` restores the interrupted user context;
  ``handler_leave`` runs just before (a handler that restores state).

While the handler runs, the thread's own code is paused.  Handlers of one
thread do not interrupt each other (``sa_mask`` blocks them), and a signal
that interrupts a sleeping syscall would make it return ``-EINTR``, which
the model does not do: the path's sleeps are not interruptible here.
"""

from __future__ import annotations

from ..context import SIGNAL, USER, Context
from ..lang import And
from ..machine import Instruction, Placement, Program, add_call, make_calls
from ..model import Domain
from ..pieces import Piece
from ..schema import Int, Name, Ref, Steps


class Signal(Piece):
    table = "signal"
    summary = "a signal handler on a thread, run on its way back to user space"
    order = 60
    fields = {
        "name": Name(),
        "to": Ref("thread", doc="the 1:1 thread it is sent to"),
        "count": Int(1, 1, 2, doc="how many times it may arrive"),
        "calls": Int(1, 0, 2, doc="failing bpf() calls the handler makes"),
        "path": Steps(None, doc="what the handler's calls do (default: [syscall])"),
    }

    def register(self, world):
        me, target = world.of(self), world.of(self.to)
        ti = target.thread.index
        me.frame = world.frame(self.name, ti)
        me.program = world.add_program(Program(
            self.name, lambda: self.placements(world), self.to.name, ti,
            layout_with=self.layout))
        path = self.path if self.path is not None else world.scenario.path
        make_calls(world, me.program, self.name, self.calls, path, SIGNAL, thread=ti,
                   frame=me.frame.index, first=False)

    def placements(self, world):
        return [Placement(p.task, p.cpu, p.guard, f"{self.name} on {p.actor}")
                for p in self.to.placements(world)]

    def declare(self, world):
        world.of(self).left = world.builder.var(
            f"pending[{self.name}]", Domain.range(self.count), self.count, hidden=True)

    def layout(self, world, program):
        me, target = world.of(self), world.of(self.to)
        ctx = Context(USER, True, 0, thread=target.thread.index, frame=me.frame.index)
        handlers = [s for s in world.scenario.entries(self.table) if s.to is self.to]

        def deliver(site):
            others = And(world.of(h).program.pc == 0 for h in handlers if h is not self)
            guard = (me.left > 0) & target.program.deliverable() & others
            site.action(f"signal {self.name} arrives: its handler runs on the way "
                        "back to user space", {me.left: me.left - 1},
                        world.hook("handler_enter", site.ctx.but(kind=SIGNAL)),
                        guard=guard)

        def leave(site):
            site.action(f"{self.name} returns (rt_sigreturn)",
                        world.hook("handler_leave", site.ctx.but(kind=SIGNAL)), next=0)

        program.add(Instruction(f"{self.name} waits", ctx, deliver))
        for call in program.calls:
            add_call(world, program, call)
        program.add(Instruction(f"{self.name} returns", ctx, leave))

    def bind(self, world):
        world.of(self.to).program.blockers.append(world.of(self).program.pc != 0)
