"""The transition system of a ``Model`` as Z3 terms over time steps.

A state variable becomes one Z3 constant per step; a frozen variable is a
parameter: one constant for the whole run (``symbolic_params``, so that a
proof can say which parameter values it needed) or simply its value.

The relation is *blocked* at the domains: a step whose update would leave
a variable's domain does not exist here, whereas the explicit engine would
take it.  ``closure(k)`` says "no action enabled in state k leaves a
domain"; the engine checks it on every reachable state, which makes both
semantics reach the same states (or reports the model's bug).
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from ..lang import BOOL, Const, Expr
from ..model import Action, Model
from .compile import (
    Encoding,
    apply,
    compile_expr,
    conj,
    disj,
    equal,
    implies,
    interval,
    ite,
    neg,
    simplified_truth,
)
from .reduction import independent_below


class System:
    """States over time and the steps between them, for one model."""

    def __init__(self, model: Model, enc: Encoding, *, symbolic_params: bool = False):
        self.model = model
        self.enc = enc
        self.symbolic_params = symbolic_params
        self._values: dict[tuple[bool, int], z3.ExprRef] = {}
        self.moving = [v.index for v in model.variables if not v.frozen]
        self.frozen = [v.index for v in model.variables if v.frozen]
        self.params: dict[int, z3.ExprRef] = {}
        for i in self.frozen:
            v = model.variables[i]
            # "@param", like a state's "@k": no name of the engine's own
            # literals ("start", "pin:...", "fact0") can be a parameter's,
            # whatever the design calls its variables.
            self.params[i] = (self._const(f"{v.name}@param", i) if symbolic_params
                              else self.value(i, v.init))
        self._states: dict[int, list[z3.ExprRef]] = {}
        self._built: dict[object, z3.ExprRef] = {}
        self._renamings: dict[int, tuple] = {}  # k -> arrays for ``shift``
        # Terms of shared subtrees, per step (``term``): guards, updates
        # and the checks' conditions share many.  Keyed by node identity,
        # so the trees compiled are kept alive with them.
        self._memos: dict[int, dict[int, z3.ExprRef]] = {}
        self._compiled: list[Expr] = []
        self._domains: dict[int, list[z3.ExprRef]] = {}
        self._named: dict[str, dict] = {}  # ``memo``
        self._unsafe = self._unsafe_updates()
        self._disabled = self._statically_disabled()
        self._independent: dict[int, list[int]] | None = None  # ``_below``

    def memo(self, name: str) -> dict:
        """A dictionary kept with the system, for terms over its states
        that several readers make (``reached.Diagram``'s value tests)."""
        return self._named.setdefault(name, {})

    # -- terms ---------------------------------------------------------------
    def _const(self, name: str, index: int) -> z3.ExprRef:
        return z3.Bool(name) if self.model.variables[index].sort == BOOL else self.enc.var(name)

    def value(self, index: int, value: int) -> z3.ExprRef:
        """A literal ``value`` in the sort of variable ``index``."""
        boolean = self.model.variables[index].sort == BOOL
        found = self._values.get((boolean, value))
        if found is None:
            found = z3.BoolVal(bool(value)) if boolean else self.enc.num(value)
            self._values[(boolean, value)] = found
        return found

    def state(self, k: int) -> list[z3.ExprRef]:
        found = self._states.get(k)
        if found is None:
            found = [
                self.params[v.index] if v.frozen else self._const(f"{v.name}@{k}", v.index)
                for v in self.model.variables
            ]
            self._states[k] = found
        return found

    def action(self, k: int) -> z3.ExprRef:
        """The number of the action taken from step ``k`` to ``k + 1``."""
        return self.enc.var(f"action@{k}")

    def term(self, expr: Expr, k: int, memo: dict[int, z3.ExprRef] | None = None
             ) -> z3.ExprRef:
        """The term of ``expr`` over state ``k`` (with ``memo``, or the
        system's own for that step)."""
        if memo is None:
            memo = self._memos.setdefault(k, {})
            self._compiled.append(expr)
        return compile_expr(expr, self.state(k), self.enc, memo)

    # -- constraints -------------------------------------------------------
    def initial(self, k: int = 0) -> list[z3.ExprRef]:
        """State ``k`` is the initial state (parameters aside)."""
        s = self.state(k)
        return [equal(s[i], self.value(i, self.model.variables[i].init)) for i in self.moving]

    def param_values(self) -> dict[int, z3.ExprRef]:
        """Each symbolic parameter equals its scenario value, one constraint each."""
        if not self.symbolic_params:
            return {}
        return {i: self.params[i] == self.value(i, self.model.variables[i].init)
                for i in self.frozen}

    def in_domain(self, k: int) -> list[z3.ExprRef]:
        """Every integer variable of state ``k`` lies in its domain."""
        found = self._domains.get(k)
        if found is None:
            found = self._domains[k] = self._in_domain(k)
        return list(found)

    def _in_domain(self, k: int) -> list[z3.ExprRef]:
        s = self.state(k)
        indices = self.moving if k > 0 else self.moving + (
            self.frozen if self.symbolic_params else [])
        zero = self.enc.num(0)
        return [
            conj([apply("ge", [s[i], zero]),
                  apply("lt", [s[i], self.enc.num(self.model.variables[i].domain.size)])])
            for i in indices if self.model.variables[i].sort != BOOL
        ]

    def _statically_disabled(self) -> set[int]:
        """Actions whose guard is false whatever the state (e.g. pinned):
        Z3 simplifies the guard's term to false."""
        guards = [self.term(a.guard, 0) for a in self.model.actions]
        return {n for n, g in enumerate(guards)
                if simplified_truth(g.ctx.ctx, g.ast) is False}

    def shift(self, term: z3.ExprRef, k: int) -> z3.ExprRef:
        """``term`` over states and actions 0 and 1, moved to k and k + 1.

        Building a term once and renaming its constants is one call into
        Z3, where building it again is thousands of Python-side calls.
        """
        if k == 0:
            return term
        found = self._renamings.get(k)
        if found is None:
            pairs = [(self.action(0), self.action(k)), (self.action(1), self.action(k + 1))]
            for j in (0, 1):
                pairs += [(self.state(j)[i], self.state(j + k)[i]) for i in self.moving]
            # ``z3.substitute`` checks each pair's sorts on every call: the
            # arrays are built once per k and Z3 is called directly.
            found = (len(pairs), (z3.Ast * len(pairs))(*[a.as_ast() for a, _ in pairs]),
                     (z3.Ast * len(pairs))(*[b.as_ast() for _, b in pairs]), pairs)
            self._renamings[k] = found
        count, before, after, _ = found
        ctx = term.ctx
        return z3.z3._to_expr_ref(
            z3.Z3_substitute(ctx.ref(), term.as_ast(), count, before, after), ctx)

    def at(self, key: object, build: Callable[[], z3.ExprRef], k: int) -> z3.ExprRef:
        """The term ``build()`` makes at step 0, shifted to step ``k``.

        ``key`` names the term: it is built once, then only renamed.
        """
        found = self._built.get(key)
        if found is None:
            found = self._built[key] = build()
        return self.shift(found, k)

    def step(self, k: int) -> list[z3.ExprRef]:
        """State ``k + 1`` follows from state ``k`` (shifted from step 0)."""
        return [self.at("step", lambda: conj(self._step(0)), k)]

    def _step(self, k: int) -> list[z3.ExprRef]:
        """State ``k + 1`` follows from state ``k`` by ``action(k)``.

        Each next-state variable is an ``If`` chain over the actions that
        assign it (the frame is the default), so the successor is a
        function of (state, action): the solver propagates, not searches.
        """
        now, nxt, act = self.state(k), self.state(k + 1), self.action(k)
        actions = self.model.actions
        memo = self._memos.setdefault(k, {})  # the model's own trees: alive
        out = [self.action_range(k)]
        taking = [equal(act, self.enc.num(n)) for n in range(len(actions))]
        out.extend(neg(taking[n]) for n in sorted(self._disabled))
        assigned: dict[int, list[tuple[int, z3.ExprRef]]] = {i: [] for i in self.moving}
        for number, a in enumerate(actions):
            if number in self._disabled:
                continue
            guard = compile_expr(a.guard, now, self.enc, memo)
            if not (isinstance(a.guard, Const) and a.guard.value):  # true: no term
                out.append(implies(taking[number], guard))
            for index, expr in a.updates:
                assigned[index].append((number, compile_expr(expr, now, self.enc, memo)))
        for index in self.moving:
            value = now[index]
            for number, term in reversed(assigned[index]):
                value = ite(taking[number], term, value)
            out.append(equal(nxt[index], value))
        out.extend(self.in_domain(k + 1))
        return out

    def action_range(self, k: int) -> z3.ExprRef:
        act = self.action(k)
        return z3.And(act >= 0, act < self.enc.num(len(self.model.actions)))

    def distinct(self, i: int, j: int) -> z3.ExprRef:
        """States ``i`` and ``j`` differ (parameters never do)."""
        a, b = self.state(i), self.state(j)
        return disj([neg(equal(a[x], b[x])) for x in self.moving], a[0].ctx)

    def ordered(self, k: int) -> list[z3.ExprRef]:
        """Independent actions at steps ``k - 1``, ``k`` come in increasing order.

        Each run has one such representative per commutation class (the
        lexicographically least), reaching the same state in as many steps,
        so shortest counterexamples and proofs survive; the solver no longer
        explores every interleaving of actions that do not interact.
        """
        return [self.at("ordered", lambda: z3.And(self._ordered()), k - 1)]

    def _below(self) -> dict[int, list[int]]:
        """Which smaller actions each action is independent of (found when
        first needed: a run settled at depth 0 never orders steps)."""
        if self._independent is None:
            fixed = ({} if self.symbolic_params else
                     {i: self.model.variables[i].init for i in self.frozen})
            self._independent = independent_below(self.model, fixed)
        return self._independent

    def _ordered(self) -> list[z3.ExprRef]:
        before, now = self.action(0), self.action(1)
        out = [z3.BoolVal(True)]
        for b, smaller in self._below().items():
            if smaller:
                out.append(z3.Implies(before == self.enc.num(b),
                                      z3.And([now != self.enc.num(a) for a in smaller])))
        return out

    # -- closure -------------------------------------------------------------
    def _unsafe_updates(self) -> list[tuple[Action, int, Expr]]:
        """Updates whose value may leave the domain, as far as intervals tell."""
        out = []
        for a in self.model.actions:
            for index, expr in a.updates:
                v = self.model.variables[index]
                if v.sort == BOOL:
                    continue
                lo, hi = interval(expr, self.model)
                if lo < 0 or hi >= v.domain.size:
                    out.append((a, index, expr))
        return out

    def _leaves(self, k: int) -> list[tuple[Action, int, z3.ExprRef]]:
        memo: dict[int, z3.ExprRef] = {}
        out = []
        for a, index, expr in self._unsafe:
            size = self.enc.num(self.model.variables[index].domain.size)
            value = self.term(expr, k, memo)
            out.append((a, index, z3.And(self.term(a.guard, k, memo),
                                         z3.Or(value < 0, value >= size))))
        return out

    @property
    def has_closure(self) -> bool:
        """Whether any update might leave its domain (else closure is trivial)."""
        return bool(self._unsafe)

    def closure(self, k: int) -> z3.ExprRef:
        """No action enabled in state ``k`` takes a variable out of its domain."""
        return self.at("closure", lambda: z3.Not(z3.Or([bad for _, _, bad in self._leaves(0)])),
                       k)

    def leaving(self, z3model: z3.ModelRef, k: int) -> str:
        """Which enabled action leaves a domain in state ``k`` of ``z3model``."""
        for a, index, bad in self._leaves(k):
            if z3.is_true(z3model.eval(bad, model_completion=True)):
                name = self.model.variables[index].name
                return f"{a.actor}: {a.name}: sets {name} outside its domain"
        return "an action leaves a variable's domain"
