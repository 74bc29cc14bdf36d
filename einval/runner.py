"""Running a selection of designs x scenarios x properties on an engine.

One exploration per (design, scenario) serves all its properties.  Progress
goes to stderr only when it is a terminal, so piped output stays clean.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TextIO

from . import world
from .design import Design
from .errors import InputError
from .property import Property
from .scenario import Scenario
from .verdict import Result

ENGINES = ("explicit", "z3", "both")


class Progress:
    """A one-line counter on a terminal; silent when stderr is piped."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.prefix = ""

    def job(self, number: int, total: int, name: str) -> None:
        self.prefix = f"[{number}/{total}] {name}"
        self.show(self.prefix)

    def states(self, states: int, depth: int) -> None:
        self.show(f"{self.prefix}: {states} states, depth {depth}")

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write("\r\033[K" + text[:79])
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def with_bounds(scenario: Scenario, max_states: int | None, max_depth: int | None
                ) -> Scenario:
    """The scenario with bounds overridden from the command line."""
    for flag, value in (("--max-states", max_states), ("--max-depth", max_depth)):
        if value is not None and value < 1:
            raise InputError(f"{flag} {value} is impossible: it must be at least 1")
    changes = {}
    if max_states is not None:
        changes["max_states"] = max_states
    if max_depth is not None:
        changes["max_depth"] = max_depth
    return replace(scenario, **changes) if changes else scenario


def engine_for(name: str, why: bool = False) -> Callable:
    if why and name == "explicit":
        raise InputError("--why needs a proof: use --engine z3 or --engine both")
    if name == "explicit":
        from . import explicit  # networkx is a fifth of a second to import

        return explicit.check_model
    if name not in ENGINES:
        raise InputError(f"unknown engine '{name}' (known: {', '.join(ENGINES)})")
    from . import crosscheck

    return lambda model, progress=None: crosscheck.check_model(model, name, progress,
                                                               explain=why)


def run(designs: Sequence[type[Design]], scenarios: Sequence[Scenario],
        properties: Sequence[type[Property]], engine: str = "explicit",
        progress: Progress | None = None, why: bool = False) -> list[Result]:
    """Every property of every design in every scenario, in catalogue order.

    ``why``: name the design assumptions each Z3 proof needed.
    """
    check = engine_for(engine, why)
    progress = progress or Progress(enabled=False)
    results: list[Result] = []
    total = len(designs) * len(scenarios)
    number = 0
    for design in designs:
        for scenario in scenarios:
            number += 1
            progress.job(number, total, f"{design.name} in {scenario.name}")
            model, _ = world.build(scenario, design, properties)
            for result in check(model, progress=progress.states):
                result.design = design.name
                result.scenario = scenario.name
                results.append(result)
    progress.done()
    return results
