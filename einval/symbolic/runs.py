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

from .system import System

State = tuple[int, ...]


class Runs:
    """Evaluates steps and goals of one system on concrete states."""

    def __init__(self, system: System, term: Callable[[str, int], z3.ExprRef]):
        self.system = system
        self.term = term  # goal name, step -> the goal's term there
        self.relation = system.step(0)[0]  # states 0 and 1, action 0
        self.params = [(system.params[i], system.value(i, system.model.variables[i].init))
                       for i in system.frozen if system.symbolic_params]
        self._steps: dict[tuple[State, int, State], bool] = {}  # runs share prefixes
        self._by_action: dict[int, z3.BoolRef] = {}  # the relation, action fixed

    def _assign(self, states: Sequence[State]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """State ``j``'s variables set to ``states[j]``, parameters to
        their scenario values."""
        s = self.system
        pairs = list(self.params)
        for j, state in enumerate(states):
            pairs += [(s.state(j)[i], s.value(i, state[i])) for i in s.moving]
        return pairs

    @staticmethod
    def _substituted(term: z3.ExprRef, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]
                     ) -> z3.BoolRef:
        """``term`` with the pairs substituted, simplified."""
        ctx = term.ctx
        before = (z3.Ast * len(pairs))(*[a.as_ast() for a, _ in pairs])
        after = (z3.Ast * len(pairs))(*[b.as_ast() for _, b in pairs])
        closed = z3.Z3_substitute(ctx.ref(), term.as_ast(), len(pairs), before, after)
        return z3.BoolRef(z3.Z3_simplify(ctx.ref(), closed), ctx)

    def _value(self, term: z3.ExprRef, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]
               ) -> bool | None:
        """``term`` with the pairs substituted: True, False, or None when
        it does not reduce to a truth value."""
        value = self._substituted(term, pairs)
        return True if z3.is_true(value) else False if z3.is_false(value) else None

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
        return self._value(self.term(goal, 0), self._assign(states[-1:])) is False

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
            found = self._steps[key] = self._value(
                relation, self._assign([before, after])) is True
        return found
