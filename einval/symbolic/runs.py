"""Runs the enumeration proposes, confirmed in Z3's own relation.

With the reached states' levels proved (``reached.py``), the enumeration
knows a shortest run to every state: to the first state where a check
fails, to the first where a witness holds.  Finding such a run again by
bounded model checking costs one hard query per depth.  Confirming it
needs no search at all: each step of the run, its two states and its
action put into the relation's own term (``System.step``), must simplify
to true, and the goal's term in the last state to false.  Z3 evaluates
the terms every proof uses; the enumeration only proposes.  A run that is
not confirmed is not used (the engine then searches for one, depth by
depth, as without the proposal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import z3

from .compile import simplified_truth, unchecked
from .system import System

State = tuple[int, ...]


_SUBSTITUTE = unchecked(z3.Z3_substitute)


class Runs:
    """Evaluates steps and goals of one system on concrete states."""

    def __init__(self, system: System, term: Callable[[str, int], z3.ExprRef]):
        self.system = system
        self.term = term  # goal name, step -> the goal's term there
        self.relation = system.step(0)[0]  # states 0 and 1, action 0
        params = [i for i in system.frozen if system.symbolic_params]
        # What a run's states are put in for: the parameters, then states 0
        # and 1 (one state: a prefix of it), made once as one array.
        constants = [system.params[i] for i in params] + [
            system.state(j)[i] for j in (0, 1) for i in system.moving]
        self._constants = (z3.Ast * len(constants))(*[c.as_ast() for c in constants])
        self._params = [system.value(i, system.model.variables[i].init).as_ast()
                        for i in params]
        self._steps: dict[tuple[State, int, State], bool] = {}  # runs share prefixes
        self._by_action: dict[int, z3.BoolRef] = {}  # the relation, action fixed

    @staticmethod
    def _substituted(term: z3.ExprRef, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]
                     ) -> z3.BoolRef:
        """``term`` with the pairs substituted, simplified."""
        ctx = term.ctx
        before = (z3.Ast * len(pairs))(*[a.as_ast() for a, _ in pairs])
        after = (z3.Ast * len(pairs))(*[b.as_ast() for _, b in pairs])
        closed = z3.Z3_substitute(ctx.ref(), term.as_ast(), len(pairs), before, after)
        return z3.BoolRef(z3.Z3_simplify(ctx.ref(), closed), ctx)

    def _value(self, term: z3.ExprRef, states: Sequence[State]) -> bool | None:
        """``term`` with states 0 (and 1) set to ``states``, parameters to
        their scenario values: True, False, or None when it does not
        reduce to a truth value."""
        s = self.system
        values = list(self._params)
        for state in states:
            values += [s.value(i, state[i]).as_ast() for i in s.moving]
        ctx = term.ctx.ctx
        closed = _SUBSTITUTE(ctx, term.as_ast(), len(values), self._constants,
                             (z3.Ast * len(values))(*values))
        return simplified_truth(ctx, closed)  # the next call: ``closed`` still alive

    def confirm(self, states: Sequence[State], actions: Sequence[int], goal: str) -> bool:
        """Whether, from the first state (the initial one), each action
        is a step of the relation to the next state, and ``goal`` fails
        in the last."""
        s = self.system
        if len(states) != len(actions) + 1 or list(states[0]) != [
                v.init for v in s.model.variables]:
            return False
        for j, action in enumerate(actions):
            if not self._step(states[j], action, states[j + 1]):
                return False
        return self._value(self.term(goal, 0), states[-1:]) is False

    def _step(self, before: State, action: int, after: State) -> bool:
        """Whether ``action`` is a step of the relation from ``before`` to
        ``after``."""
        key = (before, action, after)
        found = self._steps.get(key)
        if found is None:
            relation = self._by_action.get(action)
            if relation is None:  # the relation for this action: much smaller
                relation = self._by_action[action] = self._substituted(
                    self.relation, [(self.system.action(0), self.system.enc.num(action))])
            found = self._steps[key] = self._value(relation, [before, after]) is True
        return found
