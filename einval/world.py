"""The world every design plugs into, instantiated from a scenario.

``World`` is the core the pieces of a scenario (``einval.actors``) and
the steps of its paths (``einval.steps``) build on: tasks and CPUs, the
registry of writers and frames (``einval.writers``), the programs of the
callers (``einval.machine``), who holds an OS thread, named mutexes, and
the observations properties are written over: for each call a caller
reads back, what it emitted, whether it failed, and the caller's copy of
its explanation.  ``build`` runs the phases in order (see
``einval.pieces``) and returns one ground ``Model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from . import hooks
from .design import Choice, Design, as_choice
from .errors import InputError
from .lang import TRUE, Const, Expr, If, Or, Var
from .machine import Program, place_all
from .model import Condition, Domain, Model, ModelBuilder, Updates, when
from .property import Property
from .scenario import Scenario
from .vocab import Buffers, Family
from .writers import Writer, Writers


@dataclass(frozen=True)
class Thread:
    """A user thread: a 1:1 thread (its own task) or a goroutine."""

    index: int
    name: str
    task: int | None  # its own task, for a 1:1 thread
    goroutine: bool = False


class Mutex:
    """A kernel mutex: free, or held by a task (``mutex_lock`` sleeps while
    another task holds it)."""

    def __init__(self, world: World, name: str):
        self.name = name
        self.owner = world.builder.var(name, Domain(("free",) + tuple(world.tasks)), 0)

    def free(self) -> Expr:
        return self.owner == 0

    def take(self, task: int | None) -> Updates:
        return {self.owner: Const(0 if task is None else task + 1)}

    def release(self, task: int | None) -> Updates:
        mine = 0 if task is None else task + 1
        return {self.owner: If(self.owner == mine, 0, self.owner)}


class World:
    """The instantiated scenario: tasks, CPUs, writers, programs, state."""

    def __init__(self, scenario: Scenario, name: str):
        self.scenario = scenario
        self.builder = ModelBuilder(name)
        self.cpus: int = scenario.cpus
        self.cpu_names = [f"CPU{i}" for i in range(self.cpus)]
        self.slots: int = scenario.buffer_slots
        self.tasks: list[str] = []
        self.task_cpus: list[int] = []
        self.threads: list[Thread] = []
        self.writers = Writers()
        self.programs: list[Program] = []
        self.design: Design | None = None
        self.cpu_of: Family | None = None
        self.tags: Domain = Domain(("-",))
        self._built: dict[int, SimpleNamespace] = {}
        self._holds: list[tuple[int, Program, Expr]] = []
        self._mutexes: dict[str, Mutex] = {}
        self._observed: dict[int, dict] = {}
        self._copies: Buffers | None = None

    def of(self, piece: object) -> SimpleNamespace:
        """What a piece of the scenario built in this world (its task, its
        program...): kept here, not on the piece, which every build shares."""
        return self._built.setdefault(id(piece), SimpleNamespace())

    # -- registering (pieces, phase 1) ---------------------------------------
    def add_task(self, name: str, cpu: int = 0) -> int:
        """A kernel task (``struct task_struct``) starting on ``cpu``."""
        self.tasks.append(name)
        self.task_cpus.append(cpu)
        return len(self.tasks) - 1

    def add_thread(self, name: str, task: int | None, goroutine: bool = False) -> Thread:
        thread = Thread(len(self.threads), name, task, goroutine)
        self.threads.append(thread)
        return thread

    def add_program(self, program: Program) -> Program:
        self.programs.append(program)
        return program

    @property
    def frames(self):
        return self.writers.frames

    def frame(self, name: str, thread: int | None):
        return self.writers.frame(name, thread)

    # -- CPUs ----------------------------------------------------------------
    def declare_cpus(self) -> None:
        if self.cpus > 1:
            self.cpu_of = Family(self.builder, "cpu", self.tasks, Domain(tuple(
                self.cpu_names)), list(self.task_cpus))

    def on_cpu(self, task: int | None, cpu: int) -> Expr:
        """Task ``task`` is on CPU ``cpu`` (always, with one CPU)."""
        if self.cpu_of is None or task is None:
            return TRUE
        return self.cpu_of.vars[task] == cpu

    def move(self, task: int | None, cpu: int) -> Updates:
        """The scheduler puts ``task`` on ``cpu``."""
        if self.cpu_of is None or task is None:
            return {}
        return self.cpu_of.set(task, cpu)

    # -- occupancy -----------------------------------------------------------
    def hold(self, task: int, program: Program, condition: Expr) -> None:
        """While ``condition`` holds, ``program`` has OS thread ``task`` to
        itself: no other program may run there (a goroutine blocked in a
        syscall holds its M; one locked with LockOSThread holds it always)."""
        self._holds.append((task, program, condition))

    def occupied(self, task: int, but: Program | None = None) -> Expr:
        """Some program other than ``but`` holds OS thread ``task``."""
        return Or(cond for t, prog, cond in self._holds if t == task and prog is not but)

    # -- mutexes -------------------------------------------------------------
    def mutex(self, name: str) -> Mutex:
        if name not in self._mutexes:
            self._mutexes[name] = Mutex(self, name)
        return self._mutexes[name]

    # -- declaring state (for designs and pieces) ----------------------------
    def per_task(self, name: str, domain: Domain, init=0, **kw) -> Family:
        """One variable per task (a field of ``struct task_struct``)."""
        return _Family(self.builder, name, self.tasks, domain, init, **kw)

    def per_thread(self, name: str, domain: Domain, init=0, **kw) -> Family:
        """One variable per user thread (user memory of that thread)."""
        return _Family(self.builder, name, [t.name for t in self.threads], domain,
                       init, **kw)

    def per_cpu(self, name: str, domain: Domain, init=0, **kw) -> Family:
        return _Family(self.builder, name, self.cpu_names, domain, init, **kw)

    def per_frame(self, name: str, domain: Domain, init=0, **kw) -> Family:
        return _Family(self.builder, name, [f.name for f in self.frames], domain,
                       init, **kw)

    def buffers(self, name: str, owner: str, policy: str = "truncate",
                slots: int | None = None, keys: Sequence[str] | None = None) -> Buffers:
        """Message buffers, one per ``owner``: ``frame`` (the memory of one
        caller: a thread's code, a handler, a BPF program), ``thread``,
        ``task``, ``cpu``, or ``one`` (a single buffer, e.g. on one fd)."""
        owners = {
            "frame": [f.name for f in self.frames],
            "thread": [t.name for t in self.threads],
            "task": self.tasks,
            "cpu": self.cpu_names,
            "one": [name],
        }
        if keys is None:
            if owner not in owners:
                raise ValueError(f"unknown buffer owner {owner!r} (known: "
                                 f"{', '.join(owners)})")
            keys = owners[owner]
        return Buffers(self.builder, name, keys, slots or self.slots, self.tags, policy)

    # -- observations (for properties) ---------------------------------------
    def declare_observations(self) -> None:
        """For every call whose caller reads an explanation: the messages
        it emitted, whether it failed, whether it was read, and the copy."""
        b = self.builder
        calls = self.writers.calls()
        self._copies = Buffers(b, "got", [c.label for c in calls], self.slots, self.tags)
        for call in calls:
            self._observed[call.tag] = {
                "emitted": b.var(f"emitted[{call}]", Domain.range(self._emits(call)), 0,
                                 hidden=True),
                "failed": b.flag(f"failed[{call}]", hidden=True),
                "retrieved": b.flag(f"retrieved[{call}]", hidden=True),
            }

    def _emits(self, call: Writer) -> int:
        for program in self.programs:
            for c in program.calls:
                if c.writer.tag == call.tag:
                    return sum(step.emits for step, _ in c.path)
        return 0

    def _obs(self, call: Writer, what: str) -> Var:
        if call.tag not in self._observed:
            raise KeyError(f"nobody reads an explanation of {call}")
        return self._observed[call.tag][what]

    def copy_of(self, call: Writer) -> Buffers:
        assert self._copies is not None
        return self._copies

    def got(self, call: Writer) -> list[Var]:
        """The message tags the caller retrieved for ``call``."""
        assert self._copies is not None
        return self._copies.cells[self._copies.keys.index(call.label)]

    def retrieved(self, call: Writer) -> Var:
        return self._obs(call, "retrieved")

    def failed(self, call: Writer) -> Var:
        return self._obs(call, "failed")

    def emitted(self, call: Writer) -> Var:
        """How many messages the error sites of ``call`` emitted so far."""
        return self._obs(call, "emitted")

    def count_emit(self, call: Writer) -> Updates:
        """One more message emitted by ``call`` (if anyone reads it back)."""
        if call.tag not in self._observed:
            return {}
        emitted = self.emitted(call)
        return {emitted: emitted + 1}

    def settle_observations(self) -> None:
        """A call's observations are final once its caller has read the
        explanation: it has returned (no more emits, ``failed`` is set) and
        its retrieval is over (``retrieved`` is set by the last read, and
        nothing else writes its copy).  The model may judge them then and
        forget them (``model.Settle``)."""
        for call in self.writers.calls():
            observed = [*self.got(call), self.emitted(call), self.failed(call),
                        self.retrieved(call)]
            self.builder.settle(str(call), self.retrieved(call), observed)

    def witness_failed_and_retrieved(self) -> Condition:
        return Condition(
            "some call fails and its caller retrieves the explanation",
            Or(self.failed(c) & self.retrieved(c) for c in self.writers.calls()),
        )

    # -- the design ----------------------------------------------------------
    def hook(self, name: str, *args):
        """Call the design's hook ``name``, checked (``einval.hooks``)."""
        assert self.design is not None
        return hooks.call(self.design, name, self.builder.size, *args)

    def design_error(self, hook: str, message: str) -> InputError:
        assert self.design is not None
        return hooks.error(self.design, hook, message)

    when = staticmethod(when)


class _Family(Family):
    """A family whose ``at``/``set`` accept ``None``: a task outside the
    scenario (the idle task an interrupt may hit) has every field 0."""

    def at(self, index):
        return Const(0) if index is None else super().at(index)

    def set(self, index, value):
        return {} if index is None else super().set(index, value)


def _switches(world: World, choice: Choice) -> dict[str, Var]:
    """One frozen flag per switch of the design, with its sentences."""
    design = choice.design
    unknown = sorted(choice.switches - set(design.switches))
    if unknown:
        raise InputError(f"design {design.name} has no switch '{unknown[0]}' (its "
                         f"switches: {', '.join(design.switches) or 'none'})")
    out = {}
    for name, switch in design.switches.items():
        on = name in choice.switches
        out[name] = world.builder.flag(f"switch[{name}]", on, frozen=True, hidden=True,
                                       assumption=switch.on if on else switch.off)
    return out


def build(scenario: Scenario, design: type[Design] | Choice,
          properties: Sequence[type[Property]] = ()) -> tuple[Model, World]:
    """The ground model of ``design`` in ``scenario``, with its checks."""
    choice = as_choice(design)
    world = World(scenario, f"{choice.name} in {scenario.name}")
    pieces = scenario.pieces
    for piece in pieces:
        piece.register(world)
    world.tags = world.writers.domain()
    world.declare_cpus()
    world.declare_observations()
    for piece in pieces:
        piece.declare(world)
    world.design = choice.design(world, _switches(world, choice), choice.switches)
    hooks.call(world.design, "declare", world.builder.size)
    for program in world.programs:
        program.layout(world)
        program.declare(world)
    for piece in pieces:
        piece.bind(world)
    for program in world.programs:
        place_all(world, program)
    for piece in pieces:
        piece.actions(world)
    for prop_cls in properties:
        world.builder.add_check(prop_cls().check(world))
    world.settle_observations()
    return world.builder.build(scenario.max_states, scenario.max_depth), world

