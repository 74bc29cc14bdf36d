"""Run the explicit engine, the Z3 engine, or both, and compare them.

The two engines share nothing but the ``Model``: one enumerates states
breadth-first, the other unrolls Z3 terms.  Where both answer, they must
give the same verdict kind and, for a violation, the same minimal
counterexample length; otherwise one of them is wrong, and that is an
error (``EngineDisagreement``), never a verdict.

How ``both`` combines two verdicts that do not contradict each other
(``combine``): a violation either engine found, replayed through the
explicit semantics, is the verdict (so a violation Z3 finds beyond a
binding state or depth bound of the explicit search is reported, with its
trace); ``holds`` needs the explicit search to have explored everything;
anything else is ``unknown``, saying why.
"""

from __future__ import annotations

from collections.abc import Callable

from . import explicit, symbolic
from .deadline import Deadline
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
                explain: bool = False, deadline: Deadline | None = None,
                z3_progress: Progress | None = None) -> list[Result]:
    """Results of ``engine`` ("explicit", "z3" or "both") on every check.

    With "both": per check, the verdict ``combine`` gives, with ``proof``
    set to the Z3 verdict (and the Z3 engine's ``assumptions`` when
    ``explain``); raises ``EngineDisagreement`` at the first property the
    engines disagree on.  ``progress(states, depth)`` is the explicit
    search's, ``z3_progress(open properties, depth)`` the Z3 engine's.
    A ``deadline`` that expires in the explicit search raises
    ``TimeLimit``; in the Z3 engine it leaves its undecided checks unknown.
    """
    if engine == "explicit":
        return explicit.check_model(model, progress)
    z3_options: dict = {"explain": explain}
    if deadline is not None:
        z3_options["deadline"] = deadline
    if engine == "z3":
        return symbolic.check_model(model, z3_progress, **z3_options)
    if engine != "both":
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    exploration = explicit.explore(model, progress)
    explored = max(exploration.depth) - (0 if exploration.complete else 1)
    results = []
    z3_results = symbolic.check_model(model, z3_progress, **z3_options)
    limit = deadline.detail if deadline is not None else ""
    for check, other in zip(model.checks, z3_results):
        mine = explicit.judge(exploration, check)
        theirs = other.verdict
        timed_out = bool(limit) and theirs.kind == "unknown" and theirs.detail == limit
        why = None if timed_out else disagreement(mine, theirs, explored,
                                                  exploration.complete)
        if why is not None:
            raise EngineDisagreement(model.name, check.name, mine, theirs, why)
        verdict = combine(mine, theirs, exploration.complete, timed_out)
        verdict.assumptions = list(theirs.assumptions)
        results.append(Result(check.name, verdict, len(exploration.states),
                              exploration.transitions, "explicit+z3",
                              proof=str(theirs)))
    return results


def combine(mine: Verdict, theirs: Verdict, complete: bool = True,
            timed_out: bool = False) -> Verdict:
    """The verdict of ``both`` from two verdicts that do not contradict.

    ``mine`` is the explicit engine's (``complete``: its search explored
    everything), ``theirs`` the Z3 engine's (``timed_out``: cut short by
    the run's time limit).  A replayed violation from either engine wins;
    ``holds`` needs the complete explicit search, and a Z3 check the time
    limit cut short makes an explicit ``holds`` unknown (the two engines
    have not both answered).
    """
    if mine.kind == "violated":
        return mine
    if theirs.kind == "violated" and theirs.trace is not None:
        return Verdict("violated", f"{theirs.detail}, found by z3 beyond the explicit "
                       "search's bound", theirs.trace, depth=theirs.depth)
    if mine.kind == "holds" and timed_out:
        return Verdict("unknown", f"{theirs.detail} in z3; explicit: {mine.detail}",
                       depth=mine.depth)
    return mine


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
