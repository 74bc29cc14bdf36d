"""Which switches repair a design: ``einval mitigate``.

A design's switches are the documented techniques a reviewer would ask
for (an ``in_task()`` guard, save/restore across nesting).  A set of them
*suffices* when, with exactly those on, every property holds in every
scenario asked about.  What a reader wants is the *minimal* sufficing
sets (no proper subset suffices): each is a complete answer to "what
must the implementation do", and a superset only adds work.  Switches
are tried exhaustively (a design has a handful), so no monotonicity is
assumed: a switch that helps alone may hurt with another.  A set that
contains a sufficing set is not tried: it cannot be minimal.

Switches marked ``hazard`` (an idea under test, such as BPF programs
sharing the task pointer) are never tried as repairs: they stay as the
design spec has them (on for the variant ``shared-storage``).

When no set suffices, the counterexample that survives is the shortest
violation with every mitigation on: the one no switch removes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from . import runner
from .design import Choice
from .property import Property
from .scenario import Scenario
from .verdict import Result


@dataclass
class Trial:
    """One set of mitigations switched on, and what every check said."""

    switches: frozenset[str]
    results: list[Result]

    @property
    def failing(self) -> list[Result]:
        return [r for r in self.results if r.verdict.kind != "holds"]

    @property
    def suffices(self) -> bool:
        return not self.failing


@dataclass
class Mitigation:
    """The answer for one design: every trial, and the minimal sets."""

    choice: Choice
    mitigations: list[str]  # switches tried, in the design's order
    fixed: list[str]  # switches left as the design spec has them (hazards)
    trials: list[Trial]

    @property
    def minimal(self) -> list[frozenset[str]]:
        """Sufficing sets none of whose proper subsets suffices."""
        good = [t.switches for t in self.trials if t.suffices]
        return [s for s in good if not any(o < s for o in good)]

    @property
    def everything(self) -> Trial:
        """The trial with every mitigation on (always tried when no set
        suffices; otherwise the largest set tried)."""
        return max(self.trials, key=lambda t: len(t.switches))

    @property
    def skipped(self) -> int:
        """Sets not tried because they contain a sufficing set."""
        return 2 ** len(self.mitigations) - len(self.trials)

    def survivor(self) -> Result | None:
        """The shortest violation left with every mitigation on."""
        bad = [r for r in self.everything.failing
               if r.verdict.kind == "violated" and r.verdict.trace is not None]
        if not bad:
            return None
        return min(bad, key=lambda r: (len(r.verdict.trace.steps), r.scenario,
                                       r.property))


def fails_in_every_set(mitigation: Mitigation, result: Result) -> bool:
    """Whether ``result``'s check fails under every set tried: then the
    counterexample survives whatever is switched on, not just all of it."""
    return all(any((r.scenario, r.property) == (result.scenario, result.property)
                   for r in t.failing) for t in mitigation.trials)


def subsets(names: Sequence[str]) -> list[frozenset[str]]:
    """Every subset of ``names``, smallest first, then in name order."""
    return [frozenset(c) for size in range(len(names) + 1)
            for c in combinations(names, size)]


def mitigate(choice: Choice, scenarios: Sequence[Scenario],
             properties: Sequence[type[Property]], engine: str = "explicit",
             progress: runner.Progress | None = None) -> Mitigation:
    """Try every set of the design's mitigations on ``choice``'s base."""
    design = choice.design
    mitigations = [n for n, s in design.switches.items()
                   if not s.hazard and n not in choice.switches]
    fixed = [n for n, s in design.switches.items() if s.hazard]
    trials: list[Trial] = []
    for on in subsets(mitigations):
        if any(t.switches < on and t.suffices for t in trials):
            continue  # contains a sufficing set: not minimal, whatever it gives
        trial_choice = Choice(design, choice.switches | on)
        results = runner.run([trial_choice], scenarios, properties, engine, progress)
        trials.append(Trial(on, results))
    return Mitigation(choice, mitigations, fixed, trials)
