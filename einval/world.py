"""The world every design plugs into, instantiated from a scenario.

``World`` holds what designs and properties read: the threads, tasks and
CPUs of the scenario, the tags of every message writer (calls, BPF
programs), and the observations properties are written over: for each
call, what it emitted, whether it failed, and what its caller retrieved.
The actors themselves (``einval/actors/``) add their state and actions;
``build`` puts it all together into one ground ``Model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .actors import ACTORS
from .design import Design
from .lang import Or, Var
from .model import Condition, Domain, Model, ModelBuilder
from .property import Property
from .scenario import Scenario, Thread
from .vocab import Buffers, Family, show_tags


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
    """The instantiated scenario: its actors, their state, and the tags."""

    def __init__(self, scenario: Scenario, name: str):
        self.scenario = scenario
        self.builder = ModelBuilder(name)
        self.threads: list[Thread] = list(scenario.threads)
        self.tasks: list[str] = scenario.tasks
        self.cpus: list[str] = [f"CPU{i}" for i in range(scenario.cpus)]
        self.slots = scenario.buffer_slots
        self.calls: list[Call] = []
        self.program_tags: dict[str, int] = {}
        labels = ["-"]
        for actor in ACTORS:
            if hasattr(actor, "tags"):
                labels += actor.tags(self, len(labels))
        self.tags = Domain(tuple(labels))

    # -- declaring state (for designs and actors) --------------------------
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

    # -- observations (for properties) -------------------------------------
    def declare_observations(self) -> None:
        b = self.builder
        emits = Domain.range(self.scenario.path.count("emit"))
        self._emitted = [b.var(f"emitted[{c}]", emits, 0, hidden=True)
                         for c in self.calls]
        self._failed = [b.flag(f"failed[{c}]", hidden=True) for c in self.calls]
        self._retrieved = [b.flag(f"retrieved[{c}]", hidden=True) for c in self.calls]
        self._got = []
        for c in self.calls:
            row = [b.var(f"got[{c}][{i}]", self.tags, view=False)
                   for i in range(self.slots)]
            b.view(f"got[{c}]", row, lambda st, r=row: show_tags(
                self.tags, [st[v.index] for v in r]))
            self._got.append(row)

    def _index(self, call: Call) -> int:
        return self.calls.index(call)

    def got(self, call: Call) -> list[Var]:
        """The message tags the caller retrieved for ``call``."""
        return self._got[self._index(call)]

    def retrieved(self, call: Call) -> Var:
        return self._retrieved[self._index(call)]

    def failed(self, call: Call) -> Var:
        return self._failed[self._index(call)]

    def emitted(self, call: Call) -> Var:
        """How many messages the error sites of ``call`` emitted so far."""
        return self._emitted[self._index(call)]

    def witness_failed_and_retrieved(self) -> Condition:
        return Condition(
            "some call fails and its caller retrieves the explanation",
            Or(self.failed(c) & self.retrieved(c) for c in self.calls),
        )

    # -- conveniences actors share -----------------------------------------
    def stage_is(self, ti: int, label: str):
        from .actors.threads import stage_is

        return stage_is(self, ti, label)


def build(scenario: Scenario, design_cls: type[Design],
          properties: Sequence[type[Property]] = ()) -> tuple[Model, World]:
    """The ground model of ``design_cls`` in ``scenario``, with its checks."""
    world = World(scenario, f"{design_cls.name} in {scenario.name}")
    world.declare_observations()
    for actor in ACTORS:
        if hasattr(actor, "declare"):
            actor.declare(world)
    design = design_cls(world)
    design.declare()
    for actor in ACTORS:
        actor.actions(world, design)
    for prop_cls in properties:
        world.builder.add_check(prop_cls().check(world))
    return world.builder.build(scenario.max_states, scenario.max_depth), world
