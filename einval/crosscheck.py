"""Run the explicit engine, the Z3 engine, or both, and compare them.

The two engines share nothing but the ``Model``: one enumerates states
breadth-first, the other unrolls Z3 terms.  Where both answer, they must
give the same verdict kind and, for a violation, the same minimal
counterexample length; otherwise one of them is wrong, and that is an
error (``EngineDisagreement``), never a verdict.
"""

from __future__ import annotations

from collections.abc import Callable

from . import explicit, symbolic
from .model import Model
from .verdict import Result, Verdict

ENGINES = ("explicit", "z3", "both")
Progress = Callable[[int, int], None]


class EngineDisagreement(Exception):
    """The explicit and the Z3 engine gave contradicting verdicts."""

    def __init__(self, model: str, prop: str, explicit_verdict: Verdict,
                 z3_verdict: Verdict, reason: str):
        self.model = model
        self.property = prop
        self.explicit = explicit_verdict
        self.z3 = z3_verdict
        self.reason = reason
        super().__init__(f"engines disagree ({reason}) on {model}, property {prop}: "
                         f"explicit says {explicit_verdict}, z3 says {z3_verdict}")


def check_model(model: Model, engine: str, progress: Progress | None = None, *,
                explain: bool = False) -> list[Result]:
    """Results of ``engine`` ("explicit", "z3" or "both") on every check.

    With "both": the explicit results, each with ``proof`` set to the Z3
    verdict (and the Z3 engine's ``assumptions`` when ``explain``); raises
    ``EngineDisagreement`` at the first property the engines disagree on.
    """
    if engine == "explicit":
        return explicit.check_model(model, progress)
    if engine == "z3":
        return symbolic.check_model(model, progress, explain=explain)
    if engine != "both":
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    exploration = explicit.explore(model, progress)
    explored = max(exploration.depth) - (0 if exploration.complete else 1)
    results = []
    z3_results = symbolic.check_model(model, explain=explain)
    for check, other in zip(model.checks, z3_results):
        mine = explicit.judge(exploration, check)
        why = disagreement(mine, other.verdict, explored, exploration.complete)
        if why is not None:
            raise EngineDisagreement(model.name, check.name, mine, other.verdict, why)
        mine.assumptions = list(other.verdict.assumptions)
        results.append(Result(check.name, mine, len(exploration.states),
                              exploration.transitions, "explicit+z3",
                              proof=str(other.verdict)))
    return results


def disagreement(mine: Verdict, theirs: Verdict, explored: int = 0,
                 complete: bool = True) -> str | None:
    """Why two verdicts contradict each other, or None if they agree.

    ``mine`` is the explicit engine's; when its search stopped at a scenario
    bound (not ``complete``), its "unknown" only says nothing was found
    within ``explored`` steps, so Z3 may know more, but not a shorter run.
    """
    if mine.kind == "violated" or (complete and theirs.kind == "violated"):
        if theirs.kind != mine.kind:
            return "verdict kind"
        if theirs.depth != mine.depth:
            return "counterexample length"
        return None
    if not complete:
        if theirs.kind == "violated" and theirs.depth <= explored:
            return "a violation the explicit search should have met"
        return None
    return None if theirs.kind == mine.kind else "verdict kind"
