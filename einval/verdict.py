"""Verdicts and counterexample traces, independent of the engine.

A trace is a list of action numbers replayed from the initial state, so a
trace found by any engine can be confirmed by replaying it here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .lang import evaluate, variables_of
from .model import Condition, Model


class ReplayError(Exception):
    """A trace does not replay: an engine produced an impossible step."""


@dataclass
class Step:
    action: int
    actor: str
    name: str
    state: tuple[int, ...]  # the state after the step
    changes: list[tuple[str, str]]  # (view, new value) that changed
    lane: str = ""  # the column it belongs to in a sequence chart


@dataclass
class Trace:
    model: Model
    initial: tuple[int, ...]
    steps: list[Step]
    failed: Condition | None = None

    @classmethod
    def replay(cls, model: Model, actions: Sequence[int]) -> Trace:
        """Run ``actions`` from the initial state; each guard must hold."""
        state = model.initial_state()
        initial = state
        steps = []
        for number in actions:
            action = model.actions[number]
            if not evaluate(action.guard, state):
                raise ReplayError(
                    f"step {len(steps) + 1}: {action.actor}: {action.name}: "
                    "not enabled"
                )
            nxt = list(state)
            for index, expr in action.updates:
                nxt[index] = int(evaluate(expr, state))
            for i, v in enumerate(nxt):
                if not 0 <= v < model.variables[i].domain.size:
                    raise ReplayError(
                        f"step {len(steps) + 1}: {model.variables[i].name} = {v} "
                        "leaves its domain"
                    )
            after = tuple(nxt)
            steps.append(Step(number, action.actor, action.name, after,
                              diff(model, state, after), action.lane))
            state = after
        return cls(model, initial, steps)

    @property
    def length(self) -> int:
        """How many steps (a ``Deferred`` trace knows it before it is made)."""
        return len(self.steps)

    @property
    def final(self) -> tuple[int, ...]:
        return self.steps[-1].state if self.steps else self.initial

    def failed_values(self) -> list[tuple[str, str]]:
        """The values that made the failed condition false, by view."""
        if self.failed is None:
            return []
        return show_variables(self.model, variables_of(self.failed.expr), self.final)


class Deferred(Trace):
    """A trace made when first read beyond its length (and its model, when
    known): a counterexample that a clearer one of the same length
    replaces before it is shown, or one from another process that no
    report prints, is never built.  Every trace that is read is made by
    ``make``, replayed as any other."""

    def __init__(self, length: int, make: Callable[[], Trace], model: Model | None = None):
        self._length, self._make, self._model = length, make, model
        self._made: Trace | None = None

    def _trace(self) -> Trace:
        if self._made is None:
            self._made = self._make()
            assert len(self._made.steps) == self._length, "a deferred trace's length"
        return self._made

    @property  # type: ignore[override]
    def model(self) -> Model:
        return self._model if self._model is not None else self._trace().model

    @property  # type: ignore[override]
    def initial(self) -> tuple[int, ...]:
        return self._trace().initial

    @property  # type: ignore[override]
    def steps(self) -> list[Step]:
        return self._trace().steps

    @property  # type: ignore[override]
    def failed(self) -> Condition | None:
        return self._trace().failed

    @failed.setter
    def failed(self, condition: Condition | None) -> None:
        self._trace().failed = condition

    @property
    def length(self) -> int:
        return self._length


def diff(model: Model, before: tuple[int, ...], after: tuple[int, ...]
         ) -> list[tuple[str, str]]:
    changed = {i for i, (a, b) in enumerate(zip(before, after)) if a != b}
    return [
        (view.name, view.render(after))
        for view in model.views
        if changed.intersection(view.variables)
    ]


def show_variables(model: Model, indices: Sequence[int], state: tuple[int, ...]
                   ) -> list[tuple[str, str]]:
    """Show variables through their views; a variable without one, raw."""
    shown: list[tuple[str, str]] = []
    done: set[int] = set()
    for index in indices:
        if index in done:
            continue
        view = next((v for v in model.views if index in v.variables), None)
        if view is not None:
            done.update(view.variables)
            shown.append((view.name, view.render(state)))
        else:
            done.add(index)
            variable = model.variables[index]
            if variable.frozen:
                continue
            shown.append((variable.name, variable.domain.label(state[index])))
    return shown


@dataclass
class Verdict:
    """``kind``: holds, violated or unknown; ``detail`` says which kind."""

    kind: str
    detail: str
    trace: Trace | None = None
    depth: int = 0
    assumptions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})"


@dataclass
class Result:
    """One property of one design in one scenario, by one engine."""

    property: str
    verdict: Verdict
    states: int
    transitions: int
    engine: str
    design: str = ""
    scenario: str = ""
    proof: str = ""  # with --engine both: the Z3 engine's verdict, e.g. "proved by 3-induction"
    clarified: bool = False  # its trace is already the clearest (``render.choose``)
