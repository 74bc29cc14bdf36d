"""The thread machine: a caller's code as instructions and a program counter.

A ``Program`` is one sequential flow of control: the code of a 1:1 thread
or a goroutine (its calls, one after another), or a signal handler's code
on a thread.  It is a list of ``Instruction``s and one hidden variable, its
program counter: the index of the next instruction.  Each instruction
knows where the caller is while it is next (in user space or inside the
kernel), its ``Context``, and how to add its actions at one ``Site`` (one
placement of the caller on a task and a CPU).  Nothing here knows what an
instruction does: path steps (``einval.steps``), BPF programs and events
bring their own.

A ``Call`` is one ``bpf()`` call; ``add_call`` lays out its instructions:
the design's user-space steps (thread start, prepare), entry, the path
steps, the ``-EINVAL`` return, and the retrieval of its explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from .context import SYSCALL, USER, Context
from .lang import TRUE, And, Expr, ExprLike, If, Not, Or, Var, lift
from .model import Domain, Updates, when
from .writers import CALL, Writer

if TYPE_CHECKING:  # pragma: no cover
    from .vocab import Buffers
    from .world import World


@dataclass(frozen=True)
class Placement:
    """Where a program's step may run: ``task`` (None: no task), ``cpu``,
    the condition that puts it there, and how traces name the actor."""

    task: int | None
    cpu: int
    guard: Expr
    actor: str
    # What a step taken here also updates, given the pc it moves to (an
    # unlocked goroutine takes the M it runs on and lets go of it again
    # when it is back in user space).
    after: Callable[[int | Expr], Updates] | None = None


@dataclass
class Instruction:
    """One step of a program.  ``kernel``: the caller is inside the kernel
    while this is its next instruction (a goroutine then holds its M)."""

    label: str
    ctx: Context
    act: Callable[[Site], None]
    kernel: bool = False
    who: str | None = None  # runs as this program inside the caller ("P1 in T1")
    masked: bool = False  # user code that runs with every signal blocked


@dataclass
class Call:
    """One bpf() call of a caller, with the path it takes in the kernel."""

    writer: Writer
    ctx: Context  # task and cpu are set per placement
    path: list[Any]  # (Step, optional) pairs
    first: bool = False  # the first call of its thread
    from_user: bool = True  # made by user code (entry and return are user's)
    who: str | None = None  # made by this BPF program inside the caller
    exit_updates: list[Callable[[Context], Updates]] = field(default_factory=list)
    released: set[str] = field(default_factory=set)  # mutexes its return releases
    nested: dict[int, Call] = field(default_factory=dict)  # step number -> call

    def __str__(self) -> str:
        return self.writer.label


class Program:
    """One flow of control: instructions, a pc, where it may run, what
    pauses it.  ``calls`` are laid out in order by ``layout``, unless the
    piece that made the program lays it out itself (``layout_with``)."""

    def __init__(self, name: str, placements: Callable[[], list[Placement]],
                 lane: str, thread: int | None = None,
                 layout_with: Callable[[World, Program], None] | None = None):
        self.name = name
        self.placements = placements
        self.lane = lane
        self.thread = thread
        self.layout_with = layout_with
        self.instructions: list[Instruction] = []
        self.blocks: list[tuple[int, int]] = []  # instruction ranges, one per call
        self.calls: list[Call] = []
        self.blockers: list[Expr] = []  # while one holds, the program cannot run
        self.pc: Var | None = None

    # -- laying out ----------------------------------------------------------
    def layout(self, world: World) -> None:
        """Add the instructions: each call in turn, or the piece's layout."""
        if self.layout_with is not None:
            self.layout_with(world, self)
        else:
            for call in self.calls:
                add_call(world, self, call)

    def add(self, instruction: Instruction) -> int:
        self.instructions.append(instruction)
        return len(self.instructions) - 1

    @property
    def end(self) -> int:
        """The pc value past the last instruction: done (or idle)."""
        return len(self.instructions)

    def declare(self, world: World) -> None:
        labels = tuple(f"{i}:{ins.label}" for i, ins in enumerate(self.instructions))
        self.pc = world.builder.var(f"pc[{self.name}]", Domain(labels + ("done",)), 0,
                                    hidden=True)

    # -- conditions over the pc ---------------------------------------------
    def at(self, index: int) -> Expr:
        assert self.pc is not None, "program not declared"
        return self.pc == index

    def where(self, test: Callable[[int, Instruction], bool],
              pc: Expr | None = None) -> Expr:
        """The pc (or ``pc``, a value it may take) is at an instruction
        that passes ``test``, as ranges."""
        assert self.pc is not None
        pc = self.pc if pc is None else pc
        out, start = [], None
        marks = [test(i, ins) for i, ins in enumerate(self.instructions)] + [False]
        for i, mark in enumerate(marks):
            if mark and start is None:
                start = i
            elif not mark and start is not None:
                out.append(pc == start if i - 1 == start
                           else (pc >= start) & (pc <= i - 1))
                start = None
        return Or(out)

    def in_kernel(self) -> Expr:
        return self.where(lambda i, ins: ins.kernel)

    def in_user(self, done: bool = True, pc: ExprLike | None = None) -> Expr:
        """Running user code (or finished, if ``done``); with ``pc``, at
        that pc instead of the program's own."""
        at = self.pc if pc is None else lift(pc)
        user = self.where(lambda i, ins: not ins.kernel, at)
        return user | (at == self.end) if done else user

    def deliverable(self) -> Expr:
        """A signal may be delivered now: the program is in user code that
        does not block signals, or finished."""
        return self.where(lambda i, ins: not ins.kernel and not ins.masked) | (
            self.pc == self.end)

    def running(self) -> Expr:
        """Not paused by a blocker."""
        return And(Not(b) for b in self.blockers)


class Site:
    """One instruction of one program at one placement: where actions go."""

    def __init__(self, world: World, program: Program, index: int,
                 placement: Placement):
        self.world = world
        self.program = program
        self.index = index
        self.placement = placement
        instruction = program.instructions[index]
        self.ctx = instruction.ctx.on(placement.task, placement.cpu)
        self.guard = program.at(index) & placement.guard & program.running()
        self.who = instruction.who

    @property
    def design(self) -> Any:
        return self.world.design

    @property
    def actor(self) -> str:
        if self.who:
            return f"{self.who} in {self.placement.actor}"
        return self.placement.actor

    @property
    def lane(self) -> str:
        return self.who or self.program.lane

    def action(self, name: str, *updates: Updates, guard: ExprLike = TRUE,
               next: int | Expr | None = None, actor: str | None = None,
               lane: str | None = None) -> None:
        """Add an action here; the pc moves on to ``next`` (default: the
        following instruction)."""
        target = self.index + 1 if next is None else next
        assert self.program.pc is not None
        if self.placement.after is not None:
            updates = (*updates, self.placement.after(target))
        self.world.builder.action(
            actor or self.actor, name, self.guard & lift(guard),
            {self.program.pc: lift(target)}, *updates, lane=lane or self.lane)


def add_call(world: World, program: Program, call: Call) -> None:
    """Lay out the instructions of ``call`` at the end of ``program``."""
    design, ctx = world.design, call.ctx
    start = program.end
    user = ctx.but(kind=USER)
    probe = user.on(*_first_place(program))
    decl = world.old_decl
    probes = call.from_user and call.first and world.probed is not None
    if call.from_user and call.first and design.thread_start(probe) is not None:
        # libc's thread set-up runs with every signal blocked (glibc's
        # start_thread, FreeBSD libthr's thread_start restore the mask after).
        # A registration that is the design's probe records its answer.
        program.add(Instruction(f"{call} thread start", user, lambda s: s.action(
            design.thread_start_name(call), world.hook("thread_start", s.ctx),
            world.start_probe(s.ctx.thread) if probes else {}), masked=True))
    elif probes:
        program.add(Instruction(f"{call} probe", user, lambda s: s.action(
            f"probes the kernel: {decl.probe} (before {call})",
            world.start_probe(s.ctx.thread))))
    if call.from_user and design.prepare(probe) is not None:
        program.add(Instruction(f"{call} prepare", user, lambda s: s.action(
            design.prepare_name(call), world.hook("prepare", s.ctx))))
    after_return: list[int] = []  # the pc past the return, once laid out
    program.add(Instruction(f"{call} entry", ctx, lambda s: _entry(
        world, call, s, after_return), kernel=not call.from_user))
    add_path(world, program, call)
    program.add(Instruction(f"{call} return", ctx, lambda s: _exit(world, call, s),
                            kernel=True))
    after_return.append(program.end)
    if call.writer.retrieved:
        add_retrieval(world, program, call, user)
    program.blocks.append((start, program.end))


def add_path(world: World, program: Program, call: Call) -> None:
    """The instructions of the call's path steps; an optional step may be
    skipped as a whole."""
    for number, (step, optional) in enumerate(call.path):
        first = program.end
        step.instructions(world, program, call, number)
        if optional and program.end > first:
            _skippable(program.instructions[first], program, step.skip_name(call),
                       program.end)


def _skippable(instruction: Instruction, program: Program, name: str, after: int) -> None:
    act = instruction.act

    def both(site: Site) -> None:
        act(site)
        site.action(name, next=after)

    instruction.act = both


def _entry(world: World, call: Call, site: Site, after_return: list[int]) -> None:
    """The call enters the kernel; a kernel that predates the design and
    rejects its request in-band (an unknown ``cmd`` bit) fails the whole
    call there, before any of its path runs (``Design.old_kernel``)."""
    name = f"bpf() call {call} enters the kernel"
    errno = world.old_decl.errno
    if not (errno and world.may_be_old and call.from_user and call.writer.retrieved):
        site.action(name, world.hook("syscall_entry", site.ctx))
        return
    site.action(name, world.hook("syscall_entry", site.ctx), guard=world.new_kernel())
    site.action(f"bpf() call {call} returns -{errno}: this kernel rejects "
                f"{world.old_decl.request}",
                {world.failed(call.writer): TRUE},
                world.returned(call.writer, errno, site.ctx.thread),
                guard=world.old_kernel(), next=after_return[0])


def _exit(world: World, call: Call, site: Site) -> None:
    updates = [world.hook("syscall_exit", site.ctx)]
    updates += [extra(site.ctx) for extra in call.exit_updates]
    if call.writer.retrieved:
        updates.append({world.failed(call.writer): TRUE})
        updates.append(world.returned(call.writer, "EINVAL", site.ctx.thread))
    name = f"bpf() call {call} returns -EINVAL"
    if not call.from_user:
        name = f"{call.writer.label} returns -EINVAL to its caller"
    site.action(name, *_merge(updates))


def add_retrieval(world: World, program: Program, call: Call, user: Context) -> None:
    """The design's retrieval steps, each an instruction of user code.

    The number of steps must not depend on where the caller runs; each
    step is asked for again at every placement, with that context."""
    copy = world.copy_of(call.writer)
    count = len(world.hook("retrieval", user.on(*_first_place(program)), copy))
    first = program.end
    for i in range(count):
        program.add(Instruction(f"{call} read {i + 1}", user,
                                partial(_read, world, call, copy, first, count, i)))


def _read(world: World, call: Call, copy: Buffers, first: int, count: int, i: int,
          site: Site) -> None:
    reads = world.hook("retrieval", site.ctx, copy)
    if len(reads) != count:
        raise world.design_error("retrieval", "gives a different number of steps "
                                 "on another task or CPU")
    read = reads[i]
    key = copy.keys.index(call.writer.label)
    updates: list[Updates] = [read.updates]
    if read.got is not None:
        if len(read.got) != copy.slots:
            raise world.design_error("retrieval", f"{read.name!r} reads "
                                     f"{len(read.got)} slots, not {copy.slots}")
        updates.append(dict(zip(copy.cells[key], map(lift, read.got))))
    if read.take is not None:
        updates.append(copy.append(copy.ref(key), read.take))
    ends = TRUE if i == count - 1 else read.last
    nxt: int | Expr = first + i + 1
    if ends is not None:
        updates.append(when(ends, {world.retrieved(call.writer): TRUE,
                                   **world.retrieval_probe(call.writer)}))
        nxt = If(ends, first + count, nxt)
    site.action(read.name, *_merge(updates), guard=read.guard, next=nxt)


def _merge(groups: list[Updates]) -> list[Updates]:
    """Drop empty update maps (``ModelBuilder.action`` merges the rest)."""
    return [g for g in groups if g]


def _first_place(program: Program) -> tuple[int | None, int]:
    places = program.placements()
    return (places[0].task, places[0].cpu) if places else (None, 0)


def place_all(world: World, program: Program) -> None:
    """Every action of ``program``: per call, per placement, per instruction
    (the order the search meets them in, kept stable for stable traces)."""
    blocks = program.blocks or [(0, program.end)]
    covered = {i for a, b in blocks for i in range(a, b)}
    extra = [(i, i + 1) for i in range(program.end) if i not in covered]
    for start, stop in sorted(blocks + extra):
        for placement in program.placements():
            for index in range(start, stop):
                site = Site(world, program, index, placement)
                program.instructions[index].act(site)




def add_caller(world: World, piece: Any, task: int | None, *, goroutine: bool = False
               ) -> tuple[Any, Program]:
    """A user thread (1:1, or a goroutine when ``task`` is None) making
    ``piece.calls`` calls that take the scenario's path: its thread, its
    frame, its program (placed by ``piece.placements``), its calls."""
    thread = world.add_thread(piece.name, task, goroutine=goroutine)
    frame = world.frame(piece.name, thread.index)
    program = world.add_program(Program(
        piece.name, lambda: piece.placements(world), piece.name, thread.index))
    make_calls(world, program, piece.name, piece.calls, world.scenario.path,
               SYSCALL, thread=thread.index, frame=frame.index)
    return thread, program


def make_calls(world: World, program: Program, caller: str, count: int,
               path: list[Any], kind: str, *, thread: int | None, frame: int | None,
               first: bool = True) -> list[Call]:
    """Register ``count`` calls of ``caller`` (``T1#1``, ``T1#2``...), each
    taking ``path``; the caller reads each one's explanation afterwards."""
    calls = []
    for n in range(count):
        writer = world.writers.add(f"{caller}#{n + 1}", CALL, kind, thread=thread,
                                   frame=frame, retrieved=True)
        ctx = Context(kind, True, 0, thread=thread, frame=frame, call=writer.tag,
                      writer=writer.tag)
        call = Call(writer, ctx, list(path), first=first and n == 0)
        for number, (step, _) in enumerate(call.path):
            step.register(world, call, number)
        calls.append(call)
    program.calls.extend(calls)
    return calls
