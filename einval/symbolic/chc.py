"""Spacer: the fallback proof when k-induction has not converged.

The invariant question as constrained Horn clauses, over the same terms
as the unrolling: ``Inv(x) <- Init(x)``, ``Inv(x') <- Inv(x), T(x, x')``,
``Err <- Inv(x), not P(x)``.  Spacer (IC3/PDR over the clauses) answers
unsat when it finds an inductive invariant: then no reachable state
violates ``P``, for runs of any length.
"""

from __future__ import annotations

import z3

from ..deadline import Deadline
from ..lang import And
from ..model import Check
from .system import System

TIMEOUT_MS = 60_000


def prove(system: System, check: Check, timeout_ms: int = TIMEOUT_MS,
          deadline: Deadline | None = None) -> bool:
    """Whether Spacer proves every condition of ``check`` (and domain closure),
    within ``timeout_ms`` and what is left of the run's ``deadline``."""
    deadline = deadline or Deadline()
    deadline.check()
    fp = z3.Fixedpoint()
    fp.set(engine="spacer", timeout=deadline.milliseconds(timeout_ms))
    now, nxt = system.state(0), system.state(1)
    frozen = [system.params[i] for i in system.frozen] if system.symbolic_params else []
    x = [now[i] for i in system.moving] + frozen
    y = [nxt[i] for i in system.moving] + frozen
    inv = z3.Function("Inv", *[t.sort() for t in x], z3.BoolSort())
    err = z3.Function("Err", z3.BoolSort())
    fp.register_relation(inv, err)
    fp.declare_var(*x, *y[:len(system.moving)], system.action(0))
    fp.rule(inv(*x), system.initial(0) + list(system.param_values().values())
            + system.in_domain(0))
    fp.rule(inv(*y), [inv(*x), *system.step(0)])
    good = system.term(And(c.expr for c in check.always), 0)
    if system.has_closure:
        good = z3.And(good, system.closure(0))
    fp.rule(err(), [inv(*x), z3.Not(good)])
    try:
        return fp.query(err()) == z3.unsat
    except z3.Z3Exception:  # canceled at the timeout
        return False
