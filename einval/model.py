"""A ground transition system: the one thing both engines check.

Stateright's four ideas, written as data so that Z3 can read them too:

- ``variables`` (finite domains) and their ``init`` values: the initial state;
- ``actions``: named, atomic, each with an ``actor``, a ``guard`` and parallel
  ``updates`` (variable := expression over the old state); the next state is
  the old one with the updates applied;
- ``properties``: ``Check``s, each a list of ``Condition``s that must hold in
  every reachable state, plus a witness that must be reachable.

Designs and scenarios never build this by hand: ``world.build`` does, from
a scenario, a design and the properties.  ``views`` say how to show state in
a trace (``log[G1] = [G1#1]`` rather than two slot variables).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .lang import BOOL, INT, Expr, ExprLike, If, Op, Var, lift, variables_of


@dataclass(frozen=True)
class Domain:
    """Values ``0 .. len(labels)-1``, each shown as its label."""

    labels: tuple[str, ...]

    @staticmethod
    def range(n: int) -> Domain:
        """The integers ``0 .. n`` shown as themselves."""
        return Domain(tuple(str(i) for i in range(n + 1)))

    @staticmethod
    def enum(*labels: str) -> Domain:
        return Domain(tuple(labels))

    @property
    def size(self) -> int:
        return len(self.labels)

    def value(self, label: str) -> int:
        return self.labels.index(label)

    def label(self, value: int) -> str:
        return self.labels[value]


BOOLEAN = Domain(("false", "true"))


@dataclass(frozen=True)
class Variable:
    """One state variable.

    ``frozen`` variables never change: they are the parameters of a run
    (e.g. "G1 is pinned").  A frozen variable may carry an ``assumption``
    sentence, so that the Z3 engine can name the parameters a proof needed.
    ``hidden`` variables (program counters) are left out of trace diffs
    because the action's own description already says what they changed.
    """

    index: int
    name: str
    domain: Domain
    init: int
    sort: str = INT
    frozen: bool = False
    hidden: bool = False
    assumption: str | None = None


@dataclass(frozen=True)
class View:
    """A way to show part of the state: ``render(state) -> str``."""

    name: str
    variables: tuple[int, ...]
    render: Callable[[Sequence[int]], str]


Updates = Mapping[Var, Expr]


def when(cond: ExprLike, then: Updates, otherwise: Updates | None = None) -> Updates:
    """Updates ``then`` where ``cond`` holds and ``otherwise`` where not;
    a variable only one of them assigns keeps its value in the other case."""
    otherwise = otherwise or {}
    cond = lift(cond)
    out: dict[Var, Expr] = {}
    for var in list(then) + [v for v in otherwise if v not in then]:
        out[var] = If(cond, lift(then.get(var, var)), lift(otherwise.get(var, var)))
    return out


@dataclass(frozen=True)
class Action:
    """An atomic step: when ``guard`` holds, apply ``updates`` in parallel."""

    actor: str
    name: str
    guard: Expr
    updates: tuple[tuple[int, Expr], ...]
    lane: str = ""  # the column of a sequence chart: a thread, a CPU, a program


@dataclass(frozen=True)
class Condition:
    """A named boolean expression over the state."""

    label: str
    expr: Expr


@dataclass(frozen=True)
class Check:
    """A property instantiated on one model.

    ``always``: conditions every reachable state satisfies.  ``witness``: a
    condition some reachable state satisfies, so that a property cannot hold
    merely because the failing call or the retrieval never happened.
    """

    name: str
    summary: str
    always: tuple[Condition, ...]
    witness: Condition


@dataclass(frozen=True)
class Settle:
    """Observations that are final once ``trigger`` holds.

    The world promises that once ``trigger`` holds, the variables ``reset``
    never change again (a call's observations after its caller has read
    the explanation: the call has returned, its retrieval is over).  A
    check reading them can then be judged on the transition that makes
    ``trigger`` true, and a search may store the state with them back at
    their initial values: SPIN judges such a property in the atomic step of
    the retrieval and keeps nothing.  ``sound_settles`` checks the rest
    of what that needs, on the model itself.
    """

    label: str
    trigger: Expr
    reset: tuple[int, ...]


@dataclass
class Model:
    """The ground transition system of one design in one scenario."""

    name: str
    variables: list[Variable]
    actions: list[Action]
    checks: list[Check] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    max_states: int | None = None
    max_depth: int | None = None
    settled: list[Settle] = field(default_factory=list)
    # What is compiled from this model once, for every reader of it (the
    # engines, the trace chooser): see ``search.compile.once``.  Not a
    # field of a copy: ``replace(model, ...)`` starts with none.
    compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def initial_state(self) -> tuple[int, ...]:
        return tuple(v.init for v in self.variables)

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)


class ModelBuilder:
    """Collects variables, actions and views; ``build()`` freezes them."""

    def __init__(self, name: str):
        self.name = name
        self._variables: list[Variable] = []
        self._names: set[str] = set()
        self._actions: list[Action] = []
        self._views: list[View] = []
        self._checks: list[Check] = []
        self._settled: list[Settle] = []

    # -- state -------------------------------------------------------------
    def var(
        self,
        name: str,
        domain: Domain,
        init: int | str = 0,
        *,
        boolean: bool = False,
        frozen: bool = False,
        hidden: bool = False,
        assumption: str | None = None,
        view: bool = True,
    ) -> Var:
        """Declare a variable; ``init`` is a value or one of the labels."""
        if name in self._names:
            raise ValueError(f"variable {name!r} declared twice")
        value = domain.value(init) if isinstance(init, str) else int(init)
        if not 0 <= value < domain.size:
            raise ValueError(f"initial value {init!r} of {name!r} outside its domain")
        self._names.add(name)
        sort = BOOL if boolean else INT
        index = len(self._variables)
        self._variables.append(
            Variable(index, name, domain, value, sort, frozen, hidden, assumption)
        )
        ref = Var(index, name, sort)
        if view and not hidden:
            self._views.append(
                View(name, (index,), lambda s, i=index, d=domain: d.label(int(s[i])))
            )
        return ref

    def flag(self, name: str, init: bool = False, **kw) -> Var:
        """A boolean variable."""
        return self.var(name, BOOLEAN, int(init), boolean=True, **kw)

    def view(self, name: str, variables: Iterable[Var], render) -> None:
        """Show ``variables`` together as ``name = render(state)``."""
        indices = tuple(v.index for v in variables)
        hide = set(indices)
        self._views = [v for v in self._views if not set(v.variables) <= hide]
        self._views.append(View(name, indices, render))

    def label(self, ref: Var, state: Sequence[int]) -> str:
        variable = self._variables[ref.index]
        return variable.domain.label(int(state[ref.index]))

    def variable(self, ref: Var) -> Variable:
        return self._variables[ref.index]

    @property
    def size(self) -> int:
        """How many variables are declared so far."""
        return len(self._variables)

    # -- behaviour ---------------------------------------------------------
    def action(
        self, actor: str, name: str, guard: Expr, *updates: Updates, lane: str = ""
    ) -> None:
        """Add an action; several update maps are merged, and must not overlap."""
        merged: dict[int, Expr] = {}
        for group in updates:
            for target, value in group.items():
                variable = self._variables[target.index]
                if variable.frozen:
                    raise ValueError(f"{actor}: {name}: assigns frozen {variable.name}")
                if target.index in merged:
                    raise ValueError(
                        f"{actor}: {name}: {variable.name} assigned twice in one step"
                    )
                value = lift(value)
                if value.sort != variable.sort:
                    raise TypeError(f"{actor}: {name}: {variable.name} gets a {value.sort}")
                merged[target.index] = value
        if lift(guard).sort != BOOL:
            raise TypeError(f"{actor}: {name}: guard is not boolean")
        self._actions.append(
            Action(actor, name, lift(guard), tuple(sorted(merged.items())), lane or actor)
        )

    def add_check(self, check: Check) -> None:
        self._checks.append(check)

    def settle(self, label: str, trigger: ExprLike, reset: Iterable[Var]) -> None:
        """Declare observations final once ``trigger`` holds (``Settle``)."""
        self._settled.append(Settle(label, lift(trigger),
                                    tuple(sorted(v.index for v in reset))))

    def build(self, max_states: int | None = None, max_depth: int | None = None) -> Model:
        return Model(
            self.name,
            list(self._variables),
            list(self._actions),
            list(self._checks),
            list(self._views),
            max_states,
            max_depth,
            sound_settles(self._variables, self._actions, self._checks, self._settled),
        )


def sound_settles(variables: Sequence[Variable], actions: Sequence[Action],
                  checks: Sequence[Check], settles: Sequence[Settle]) -> list[Settle]:
    """The declared settles that resetting cannot make the search see wrong.

    A settle is kept only if (1) no guard reads its variables, and no
    update of another variable does, so states that differ only in them
    have the same futures (and the same shortest paths); (2) every
    condition that reads any of them reads nothing else but them and
    frozen variables, so its value on a settled state is fixed when the
    trigger first holds; a witness, being "true somewhere", may be an
    ``or`` whose operands each obey that rule; (3) its trigger reads only
    its own variables.  The world's promise (they never change after the trigger)
    is the one part this cannot see: ``World`` declares settles only for
    what it writes itself.
    """
    if not settles:
        return []
    frozen = {v.index for v in variables if v.frozen}
    # What each guard, update and condition reads, found once for all settles.
    memo: dict[int, frozenset[int]] = {}
    guards = set().union(*(_reads(a.guard, memo) for a in actions))
    updates = [(i, _reads(e, memo)) for a in actions for i, e in a.updates]
    exprs = [c.expr for check in checks for c in check.always]
    for check in checks:
        w = check.witness.expr
        exprs += list(w.args) if isinstance(w, Op) and w.op == "or" else [w]
    reads = [_reads(e, memo) for e in exprs]
    kept = []
    for settle in settles:
        mine = set(settle.reset)
        if not set(variables_of(settle.trigger)) <= mine:
            continue
        if mine & guards:
            continue
        if any(i not in mine and mine & read for i, read in updates):
            continue
        if any(mine & read and not read <= mine | frozen for read in reads):
            continue
        kept.append(settle)
    return kept


def _reads(expr: Expr, memo: dict[int, frozenset[int]]) -> frozenset[int]:
    """The variables ``expr`` reads (``variables_of`` as a set), found once
    per tree that several actions or checks share (keyed by identity: the
    trees are the model's, alive while it is)."""
    found = memo.get(id(expr))
    if found is None:
        found = memo[id(expr)] = frozenset(variables_of(expr))
    return found
