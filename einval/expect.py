"""Judging the ``[expect]`` table of scenario files: ``einval test``.

Like the ``Result:`` line of a litmus test, a scenario file may say which
verdicts it expects (``"task-struct:in_task" = "holds"``, or one verdict
per property).  ``judge`` runs the designs it names against the
properties it names (all shipped properties when it names none) and says,
for each expectation, whether the verdict matches.  The expectations are
data: adding a scenario or a design never requires editing a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import catalog, runner
from .errors import InputError
from .scenario import Expectation, Scenario
from .verdict import Result


@dataclass
class Outcome:
    """One expectation and the result that judged it."""

    expectation: Expectation
    result: Result

    @property
    def ok(self) -> bool:
        return self.result.verdict.kind == self.expectation.verdict


def files(paths: Sequence[str]) -> list[Path]:
    """Scenario files named, or found in named folders (``*.toml``)."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise InputError("no scenario files (*.toml) here", name)
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise InputError("no such file or folder", name)
    return out


def judge(scenario: Scenario, engine: str = "explicit",
          progress: runner.Progress | None = None) -> list[Outcome]:
    """Every expectation of ``scenario``, judged; in file order."""
    if not scenario.expectations:
        raise InputError("no [expect] table: nothing to judge", scenario.source)
    plan: dict[str, tuple] = {}  # design spec -> (choice, properties)
    for e in scenario.expectations:
        try:
            choice = catalog.design(e.design)
            props = (catalog.properties() if e.property is None
                     else [catalog.property_(e.property)])
        except InputError as err:
            raise e.where.fail(err.message) from None
        known = plan.setdefault(e.design, (choice, []))[1]
        known.extend(p for p in props if p not in known)
    results: dict[tuple[str, str], Result] = {}
    for spec, (choice, props) in plan.items():
        order = sorted(props, key=lambda p: (p.order, p.name))
        for r in runner.run([choice], [scenario], order, engine, progress):
            results[spec, r.property] = r
    outcomes = []
    for e in scenario.expectations:
        names = ([p.name for p in catalog.properties()] if e.property is None
                 else [e.property])
        outcomes += [Outcome(e, results[e.design, name]) for name in names]
    return outcomes
