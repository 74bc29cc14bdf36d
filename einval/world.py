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
from .design import Choice, Design, OldKernel, as_choice
from .errors import InputError
from .lang import FALSE, TRUE, Const, Expr, If, Or, Var
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


# Hooks that run kernel code of the design: a kernel that predates it runs
# none of them (its registration syscalls fail, its error sites have no
# syscall_string(), its entry and exit keep no log state).
KERNEL_HOOKS = frozenset({"thread_start", "prepare", "syscall_entry", "emit",
                          "bpf_output", "syscall_exit"})
KERNEL = Domain(("booting", "new", "old"))  # the ghost choice of [[kernel]]
EINVAL = "EINVAL"  # what every path of a call returns (machine._exit)
MEMORIES = ("kernel", "user")


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
        # The kernel versions the run may boot (``[[kernel]]``); with both,
        # ``kernel`` is the ghost choice no caller reads.
        self.kernel_versions: tuple[str, ...] = ("new",)
        self.kernel: Var | None = None
        self.old_decl: OldKernel = OldKernel()
        self.outcomes: Domain = Domain(("-", EINVAL))
        self.probed: Family | None = None
        # Buffers holding messages, with whose memory they are.
        self.message_buffers: list[tuple[Buffers, str]] = []

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
                slots: int | None = None, keys: Sequence[str] | None = None,
                memory: str = "kernel") -> Buffers:
        """Message buffers, one per ``owner``: ``frame`` (the memory of one
        caller: a thread's code, a handler, a BPF program), ``thread``,
        ``task``, ``cpu``, or ``one`` (a single buffer, e.g. on one fd).

        ``memory``: whose memory holds the messages, ``kernel`` (a field of
        ``task_struct``, a per-CPU area, an fd's kernel object) or ``user``
        (a buffer the caller passed or registered, written with
        ``copy_to_user``).  A buffer a design does not declare counts as
        kernel memory: the ``bounded`` property takes no word not given."""
        if memory not in MEMORIES:
            raise ValueError(f"unknown memory {memory!r} (known: {', '.join(MEMORIES)})")
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
        made = Buffers(self.builder, name, keys, slots or self.slots, self.tags, policy)
        self.message_buffers.append((made, memory))
        return made

    def kernel_memory(self) -> list[Buffers]:
        """The buffers whose messages the kernel holds in its own memory."""
        return [b for b, memory in self.message_buffers if memory == "kernel"]

    # -- the kernel version (``[[kernel]]``) ---------------------------------
    @property
    def may_be_old(self) -> bool:
        """Whether this run may boot a kernel that predates the design."""
        return "old" in self.kernel_versions

    def old_kernel(self) -> Expr:
        """The kernel that runs predates the design (a ghost: only the
        properties read it; the caller sees only what its calls return)."""
        if not self.may_be_old:
            return FALSE
        return TRUE if self.kernel is None else self.kernel == KERNEL.value("old")

    def new_kernel(self) -> Expr:
        if "new" not in self.kernel_versions:
            return FALSE
        return TRUE if self.kernel is None else self.kernel == KERNEL.value("new")

    def declare_kernel(self) -> None:
        """The ghost choice, when both versions may boot; state the old
        kernel's answers need (what a thread's probe returned)."""
        if self.may_be_old and "new" in self.kernel_versions:
            self.kernel = self.builder.var("kernel", KERNEL, 0)
        if self.may_be_old and self.old_decl.probe and self.old_decl.probe_at == "start":
            self.probed = self.per_thread("probed", self.outcomes, hidden=True)

    def outcome(self, label: str) -> Const:
        return Const(self.outcomes.value(label))

    def probe_answer(self) -> Expr:
        """What the design's probe returns on the kernel that runs."""
        decl = self.old_decl
        return If(self.old_kernel(), self.outcome(decl.probe_old),
                  self.outcome(decl.probe_new))

    def start_probe(self, thread: int | None) -> Updates:
        """The thread's probe (or registration) records the kernel's answer."""
        if self.probed is None or thread is None:
            return {}
        return self.probed.set(thread, self.probe_answer())

    # -- observations (for properties) ---------------------------------------
    def declare_observations(self) -> None:
        """For every call whose caller reads an explanation: the messages
        it emitted, whether it failed, whether it was read, and the copy."""
        b = self.builder
        calls = self.writers.calls()
        self._copies = Buffers(b, "got", [c.label for c in calls], self.slots, self.tags)
        decl = self.old_decl
        labels = ["-", EINVAL] + [x for x in (decl.errno, decl.probe_old, decl.probe_new)
                                  if x]
        self.outcomes = Domain(tuple(dict.fromkeys(labels)))
        for call in calls:
            self._observed[call.tag] = {
                "emitted": b.var(f"emitted[{call}]", Domain.range(self._emits(call)), 0,
                                 hidden=True),
                "failed": b.flag(f"failed[{call}]", hidden=True),
                "retrieved": b.flag(f"retrieved[{call}]", hidden=True),
            }
            if self.may_be_old:
                # What the caller sees of the kernel's version: the call's
                # errno and its probe's answer; and a ghost copy of the
                # version itself, for the properties.
                self._observed[call.tag]["errno"] = b.var(f"errno[{call}]",
                                                          self.outcomes, 0)
                self._observed[call.tag]["old"] = b.flag(f"on_old[{call}]", hidden=True)
                if decl.probe:
                    self._observed[call.tag]["probe"] = b.var(f"probe[{call}]",
                                                              self.outcomes, 0)

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
        """One more message emitted by ``call`` (if anyone reads it back);
        an old kernel has no ``syscall_string()``: nothing is emitted."""
        if call.tag not in self._observed:
            return {}
        emitted = self.emitted(call)
        if self.may_be_old:
            return {emitted: If(self.new_kernel(), emitted + 1, emitted)}
        return {emitted: emitted + 1}

    # -- what the caller sees of the kernel version -------------------------
    def errno(self, call: Writer) -> Expr:
        """The errno ``call`` returned (every path of a new kernel: EINVAL)."""
        got = self._observed.get(call.tag, {}).get("errno")
        return got if got is not None else self.outcome(EINVAL)

    def probe(self, call: Writer) -> Expr:
        """The probe's answer the caller of ``call`` holds."""
        got = self._observed.get(call.tag, {}).get("probe")
        return got if got is not None else self.outcome(self.old_decl.probe_new)

    def ran_old(self, call: Writer) -> Expr:
        """Ghost: ``call`` ran on a kernel that predates the design."""
        got = self._observed.get(call.tag, {}).get("old")
        return got if got is not None else FALSE

    def returned(self, call: Writer, errno: str, thread: int | None) -> Updates:
        """The observations a return with ``errno`` records for ``call``."""
        obs = self._observed.get(call.tag, {})
        out: dict[Var, Expr] = {}
        if "errno" in obs:
            out[obs["errno"]] = self.outcome(errno)
            out[obs["old"]] = self.old_kernel()
        if "probe" in obs and self.probed is not None and thread is not None:
            out[obs["probe"]] = self.probed.at(thread)
        return out

    def retrieval_probe(self, call: Writer) -> Updates:
        """The call fetching the explanation is the probe: its answer."""
        obs = self._observed.get(call.tag, {})
        if "probe" not in obs or self.old_decl.probe_at != "retrieval":
            return {}
        return {obs["probe"]: self.probe_answer()}

    def settle_observations(self) -> None:
        """A call's observations are final once its caller has read the
        explanation: it has returned (no more emits, ``failed`` is set) and
        its retrieval is over (``retrieved`` is set by the last read, and
        nothing else writes its copy).  The model may judge them then and
        forget them (``model.Settle``)."""
        for call in self.writers.calls():
            observed = [*self.got(call), self.emitted(call), self.failed(call),
                        self.retrieved(call)]
            observed += [v for k, v in self._observed[call.tag].items()
                         if k in ("errno", "old", "probe")]
            self.builder.settle(str(call), self.retrieved(call), observed)

    def witness_failed_and_retrieved(self) -> Condition:
        return Condition(
            "some call fails and its caller retrieves the explanation",
            Or(self.failed(c) & self.retrieved(c) for c in self.writers.calls()),
        )

    # -- the design ----------------------------------------------------------
    def hook(self, name: str, *args):
        """Call the design's hook ``name``, checked (``einval.hooks``).  On a
        kernel that predates the design its kernel code does nothing."""
        assert self.design is not None
        result = hooks.call(self.design, name, self.builder.size, *args)
        if result and name in KERNEL_HOOKS and self.may_be_old:
            return when(self.new_kernel(), result)
        return result

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
    world.old_decl = choice.design.old_kernel
    pieces = scenario.pieces
    for piece in pieces:
        piece.register(world)
    world.tags = world.writers.domain()
    world.declare_cpus()
    world.declare_observations()
    world.declare_kernel()
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

