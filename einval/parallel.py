"""The cells of a run on both cores: one (design, scenario) job per task.

``compare`` and multi-design ``check`` runs are many independent jobs.
Workers are forked (they inherit the designs, scenarios and properties,
so nothing of the catalogue is pickled), build their own model, run the
engine and send back only plain data: each verdict with the action
numbers of its trace.  The parent rebuilds a job's model and replays a
trace through the model's own semantics when a report first reads the
trace (``verdict.Deferred``), so a trace it prints is checked exactly as in a
serial run, and results come back in job order: the output is the same
bytes as a serial run's.

Used only where fork exists and there is more than one job and one CPU;
``EINVAL_JOBS=1`` turns it off (``EINVAL_JOBS=N``: N workers).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from . import world
from .verdict import Deferred, Result, Trace, Verdict

_JOBS: list[tuple] = []  # set before forking: (design, scenario)
_CONTEXT: dict = {}  # properties and the engine's check function


@dataclass
class Summary:
    """A result without its model: what crosses the process boundary."""

    property: str
    kind: str
    detail: str
    depth: int
    assumptions: list[str]
    actions: list[int] | None
    failed: str | None
    states: int
    transitions: int
    engine: str
    proof: str
    clarified: bool


def workers(jobs: int) -> int:
    """How many processes to use for ``jobs`` jobs (1: run serially)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = os.environ.get("EINVAL_JOBS", "").strip()
    count = int(wanted) if wanted.isdigit() and int(wanted) > 0 else (os.cpu_count() or 1)
    return max(1, min(count, 2 if not wanted else count, jobs))


def _summarise(result: Result) -> Summary:
    v = result.verdict
    trace = v.trace
    return Summary(result.property, v.kind, v.detail, v.depth, list(v.assumptions),
                   [s.action for s in trace.steps] if trace is not None else None,
                   trace.failed.label if trace is not None and trace.failed else None,
                   result.states, result.transitions, result.engine, result.proof,
                   result.clarified)


def _work(index: int) -> list[Summary]:
    design, scenario = _JOBS[index]
    model, _ = world.build(scenario, design, _CONTEXT["properties"])
    return [_summarise(r) for r in _CONTEXT["check"](model)]


class _Job:
    """One job's model in the parent, built when a trace is first read."""

    def __init__(self, design, scenario, properties):
        self.design, self.scenario, self.properties = design, scenario, properties
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = world.build(self.scenario, self.design, self.properties)[0]
        return self._model


def _replay(job: _Job, summary: Summary) -> Trace:
    """A worker's trace, replayed on the parent's model of its job."""
    model = job.model
    trace = Trace.replay(model, summary.actions or [])
    if summary.failed is not None:
        trace.failed = next(c for c in model.check(summary.property).always
                            if c.label == summary.failed)
    return trace


def _restore(job: _Job, summary: Summary) -> Result:
    """The result again, its trace (if any) to be replayed on ``job``'s model."""
    trace = None
    if summary.actions is not None:
        trace = Deferred(len(summary.actions), partial(_replay, job, summary))
    verdict = Verdict(summary.kind, summary.detail, trace, summary.depth,
                      summary.assumptions)
    return Result(summary.property, verdict, summary.states, summary.transitions,
                  summary.engine, proof=summary.proof, clarified=summary.clarified)


def run(jobs: Sequence[tuple], properties: Sequence, check: Callable,
        count: int, done: Callable[[int, str], None]) -> list[list[Result]]:
    """Each job's results, in job order, computed by ``count`` workers;
    ``done(number, name)`` after each job, as results arrive in order."""
    _JOBS[:] = list(jobs)
    _CONTEXT.update(properties=list(properties), check=check)
    out: list[list[Result]] = []
    # What the workers inherit (the catalogue, the modules) is never
    # garbage: frozen, their collections do not walk it again and again,
    # nor touch (and so copy) its pages.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            for number, summaries in enumerate(pool.imap(_work, range(len(jobs))), 1):
                design, scenario = jobs[number - 1]
                job = _Job(design, scenario, properties)
                out.append([_restore(job, s) for s in summaries])
                done(number, f"{design.name} in {scenario.name}")
    finally:
        gc.unfreeze()
        _JOBS.clear()
        _CONTEXT.clear()
    return out
