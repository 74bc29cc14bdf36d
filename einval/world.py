"""The world every design plugs into, instantiated from a scenario.

Actors and their actions (all ground: one action per thread, call, task
and CPU it may run on, so a design's hooks see constants, never state):

- each user thread (a 1:1 thread or a goroutine) makes its calls in turn:
  ``bpf()`` entry, the steps of the syscall path (error sites emitting
  messages, BPF fentry programs running in the same task, sleeping on
  ``cgroup_mutex``), the error return, then retrieving the explanation;
- the Go scheduler moves an unpinned goroutine to another OS thread
  whenever it is in user space (after any syscall, or by preemption);
  LockOSThread keeps a pinned goroutine on its thread and others off it;
- a task that sleeps may resume on any CPU.

New actors (interrupts, signal handlers, nested calls) are new action
generators here or in their own module, not engine changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .design import Context, Design
from .lang import And, Const, Expr, Not, Or, Var
from .model import Condition, Domain, Model, ModelBuilder
from .property import Property
from .scenario import Scenario, Thread
from .vocab import EMPTY, Buffers, Family, show_tags


@dataclass(frozen=True)
class Call:
    """One bpf() call: ``number`` counts from 0 within its thread."""

    tag: int
    thread: int
    number: int
    label: str

    def __str__(self) -> str:
        return self.label


class World:
    """The instantiated scenario: its actors, their state, and the tags.

    Designs and properties read it: ``calls``, ``tasks``, ``tags``,
    ``got(call)`` and friends, and declare state with ``per_task`` etc.
    """

    def __init__(self, scenario: Scenario, name: str):
        self.scenario = scenario
        self.builder = ModelBuilder(name)
        self.threads: list[Thread] = list(scenario.threads)
        self.tasks: list[str] = scenario.tasks
        self.cpus: list[str] = [f"CPU{i}" for i in range(scenario.cpus)]
        self.slots = scenario.buffer_slots
        self.calls: list[Call] = []
        for ti, t in enumerate(self.threads):
            for n in range(t.calls):
                tag = len(self.calls) + 1
                self.calls.append(Call(tag, ti, n, f"{t.name}#{n + 1}"))
        first = len(self.calls) + 1
        self.program_tags = {p.name: first + i for i, p in enumerate(scenario.programs)}
        self.tags = Domain(
            ("-",) + tuple(c.label for c in self.calls)
            + tuple(p.name for p in scenario.programs)
        )

    # -- declaring state (for designs) -------------------------------------
    def per_task(self, name: str, domain: Domain, init=0, **kw) -> Family:
        """One variable per task (a field of ``struct task_struct``)."""
        return Family(self.builder, name, self.tasks, domain, init, **kw)

    def per_thread(self, name: str, domain: Domain, init=0, **kw) -> Family:
        """One variable per user thread (user memory of that thread)."""
        return Family(self.builder, name, [t.name for t in self.threads], domain,
                      init, **kw)

    def per_cpu(self, name: str, domain: Domain, init=0, **kw) -> Family:
        return Family(self.builder, name, self.cpus, domain, init, **kw)

    def buffers(self, name: str, owner: str, policy: str = "truncate") -> Buffers:
        """Message buffers, one per ``owner``: "thread", "task" or "cpu"."""
        keys = {
            "thread": [t.name for t in self.threads],
            "task": self.tasks,
            "cpu": self.cpus,
        }[owner]
        return Buffers(self.builder, name, keys, self.slots, self.tags, policy)

    # -- what properties read ----------------------------------------------
    def got(self, call: Call) -> list[Var]:
        """The message tags the caller retrieved for ``call``."""
        return self._got[call.tag - 1]

    def retrieved(self, call: Call) -> Var:
        return self._retrieved[call.tag - 1]

    def failed(self, call: Call) -> Var:
        return self._failed[call.tag - 1]

    def emitted(self, call: Call) -> Var:
        """How many messages the error sites of ``call`` emitted so far."""
        return self._emitted[call.tag - 1]

    def witness_failed_and_retrieved(self) -> Condition:
        return Condition(
            "some call fails and its caller retrieves the explanation",
            Or(self.failed(c) & self.retrieved(c) for c in self.calls),
        )

    # -- building ----------------------------------------------------------
    def declare_world_state(self) -> None:
        b, s = self.builder, self.scenario
        self.n_emits = s.path.count("emit")
        self.stage_labels = (
            ["ready", "prepared"] + [f"kernel:{i}" for i in range(len(s.path) + 1)]
            + ["returned", "done"]
        )
        stage_domain = Domain(tuple(self.stage_labels))
        self.stage = {}
        self.callno = {}
        self.task_of: dict[int, Var] = {}
        self.pinned: dict[int, Var] = {}
        for ti, t in enumerate(self.threads):
            self.stage[ti] = b.var(f"stage[{t.name}]", stage_domain, "ready", hidden=True)
            self.callno[ti] = b.var(f"call[{t.name}]", Domain.range(t.calls - 1), 0,
                                    hidden=True)
            if t.goroutine:
                self.task_of[ti] = b.var(f"task[{t.name}]", Domain(tuple(self.tasks)),
                                         self.tasks.index(t.on))
                sentence = (f"{t.name} is pinned to {t.on} (runtime.LockOSThread)"
                            if t.pinned else f"{t.name} is not pinned")
                self.pinned[ti] = b.flag(f"pinned[{t.name}]", t.pinned, frozen=True,
                                         hidden=True, assumption=sentence)
        self.cpu_of = None
        if len(self.cpus) > 1:
            self.cpu_of = self.per_task(
                "cpu", Domain(tuple(self.cpus)),
                [s.task_cpu(task) for task in self.tasks])
        calls = self.calls
        self._emitted = [b.var(f"emitted[{c}]", Domain.range(self.n_emits), 0,
                               hidden=True) for c in calls]
        self._failed = [b.flag(f"failed[{c}]", hidden=True) for c in calls]
        self._retrieved = [b.flag(f"retrieved[{c}]", hidden=True) for c in calls]
        self._got = []
        for c in calls:
            row = [b.var(f"got[{c}][{i}]", self.tags, view=False)
                   for i in range(self.slots)]
            b.view(f"got[{c}]", row, lambda st, r=row: show_tags(
                self.tags, [st[v.index] for v in r]))
            self._got.append(row)

    def stage_is(self, ti: int, label: str) -> Expr:
        return self.stage[ti] == self.stage_labels.index(label)

    def in_kernel(self, ti: int) -> Expr:
        first = self.stage_labels.index("kernel:0")
        last = first + len(self.scenario.path)
        return (self.stage[ti] >= first) & (self.stage[ti] <= last)

    def placements(self, ti: int) -> list[tuple[int, int, Expr, str]]:
        """(task, cpu, condition, actor name) for each place thread ``ti`` may run."""
        t = self.threads[ti]
        result = []
        tasks = range(len(self.tasks)) if t.goroutine else [self.tasks.index(t.name)]
        for task in tasks:
            on_task = self.task_of[ti] == task if t.goroutine else Const(1, "bool")
            cpus = range(len(self.cpus)) if self.cpu_of else [0]
            for cpu in cpus:
                cond = on_task
                if self.cpu_of is not None:
                    cond = cond & (self.cpu_of.vars[task] == cpu)
                actor = f"{t.name}@{self.tasks[task]}" if t.goroutine else t.name
                if self.cpu_of is not None:
                    actor += f"/{self.cpus[cpu]}"
                result.append((task, cpu, cond, actor))
        return result

    def task_free(self, ti: int, task: int) -> Expr:
        """No other goroutine is inside a syscall on OS thread ``task``."""
        return And(
            Not((self.task_of[o] == task) & self.in_kernel(o))
            for o in self.task_of if o != ti
        )

    def thread_actions(self, design: Design) -> None:
        b, path = self.builder, self.scenario.path
        labels = self.stage_labels
        for call in self.calls:
            ti, t = call.thread, self.threads[call.thread]
            is_call = self.callno[ti] == call.number
            for task, cpu, where, actor in self.placements(ti):
                ctx = Context(ti, call.tag, task, cpu)
                here = is_call & where
                prepare = design.prepare(ctx)
                start = "ready" if prepare is None else "prepared"
                if prepare is not None:
                    b.action(actor, design.prepare_name(call),
                             here & self.stage_is(ti, "ready"),
                             {self.stage[ti]: labels.index("prepared")}, prepare)
                entry_guard = here & self.stage_is(ti, start)
                if t.goroutine:
                    entry_guard = entry_guard & self.task_free(ti, task)
                b.action(actor, f"bpf() call {call} enters the kernel", entry_guard,
                         {self.stage[ti]: labels.index("kernel:0")},
                         design.syscall_entry(ctx))
                for i, step in enumerate(path):
                    self.path_step(design, call, ctx, here, actor, i, step)
                b.action(actor, f"bpf() call {call} returns -EINVAL",
                         here & self.stage_is(ti, f"kernel:{len(path)}"),
                         {self.stage[ti]: labels.index("returned"),
                          self.failed(call): Const(1, "bool")},
                         design.syscall_exit(ctx))
                last = call.number == t.calls - 1
                after = {self.stage[ti]: labels.index("done" if last else "ready")}
                if not last:
                    after[self.callno[ti]] = Const(call.number + 1)
                got = list(design.retrieve(ctx))
                if len(got) != self.slots:
                    raise ValueError(f"design {design.name}: retrieve() gave "
                                     f"{len(got)} slots, not {self.slots}")
                after.update(zip(self.got(call), got))
                after[self.retrieved(call)] = Const(1, "bool")
                b.action(actor, f"reads the explanation of {call}",
                         here & self.stage_is(ti, "returned"), after)

    def path_step(self, design: Design, call: Call, ctx: Context, here: Expr,
                  actor: str, i: int, step: str) -> None:
        b, ti = self.builder, call.thread
        guard = here & self.stage_is(ti, f"kernel:{i}")
        advance = {self.stage[ti]: Const(self.stage_labels.index(f"kernel:{i + 1}"))}
        if step == "emit":
            emitted = self.emitted(call)
            b.action(actor, f"error site: syscall_string() for {call}", guard,
                     advance, {emitted: emitted + 1}, design.emit(ctx, call.tag))
        elif step == "sleep":
            if self.cpu_of is None:
                b.action(actor, "sleeps on cgroup_mutex, wakes up", guard, advance)
                return
            for cpu in range(len(self.cpus)):
                b.action(actor, f"sleeps on cgroup_mutex, resumes on {self.cpus[cpu]}",
                         guard, advance, self.cpu_of.set(ctx.task, cpu))
        else:
            program = next(p for p in self.scenario.programs if p.name == step)
            tag = self.program_tags[step]
            b.action(f"{step} in {actor}",
                     f"{program.attach} runs inside {call}, writes output",
                     guard, advance, design.bpf_output(ctx, tag))

    def scheduler_actions(self) -> None:
        """The Go runtime resumes an unpinned goroutine on another thread."""
        for ti, task_var in self.task_of.items():
            t = self.threads[ti]
            in_user = (self.stage_is(ti, "ready") | self.stage_is(ti, "prepared")
                       | self.stage_is(ti, "returned"))
            for target in range(len(self.tasks)):
                locked_by_other = Or(
                    self.pinned[o] & (self.task_of[o] == target)
                    for o in self.task_of if o != ti
                )
                guard = (in_user & Not(self.pinned[ti]) & (task_var != target)
                         & Not(locked_by_other))
                self.builder.action("Go scheduler",
                                    f"{t.name} resumes on {self.tasks[target]}",
                                    guard, {task_var: Const(target)})


def build(scenario: Scenario, design_cls: type[Design],
          properties: Sequence[type[Property]] = ()) -> tuple[Model, World]:
    """The ground model of ``design_cls`` in ``scenario``, with its checks."""
    world = World(scenario, f"{design_cls.name} in {scenario.name}")
    world.declare_world_state()
    design = design_cls(world)
    design.declare()
    world.design = design
    world.thread_actions(design)
    world.scheduler_actions()
    for prop_cls in properties:
        world.builder.add_check(prop_cls().check(world))
    model = world.builder.build(scenario.max_states, scenario.max_depth)
    return model, world


__all__ = ["Call", "World", "build", "EMPTY", "Buffers"]
