"""Running a selection of designs x scenarios x properties on an engine.

One exploration per (design, scenario) serves all its properties.  Progress
goes to stderr only when it is a terminal, so piped output stays clean, and
is cleared before anything else is printed (an error included).  The run's
time limit (``--timeout``) is checked at every progress tick and before
every Z3 query; a check it cuts short is ``unknown (time limit ...)``.
"""

from __future__ import annotations

import gc
import math
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TextIO

from . import parallel, world
from .deadline import Deadline, TimeLimit
from .design import Design
from .errors import InputError
from .property import Property
from .scenario import Scenario
from .verdict import Result, Verdict

ENGINES = ("explicit", "z3", "both")

# Which bound of the command line each engine honours.  The Z3 engine has
# no set of stored states to count, so ``--max-states`` cannot apply to
# it: it is refused rather than silently ignored (a scenario file's
# ``max_states`` bounds the explicit search only).  ``--max-depth`` bounds
# the unrolling of BMC; a Z3 proof by induction covers runs of any
# length, so its ``holds`` stays true under a depth bound.
BOUNDS = {"explicit": ("--max-states", "--max-depth"),
          "z3": ("--max-depth",),
          "both": ("--max-states", "--max-depth")}


class Progress:
    """A one-line counter on a terminal; silent when stderr is piped."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.prefix = ""

    def job(self, number: int, total: int, name: str) -> None:
        self.prefix = f"[{number}/{total}] {name}"
        self.started = time.monotonic()
        self.show(self.prefix)

    def states(self, states: int, depth: int) -> None:
        """The explicit search: states stored so far, at this depth, the
        rate since the job began and the process's peak memory."""
        text = f"{self.prefix}: {states} states, depth {depth}"
        now = time.monotonic()
        elapsed = now - getattr(self, "started", now)
        if elapsed >= 1.0:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            text += f", {states / elapsed:,.0f} states/s, {peak} MiB"
        self.show(text)

    def open_properties(self, properties: int, depth: int) -> None:
        """The Z3 engine: properties not yet decided, at this unrolling depth."""
        noun = "property" if properties == 1 else "properties"
        self.show(f"{self.prefix}: z3, {properties} open {noun}, depth {depth}")

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


def refuse_bounds(engine: str, max_states: int | None, max_depth: int | None) -> None:
    """A bound the engine cannot honour is a usage error, never ignored."""
    given = [flag for flag, value in (("--max-states", max_states),
                                      ("--max-depth", max_depth)) if value is not None]
    for flag in given:
        if engine in BOUNDS and flag not in BOUNDS[engine]:
            raise InputError(f"{flag} does not apply to --engine {engine} (bound it "
                             "with --max-depth or --timeout)")


def check_timeout(seconds: float | None) -> Deadline:
    """The run's deadline from ``--timeout``; a limit must be positive."""
    if seconds is not None and not seconds > 0:
        raise InputError(f"--timeout {seconds:g} is impossible: it must be more than 0 "
                         "seconds")
    if seconds is not None and math.isinf(seconds):
        seconds = None
    return Deadline(seconds)


Tick = Callable[[int, int], None]


def engine_for(name: str, why: bool = False) -> Callable[..., list[Result]]:
    """``check(model, progress=None, deadline=None, z3_progress=None)`` for
    engine ``name``: ``progress(states, depth)`` is the explicit search's,
    ``z3_progress(open properties, depth)`` the Z3 engine's."""
    if why and name == "explicit":
        raise InputError("--why needs a proof: use --engine z3 or --engine both")
    if name == "explicit":
        from . import explicit  # networkx is a fifth of a second to import

        def check_explicit(model, progress: Tick | None = None,
                           deadline: Deadline | None = None,
                           z3_progress: Tick | None = None) -> list[Result]:
            return explicit.check_model(model, progress)

        return check_explicit
    if name not in ENGINES:
        raise InputError(f"unknown engine '{name}' (known: {', '.join(ENGINES)})")
    from . import crosscheck

    def check_z3(model, progress: Tick | None = None, deadline: Deadline | None = None,
                 z3_progress: Tick | None = None) -> list[Result]:
        limited = deadline if deadline is not None and deadline.seconds is not None \
            else None
        return crosscheck.check_model(model, name, progress, explain=why,
                                      deadline=limited, z3_progress=z3_progress)

    return check_z3


def _clarifying(check: Callable[..., list[Result]]) -> Callable[..., list[Result]]:
    """``check``, its counterexamples then made the clearest of their length."""
    from .render import choose

    def clarified(model, *args, **kwargs) -> list[Result]:
        return choose.clarify(check(model, *args, **kwargs))

    return clarified


def _ticking(show: Callable[[int, int], None], deadline: Deadline
             ) -> Callable[[int, int], None]:
    """A progress callback that also stops the check once time is up."""
    def tick(count: int, depth: int) -> None:
        deadline.check()
        show(count, depth)
    return tick


def run(designs: Sequence[type[Design]], scenarios: Sequence[Scenario],
        properties: Sequence[type[Property]], engine: str = "explicit",
        progress: Progress | None = None, why: bool = False,
        timeout: float | None = None, clarify: bool = False) -> list[Result]:
    """Every property of every design in every scenario, in catalogue order.

    ``why``: name the design assumptions each Z3 proof needed.
    ``timeout``: seconds for the whole run; the checks it cuts short, and
    those it leaves unstarted, are unknown.
    ``clarify``: each counterexample the clearest of its length
    (``render.choose.clarify``), chosen in the job, on both cores.
    """
    check = engine_for(engine, why)
    if clarify:
        check = _clarifying(check)
    deadline = check_timeout(timeout)
    progress = progress or Progress(enabled=False)
    results: list[Result] = []
    total = len(designs) * len(scenarios)
    jobs = [(d, s) for d in designs for s in scenarios]
    count = parallel.workers(total) if deadline.seconds is None else 1
    threshold = gc.get_threshold()
    # The engines make terms by the hundred thousand: a young generation
    # of 10 000 objects, not 700, is collected 29 times over the catalogue,
    # not 494, in 0.52 to 0.57 s of collecting, not 0.60 to 0.67 s.
    gc.set_threshold(10_000, *threshold[1:])
    try:
        batches = (parallel.run(jobs, properties, check, count,
                                lambda n, name: progress.job(n, total, name))
                   if count > 1 else
                   _one_by_one(jobs, properties, check, engine, deadline, progress))
        for (design, scenario), found in zip(jobs, batches):
            for result in found:
                result.design = design.name
                result.scenario = scenario.name
                results.append(result)
    finally:
        gc.set_threshold(*threshold)
        progress.done()
    return results


def _one_by_one(jobs: Sequence[tuple], properties: Sequence[type[Property]],
                check: Callable[..., list[Result]], engine: str, deadline: Deadline,
                progress: Progress) -> Iterator[list[Result]]:
    """Each job's results in this process, one job after another, with
    progress ticks and the run's time limit."""
    for number, (design, scenario) in enumerate(jobs, 1):
        progress.job(number, len(jobs), f"{design.name} in {scenario.name}")
        model, _ = world.build(scenario, design, properties)
        try:
            deadline.check()
            yield check(model, _ticking(progress.states, deadline), deadline,
                        _ticking(progress.open_properties, deadline))
        except TimeLimit:
            label = "explicit+z3" if engine == "both" else engine
            yield [Result(c.name, Verdict("unknown", deadline.detail), 0, 0, label)
                   for c in model.checks]
