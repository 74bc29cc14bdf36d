"""One incremental solver for BMC, k-induction and the exhaustion check.

The solver holds a single unrolled path: states ``0 .. depth``, linked by
the transition relation, pairwise distinct (a simple path: every shortest
counterexample is one, and k-induction over simple paths is complete on a
finite system), with independent actions in a fixed order.  Whether state
0 is the initial state is a literal (``start``), so one unrolling serves
both the base case (with ``start``) and the inductive step (without).
Goals are state predicates; "goal holds at step j" and "goal fails at step
j" are literals too, and every query is a ``check`` under assumptions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from ..deadline import Deadline, TimeLimit
from .compile import assert_terms, conj, disj, implies, neg
from .system import System

GoalTerm = Callable[[int], z3.ExprRef]  # step -> the goal's term at that step


@dataclass
class Answer:
    """A query's outcome: a Z3 model if satisfiable, else the parameters used."""

    sat: bool
    model: z3.ModelRef | None = None
    core: frozenset[int] = frozenset()  # frozen variable indices (symbolic params)
    used: frozenset[str] = frozenset()  # goals whose literals the refutation used


def check(solver: z3.Solver, assumptions: Sequence[z3.ExprRef], deadline: Deadline
          ) -> bool:
    """Whether ``solver`` is satisfiable under ``assumptions``, within the
    run's time limit: the solver's timeout is the time left, and when it
    gives up then, ``TimeLimit``; a give-up without a limit is Z3's failure."""
    deadline.check()
    ms = deadline.milliseconds()
    if ms is not None:
        solver.set("timeout", ms)
    result = solver.check(*assumptions)
    if result == z3.unknown:
        if ms is not None:
            raise TimeLimit(deadline.detail)
        raise RuntimeError(f"z3 gave up: {solver.reason_unknown()}")
    return result == z3.sat


class Unrolling:
    """A path of ``depth + 1`` states in one solver, extended step by step.

    With symbolic parameters, each one's scenario value is a literal
    (``pins``) assumed by every query, so that a refutation's unsat core
    names the parameters it used.
    """

    def __init__(self, system: System, *, reduce: bool = True,
                 deadline: Deadline | None = None):
        self.system = system
        self.reduce = reduce
        self.deadline = deadline or Deadline()
        self.solver = system.enc.solver()
        if system.symbolic_params:
            self.solver.set("core.minimize", True)
        self.depth = 0
        self._simple = 0  # steps up to which the path is made simple (``simple``)
        self.start = z3.Bool("start")
        assert_terms(self.solver, implies(self.start, conj(system.initial(0), self.start.ctx)))
        assert_terms(self.solver, system.in_domain(0))
        self.pins: dict[z3.ExprRef, int] = {}
        for index, constraint in system.param_values().items():
            pin = z3.Bool(f"pin:{system.model.variables[index].name}")
            assert_terms(self.solver, z3.Implies(pin, constraint))
            self.pins[pin] = index
        self._goals: dict[str, GoalTerm] = {}
        self._terms: dict[tuple[str, int], z3.ExprRef] = {}
        self._owner: dict[z3.ExprRef, tuple[str, ...]] = {}  # literal -> its goals
        self._literals: dict[tuple[tuple[str, ...], int, bool], z3.ExprRef] = {}

    def extend(self) -> None:
        """Add one step: state ``depth + 1``."""
        s, k = self.system, self.depth
        assert_terms(self.solver, s.step(k))
        if self.reduce and k > 0:
            assert_terms(self.solver, s.ordered(k))
        self.depth = k + 1

    def simple(self) -> None:
        """Make the path simple: every state distinct from all before it.

        Only the step case and the exhaustion check need it (for them to
        be complete); the base case finds shortest runs, which are simple
        anyway, so these quadratically many terms are added only once a
        query needs them, and then kept."""
        s = self.system
        while self._simple < self.depth:
            k = self._simple
            assert_terms(self.solver, [s.distinct(i, k + 1) for i in range(k + 1)])
            self._simple = k + 1

    # -- goals -------------------------------------------------------------
    def goal(self, name: str, term: GoalTerm) -> None:
        self._goals[name] = term

    @property
    def goals(self) -> set[str]:
        """The names of the goals known so far."""
        return set(self._goals)

    def term(self, name: str, j: int) -> z3.ExprRef:
        """The term of goal ``name`` at step ``j`` (compiled once)."""
        key = (name, j)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = self.system.at(
                ("goal", name), lambda: self._goals[name](0), j)
        return found

    def holds(self, name: str, j: int) -> z3.ExprRef:
        """A literal that, assumed, makes goal ``name`` hold at step ``j``."""
        key = ((name,), j, True)
        lit = self._literals.get(key)
        if lit is None:
            lit = z3.Bool(f"+{name}@{j}")
            assert_terms(self.solver, implies(lit, self.term(name, j)))
            self._literals[key] = lit
            self._owner[lit] = (name,)
        return lit

    def fails(self, names: Sequence[str], j: int) -> z3.ExprRef:
        """A literal that, assumed, makes one of the goals fail at step ``j``."""
        key = (tuple(names), j, False)
        lit = self._literals.get(key)
        if lit is None:
            lit = z3.Bool(f"-{'|'.join(names)}@{j}")
            assert_terms(self.solver, implies(lit, disj([neg(self.term(n, j)) for n in names])))
            self._literals[key] = lit
            self._owner[lit] = tuple(names)
        return lit

    def premises(self, names: Sequence[str], k: int, lemmas: Sequence[str]
                 ) -> list[z3.ExprRef]:
        """The goals hold before step ``k``; proved invariants hold up to it."""
        return ([self.holds(n, j) for n in names for j in range(k)]
                + [self.holds(n, j) for n in lemmas for j in range(k + 1)])

    # -- queries -----------------------------------------------------------
    def query(self, assumptions: list[z3.ExprRef]) -> Answer:
        """One check under assumptions, within the run's time limit."""
        if check(self.solver, [*assumptions, *self.pins], self.deadline):
            return Answer(True, self.solver.model())
        core = self.solver.unsat_core()
        pins = frozenset(self.pins[c] for c in core if c in self.pins)
        used = frozenset(n for c in core for n in self._owner.get(c, ()))
        return Answer(False, core=pins, used=used)

    def reach(self, names: Sequence[str], k: int, lemmas: Sequence[str] = ()) -> Answer:
        """From the initial state, the goals hold until one fails at step ``k``."""
        return self.query([self.start, *self.premises(names, k, lemmas),
                           self.fails(names, k)])

    def hits(self, names: Sequence[str], k: int) -> Answer:
        """From the initial state, one of the goals fails at step ``k``
        (whether or not it did before: a witness needs a run, not the
        shortest)."""
        return self.query([self.start, self.fails(names, k)])

    def inductive(self, names: Sequence[str], k: int, lemmas: Sequence[str] = ()
                  ) -> Answer:
        """From anywhere, the goals hold for ``k`` steps, then one fails."""
        self.simple()
        return self.query([*self.premises(names, k, lemmas), self.fails(names, k)])

    def exhausted(self) -> Answer:
        """Whether some loop-free run from the initial state is ``depth``
        steps long."""
        self.simple()
        return self.query([self.start])

    def actions(self, z3model: z3.ModelRef, k: int) -> list[int]:
        """The action numbers of the first ``k`` steps of a satisfying path."""
        return [z3model.eval(self.system.action(j), model_completion=True).as_long()
                for j in range(k)]

    def true_at(self, z3model: z3.ModelRef, name: str, k: int) -> bool:
        """Whether goal ``name`` holds at step ``k`` of a satisfying path."""
        return z3.is_true(z3model.eval(self.term(name, k), model_completion=True))
