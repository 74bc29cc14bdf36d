"""The Z3 engine: BMC for the shortest counterexample, k-induction for proofs.

One unrolling is deepened one step at a time.  At each depth ``k``, for
every property still open: is a violation reachable first at step ``k``
(the base case, so the first one found is as short as BFS would find), is
the witness reachable, and is the property ``k``-inductive (the step
case).  The verdicts mirror ``explicit.judge``: violated if a violation is
reachable; holds only when proved for runs of any length *and* the
witness is reachable; unknown otherwise, saying why.  A counterexample is
decoded to action numbers and replayed through the explicit semantics
(``Trace.replay``) before it is returned.

Before any of that, at depth 0, the engine's own enumeration of the
reached states is offered to Z3 (``reached.py``).  Proved inductive, it
proves by 0-induction what holds; with its levels proved, each violation
is settled from the enumeration's run to it (``_certify``).  On the
catalogue shipped in December 2026 that decides every check at depth 0;
the loop goes on only for what a proposal did not settle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import product

import z3

from ..deadline import Deadline, TimeLimit
from ..lang import And, Expr, Not, evaluate
from ..model import Check, Model
from ..verdict import ReplayError, Result, Trace, Verdict
from . import chc, reached
from .compile import Encoding
from .explain import minimal_assumptions
from .invariants import houdini
from .runs import Runs
from .system import System
from .unroll import Answer, Unrolling

DEFAULT_DEPTH = 100  # unrolling bound when neither caller nor scenario gives one


class DomainError(Exception):
    """A reachable step takes a variable out of its domain: the model's bug."""


@dataclass
class Track:
    """What is known so far about one check."""

    check: Check
    goal: str  # unrolling goal: the check's always-conditions hold
    witness: str  # unrolling goal: the check's witness does not hold
    violation: Verdict | None = None
    proof: str | None = None
    relative: bool = True  # the proof may rest on domain closure
    leaned: bool = False  # one of its refutations did use closure
    core: set[int] = field(default_factory=set)  # parameters the proof used
    _failure: Expr | None = field(default=None, repr=False)

    def failure(self) -> Expr:
        """A state where the check fails: one of its conditions is false
        (one tree, made once: the reached states are asked about it by
        identity, ``Reached.nearest``)."""
        if self._failure is None:
            self._failure = Not(And(c.expr for c in self.check.always))
        return self._failure


@dataclass(frozen=True)
class Settings:
    """How the search runs; each switch exists to be measured against."""

    reduce: bool = True  # fix the order of independent actions
    joint: bool = True  # one query for all open properties at each depth
    facts: bool = True  # Houdini facts as lemmas ...
    facts_at: int = 3  # ... from this depth on (small models finish before)
    reached: bool = True  # the reached states as an invariant (``reached.py``)
    bound: int = DEFAULT_DEPTH


def check_model(model: Model, progress: Callable[[int, int], None] | None = None, *,
                encoding: str = "bv", max_depth: int | None = None,
                explain: bool = False, reduce: bool = True, joint: bool | None = None,
                facts: bool = True, reached: bool = True, spacer: bool = True,
                deadline: Deadline | None = None) -> list[Result]:
    """Judge every check of ``model`` with Z3.

    ``explain``: keep the frozen parameters symbolic and name, for each
    proved property, a minimal set of the parameter assumptions its proof
    needs (``explain.py``); properties are then queried one by one, unless
    ``joint``.  ``spacer``: try Spacer on what k-induction left unproved
    at the bound.  ``reached``: offer the reached states as an invariant
    first (``reached.py``).  ``progress(open properties, depth)`` is called at each
    depth.  ``deadline``: the run's time limit; when it expires, a check
    with a replayed violation keeps it and every other check is unknown.
    """
    deadline = deadline or Deadline()
    enc = Encoding.for_model(model, encoding)
    settings = Settings(reduce=reduce, joint=not explain if joint is None else joint,
                        facts=facts, reached=reached,
                        bound=max_depth or model.max_depth or DEFAULT_DEPTH)
    system = System(model, enc, symbolic_params=explain)
    search = Search(system, settings, deadline)
    try:
        depth = search.run(progress)
        if spacer:
            for track in search.tracks:
                if track.violation is None and not search.proved(track):
                    if chc.prove(system, track.check, deadline=deadline):
                        track.proof, track.relative = "proved (spacer)", False
                        track.core = set(system.frozen)  # no core: assume them all
    except TimeLimit:
        verdicts = [t.violation or Verdict("unknown", deadline.detail,
                                           depth=search.unrolling.depth)
                    for t in search.tracks]
        return [Result(t.check.name, v, 0, 0, "z3") for t, v in zip(search.tracks, verdicts)]
    verdicts = [search.verdict(t, depth) for t in search.tracks]
    if explain:
        cores = {i: search.core(t) for i, (t, v) in enumerate(zip(search.tracks, verdicts))
                 if v.kind == "holds"}
        sentences = {v.index for v in model.variables if v.frozen and v.assumption}
        try:
            needed = minimal_assumptions(
                cores, lambda free: proved_without(model, enc, settings, free, deadline),
                sentences)
        except TimeLimit:
            needed = {}
            for i in cores:
                verdicts[i].assumptions = [f"not named: {deadline.detail}"]
        for i, indices in needed.items():
            verdicts[i].assumptions = [model.variables[p].assumption for p in indices]
    return [Result(t.check.name, v, 0, 0, "z3") for t, v in zip(search.tracks, verdicts)]


def proved_without(model: Model, enc: Encoding, settings: Settings,
                   free: frozenset[int], deadline: Deadline | None = None) -> set[int]:
    """The checks (by index) still proved when the ``free`` parameters may
    take any value in their domains: each combination is checked apart."""
    order = sorted(free)
    proved = set(range(len(model.checks)))
    for values in product(*(range(model.variables[i].domain.size) for i in order)):
        search = Search(System(with_params(model, dict(zip(order, values))), enc),
                        replace(settings, joint=True), deadline)
        search.run(None)
        proved &= {i for i, t in enumerate(search.tracks) if search.proved(t)}
        if not proved:
            break
    return proved


def with_params(model: Model, values: dict[int, int]) -> Model:
    """``model`` with other values for some frozen variables."""
    variables = [replace(v, init=values.get(v.index, v.init)) for v in model.variables]
    return replace(model, variables=variables)


class Search:
    """The depth-by-depth loop over one unrolling, for all checks at once."""

    def __init__(self, system: System, settings: Settings,
                 deadline: Deadline | None = None):
        self.system = system
        self.settings = settings
        self.deadline = deadline or Deadline()
        self.model = system.model
        self.explain = system.symbolic_params
        self.unrolling = Unrolling(system, reduce=settings.reduce, deadline=self.deadline)
        self.closure = system.has_closure
        self.closure_proved = not self.closure
        self.closure_core: set[int] = set()
        if self.closure:
            self.unrolling.goal("closure", system.closure)
        self.facts: list = []  # found once the search proves slow (``_strengthen``)
        self.strengthened = 0  # Houdini runs so far: plain facts, then pairs
        self.reached_depth = 0  # steps to the farthest reached state (``_reached``)
        self.found: reached.Reached | None = None  # the reached states, proved
        self._runs: Runs | None = None  # runs proposed, to confirm (``_certify``)
        self.confirmed = 0  # steps of the longest run confirmed (``_certify``)
        self.fact_goals: dict[str, set[int]] = {}  # goal -> parameters its proof used
        self.seen: dict[str, bool] = {}  # witness goal -> reached
        self.never: dict[str, bool] = {}  # witness goal -> proved unreachable
        witnesses: dict[str, str] = {}
        self.witnessed: dict[str, Expr] = {}  # witness goal -> what it looks for
        self.hint: dict[str, int] = {}  # witness goal -> first depth to ask at
        self.tracks = []
        for i, check in enumerate(self.model.checks):
            key = f"{check.witness.label}\0{check.witness.expr!r}"
            if key not in witnesses:
                witnesses[key] = name = f"W{len(witnesses)}"
                unseen = Not(check.witness.expr)
                self.witnessed[name] = check.witness.expr
                self.unrolling.goal(name, lambda k, e=unseen: system.term(e, k))
                self.seen[name] = self.never[name] = False
            self.tracks.append(self._track(i, check, witnesses[key]))

    def _track(self, i: int, check: Check, witness: str) -> Track:
        conditions = And(c.expr for c in check.always)
        self.unrolling.goal(f"P{i}", lambda k: self.system.term(conditions, k))
        return Track(check, f"P{i}", witness)

    # -- state of the search -----------------------------------------------
    def proved(self, t: Track) -> bool:
        return t.proof is not None and (self.closure_proved or not t.relative)

    def decided(self, t: Track) -> bool:
        return t.violation is not None or (
            self.proved(t) and (self.seen[t.witness] or self.never[t.witness]))

    def open(self) -> list[Track]:
        """Tracks with neither a violation nor a (possibly relative) proof."""
        return [t for t in self.tracks if t.violation is None and t.proof is None]

    def lemmas(self, goals: list[str], base: bool = False) -> list[str]:
        """Goals usable as invariants besides ``goals``.

        Closure is one even before it is proved: proofs that use it are
        relative until it is (``Track.relative``), and the base case checks
        it first at each depth.  In explain mode proved checks are not
        lemmas, so that each proof's parameter core stays its own.

        ``base``: for a query from the initial state, which meets only
        reachable states anyway: proved invariants (Houdini's facts, the
        reached states, proved checks) tell it nothing, and their terms at
        every step slowed the catalogue's violations down by a sixth.
        """
        out = ["closure"] if self.closure and "closure" not in goals else []
        if base:
            return out
        out += list(self.fact_goals)  # proved invariants (of the blocked system)
        if not self.explain:
            out += [t.goal for t in self.tracks if t.proof is not None]
        return out

    def groups(self, names: list[str]) -> list[list[str]]:
        """Goals to query together: all at once, or one by one."""
        return [names] if self.settings.joint and names else [[n] for n in names]

    # -- the loop ------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None) -> int:
        """Deepen until every check is decided or the bound; the depth reached."""
        u = self.unrolling
        bound = self.settings.bound
        for k in range(bound + 1):
            if progress is not None:
                progress(sum(not self.decided(t) for t in self.tracks), k)
            if k > 0:
                u.extend()
            if k == 0:
                self._reached()
            if k >= self.settings.facts_at and not self.trusting(k) and self.strengthened < 2:
                self._strengthen(pairs=self.strengthened == 1)
                self.strengthened += 1
            if k == 0:  # what holds in the reached states, then their runs
                self._induction(k)
                self._certify()
            self._violations(k)
            self._witnesses(k)
            if k > 0:
                self._induction(k)
            self._vacuity(k)
            if all(self.decided(t) for t in self.tracks):
                return max(k, self.confirmed)
            if k > 0 and not self.trusting(k):
                ended = u.exhausted()
                if not ended.sat:
                    self._exhausted(k, ended.core)
                    return k
        return bound

    def trusting(self, k: int) -> bool:
        """Whether depth ``k`` is within the reached states' depth, their
        invariant proved: then 0-induction has proved all it can, and the
        rest is for the base case to find, no deeper than that.  Past it,
        the enumeration was wrong somewhere (a goal it says fails was not
        found failing): k-induction and Houdini take over, as without it."""
        return "reached" in self.fact_goals and k <= self.reached_depth

    def _reached(self) -> None:
        """The reached states as a lemma, when Z3 proves them inductive."""
        if self.settings.reached:
            found = reached.prove(self.system, self.deadline,
                                  [t.failure() for t in self.tracks], self.settings.bound)
            self.found = found
            if found is not None:
                self.reached_depth = found.depth
                self.fact_goals["reached"] = found.core
                self.unrolling.goal("reached", lambda k: found.invariant)
                # What the engine will ask of the states, found in one pass.
                found.look_for([*self.witnessed.values(),
                                *(t.failure() for t in self.tracks)])
                for name, expr in self.witnessed.items():
                    first = found.first(expr)
                    self.hint[name] = found.depth + 1 if first is None else first

    def _certify(self) -> None:
        """With the levels of the reached states proved, settle at depth 0
        what the base case would find depth by depth: a check that fails
        first at level ``d`` of the enumeration fails nowhere below it
        (one query over state 0: a state ``j`` steps away is at level
        ``j`` or less), and the enumeration's run of ``d`` steps to it,
        confirmed in Z3's relation (``runs.py``), is a shortest
        counterexample; a witness's run shows it reached.  Whatever a
        query does not confirm is left to the depth-by-depth search.
        Not before closure is proved: a domain left in a reachable state
        is the model's bug, which the base case reports."""
        found = self.found
        if found is None or not self.closure_proved:
            return
        u = self.unrolling
        runs = {t.goal: found.run(t.failure())
                for t in self.open()}
        runs = {goal: run for goal, run in runs.items()
                if run is not None and len(run[1]) <= self.settings.bound}
        steps = max((len(actions) for _, actions in runs.values()), default=0)
        if runs and found.levelled(steps):
            for t in self.open():
                if t.goal not in runs:
                    continue
                states, actions = runs[t.goal]
                if actions and u.query([u.holds("reached", 0), self._below(len(actions)),
                                        u.fails([t.goal], 0)]).sat:
                    continue  # the run is not a shortest one
                if self._confirm(states, actions, t.goal):
                    t.violation = self._counterexample(t.check, actions)
        wanted = {t.witness for t in self.tracks if not self.decided(t)}
        for name in sorted(wanted):
            if not self.seen[name]:
                run = found.run(self.witnessed[name])
                if (run is not None and len(run[1]) <= self.settings.bound
                        and self._confirm(*run, name)):
                    self.seen[name] = True

    def _below(self, steps: int) -> z3.ExprRef:
        """A literal: state 0 is at a level below ``steps`` (proved)."""
        name = f"below{steps}"
        if name not in self.unrolling.goals:
            term = self.found.below(steps)
            self.unrolling.goal(name, lambda k, term=term: term)
        return self.unrolling.holds(name, 0)

    def _confirm(self, states: list, actions: list[int], goal: str) -> bool:
        """Whether Z3's relation confirms the run; the depth it reached."""
        if not self.runs.confirm(states, actions, goal):
            return False
        self.confirmed = max(self.confirmed, len(actions))
        return True

    @property
    def runs(self) -> Runs:
        """What confirms proposed runs (``runs.Runs``), made when first needed."""
        if self._runs is None:
            self._runs = Runs(self.system, self.unrolling.term)
        return self._runs

    def _strengthen(self, pairs: bool) -> None:
        """Houdini facts as lemmas, once a few depths have not settled it;
        one depth later, if still unsettled, stronger facts (antecedents of
        a program counter and a variable), which cost more to find."""
        if self.settings.facts and not all(self.decided(t) for t in self.tracks):
            facts, conjunction, core = houdini(self.system, self.deadline, pairs)
            if facts:
                name = "facts2" if pairs else "facts"
                self.facts += facts
                self.fact_goals[name] = core
                self.unrolling.goal(name, lambda k: conjunction)  # at 0, shifted

    def _violations(self, k: int) -> None:
        """Base case: does closure, or an open check, fail first at step ``k``?"""
        u = self.unrolling
        by_goal = {t.goal: t for t in self.open()}
        # Closure proved (an invariant) needs no base case any more.
        names = (["closure"] if self.closure and not self.closure_proved else []
                 ) + list(by_goal)
        for group in self.groups(names):
            while group:
                answer = u.reach(group, k, self.lemmas(group, base=True))
                if not answer.sat:
                    for name in group:
                        if name == "closure":
                            self.closure_core |= self._parameters(answer)
                        else:
                            self._record(by_goal[name], answer)
                    break
                actions = u.actions(answer.model, k)
                if "closure" in group and not u.true_at(answer.model, "closure", k):
                    raise DomainError(f"{self.model.name}: after actions {actions}: "
                                      f"{self.system.leaving(answer.model, k)}")
                failing = [n for n in group if not u.true_at(answer.model, n, k)]
                for name in failing:
                    by_goal[name].violation = self._counterexample(by_goal[name].check,
                                                                   actions)
                group = [n for n in group if n not in failing]

    def _witnesses(self, k: int) -> None:
        """Base case for the witnesses: is one of them reached at step
        ``k``?  Asked of all at once, each one a path shows reached then
        set aside (a witness is only ever said reached by a path).
        With the reached states proved invariant, a witness is first asked
        for at the depth where they have it (``hint``): a run Z3 finds
        there is as good as one found deeper in the search; if none is
        found, it is asked for at every depth on, as without a hint."""
        wanted = {t.witness for t in self.tracks if not self.decided(t)}
        unseen = [n for n in sorted(wanted) if not self.seen[n] and not self.never[n]
                  and self.hint.get(n, 0) <= k]
        for group in self.groups(unseen):
            while group:
                answer = self.unrolling.hits(group, k)
                if not answer.sat:
                    break
                found = [n for n in group if not self.unrolling.true_at(answer.model, n, k)]
                for name in found:
                    self.seen[name] = True
                group = [n for n in group if n not in found]

    def _induction(self, k: int) -> None:
        """Step case: which open goals are ``k``-inductive (closure among them).

        With the reached states proved invariant, 0-induction decides all
        (``trusting``): a goal it does not prove fails in a state of the
        invariant, and only the base case can tell at which depth."""
        if k > 0 and self.trusting(k):
            return
        by_goal = {t.goal: t for t in self.open()}
        names = ([] if self.closure_proved else ["closure"]) + [
            name for name, t in by_goal.items() if not (k == 0 and self._fails_in_reached(t))]
        for group in self.groups(names):
            while group:  # drop the goals a counterexample to induction breaks
                answer = self.unrolling.inductive(group, k, self.lemmas(group))
                if not answer.sat:
                    break
                group = [n for n in group if self.unrolling.true_at(answer.model, n, k)]
            for name in group:
                if name == "closure":
                    self.closure_proved = True
                    self.closure_core |= self._parameters(answer)
                    continue
                t = by_goal[name]
                t.proof = f"proved by {k}-induction" if k else "proved by invariant"
                self._record(t, answer)

    def _fails_in_reached(self, t: Track) -> bool:
        """Whether the enumeration has a state where ``t`` fails: then its
        reached states prove nothing of it (it is left out of 0-induction,
        which would only find that state again; the base case, or the
        enumeration's run, ``_certify``, shows the failure)."""
        return self.found is not None and "reached" in self.fact_goals and (
            self.found.first(t.failure()) is not None)

    def _vacuity(self, k: int) -> None:
        """Prove unreachable the witnesses of proved checks not reached yet
        (with the reached states proved invariant, at depth 0 only)."""
        if k > 0 and self.trusting(k):
            return
        wanted = {t.witness for t in self.tracks
                  if t.violation is None and t.proof is not None}
        for name in sorted(wanted):
            if not self.seen[name] and not self.never[name]:
                self.never[name] = not self.unrolling.inductive(
                    [name], k, self.lemmas([name])).sat

    def _exhausted(self, k: int, core: frozenset[int]) -> None:
        """No loop-free run has ``k`` steps: depths below ``k`` were everything."""
        self.closure_proved = True
        self.closure_core |= core
        for t in self.open():
            t.proof = f"proved: no loop-free run is longer than {k - 1} steps"
            t.core |= core
        for name, seen in self.seen.items():
            self.never[name] = not seen

    def _parameters(self, answer: Answer) -> set[int]:
        """The parameters a refutation used, with those its lemmas rest on."""
        used = [core for name, core in self.fact_goals.items() if name in answer.used]
        return set(answer.core).union(*used)

    def _record(self, t: Track, answer: Answer) -> None:
        """Keep the parameters a refutation used, and whether it used closure."""
        t.core |= self._parameters(answer)
        t.leaned = t.leaned or "closure" in answer.used

    def _counterexample(self, check: Check, actions: list[int]) -> Verdict:
        """Replay the decoded run (the confirmation); name the failed condition."""
        trace = Trace.replay(self.model, actions)
        for condition in check.always:
            if not evaluate(condition.expr, trace.final):
                trace.failed = condition
                return Verdict("violated", f"depth {len(actions)}", trace,
                               depth=len(actions))
        raise ReplayError(f"{self.model.name}: {check.name}: the decoded run of "
                          f"{len(actions)} steps ends where every condition holds")

    # -- verdicts ------------------------------------------------------------
    def core(self, t: Track) -> set[int]:
        """The parameters the proof of ``t`` used (closure's proof included)."""
        return t.core | (self.closure_core if t.relative and t.leaned else set())

    def verdict(self, t: Track, reached: int) -> Verdict:
        """The verdict on one check, in the words of ``explicit.judge``."""
        if t.violation is not None:
            return t.violation
        if not self.proved(t):
            return Verdict("unknown", f"no violation up to depth {reached}; not proved",
                           depth=reached)
        label = t.check.witness.label
        if self.never[t.witness]:
            return Verdict("unknown", f"vacuous: never \"{label}\"", depth=reached)
        if not self.seen[t.witness]:
            return Verdict("unknown", f"{t.proof}, but \"{label}\" is not reached up "
                           f"to depth {reached}", depth=reached)
        return Verdict("holds", t.proof, depth=reached)
