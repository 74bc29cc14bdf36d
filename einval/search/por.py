"""Partial-order reduction: stubborn sets for the breadth-first search.

Most steps of one thread touch only that thread's state; exploring every
order of two such steps of different threads only finds the same states
again.  A stubborn set (Valmari; Godefroid's persistent sets, SPIN's
ample sets) is a set of actions such that no run of actions outside it
can change what the actions in it do, so expanding only its enabled
actions keeps every reachable *observable* behaviour.

The units are *sub-actions*: an action restricted to one value of the
variable its guard is indexed by (``pc[G1] == 3``, as ``compile`` files
them), and to one value of each variable the conditions of its
conditional writes read (``log[G2] := 0 if registered[M1] == 2 else
log[G2]`` writes only where ``registered[M1]`` is 2).  Splitting an
action by conditions on the state it starts from changes no run, and
the values make dependence finer: "G1 leaves pc 0 for pc 1" does not
touch the guard of a G2 step that only asks "G1 is not at pc 2 or 3".

Nothing is hand-listed: every relation below is read off the compiled
guards and updates (the ``Expr`` trees, with the run's frozen parameters
and the sub-action's values folded in), by these rules.

- ``W(a)``: the variables ``a`` assigns (``x := x`` is no write); a
  sub-action that can make a settle trigger true also writes that
  settle's observations, since the search resets them in the same step.
- ``R(a)``: the variables its guard and its update expressions read.
- ``pinned(a)``: the variables ``a``'s guard allows one value only.
- ``a`` and ``b`` *may be enabled together* unless one's guard folds to
  false with the other's pinned values.
- ``a`` *may change* ``b`` when some ``x`` in ``W(a) & R(b)``, set to a
  value it can have just before ``a`` (the values ``a``'s guard allows)
  and to one it can have just after (the constant ``a`` assigns, else
  any), with ``a``'s pinned values that it does not write, makes ``b``'s
  guard fold from a tree that is not false to one that is neither the
  same tree nor true, or makes one of ``b``'s updates fold to another
  tree.
- ``a`` and ``b`` are *dependent* when they may be enabled together and
  ``W(a) & W(b)`` is not empty or either may change the other.  Two that
  are not commute wherever both are enabled, and neither disables the
  other.
- ``a`` *may enable* a conjunct of a guard when, for some ``x`` it
  writes, the conjunct folds differently before and after ``a`` and
  not to false after.
- *Visible*: a sub-action that writes a variable read (frozen
  parameters folded in first) by a condition of a check not yet
  violated, or by the witness of a check not yet witnessed.  An
  invisible step changes the value of no condition still undecided.
  Deciding a check can only shrink the visible set: every stubborn set
  before kept the checks still undecided visible too, so the reduced
  search stays a reduction for them (the checks decided need nothing
  more).

The stubborn set of a state ``s`` is grown from one enabled invisible
sub-action: an enabled member brings in every sub-action dependent on
it; a disabled one brings in a necessary enabling set, the sub-actions
that may enable one conjunct of its guard false in ``s`` (of those
conjuncts, the one whose set brings in the fewest enabled sub-actions
not yet in).  A set whose enabled members include a visible one is
refused; every enabled invisible sub-action is tried as the seed and
the set with the fewest enabled members is kept; with none, the state
is fully expanded.  An enabled member's dependents need only be those
it may be enabled together with: a run outside the set keeps the member
enabled, so whatever runs beside it is enabled together with it.

Cycle proviso (``core.search``): a cycle of reduced states could
postpone some action forever (the ignoring problem); the proviso makes
every cycle of the stored graph hold a fully expanded state.  In
breadth-first order an edge that does not go one level deeper is the
only way to close a cycle, so a state whose reduced successors include
a stored state not one level deeper is fully expanded.  (Bošnački,
Leue and Lluch Lafuente state the proviso for breadth-first search in
terms of open and closed states; this one is more conservative: it also
expands a state whose successor sits on the current level.)

With symmetry reduction the set is computed on the stored representative
(a concrete state) and its successors are then replaced by
representatives; dependence and visibility are read off the actions
themselves, which the verified automorphisms map onto each other, so
they are the same for every state of an orbit; the proviso is judged on
the representatives, the graph actually stored.  The cross-checks
(tests/test_search_por.py) run with symmetry on and off.

What is kept: every reachable verdict of a safety check (conditions in
every state, a witness somewhere), since every state reachable in the
full graph is reachable in the reduced one up to invisible steps.  What
is not: the length of the shortest path, so the engine re-runs the
unreduced search, with its early stop, to report a shortest
counterexample (``explicit.check_model``); the deepest level of a
search that holds; and "within ``max_depth`` steps", so a model with a
depth bound is searched unreduced.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from itertools import product
from math import prod

from ..lang import TRUE, Const, Expr, Op, Var, to_python, variables_of
from ..model import Model
from .compile import State, _index_of, frozen_values
from .fold import allowed, fold, is_false
from .symmetry import key

MAX_SPLIT = 16  # a condition variable with more values is not split on
MAX_SPLIT_SUBS = 64  # nor an action that would split into more


@dataclass
class _Sub:
    """One action under one value of its index variable (and of the
    variables its updates' conditions read)."""

    number: int  # the action
    conjuncts: list[Expr]  # its guard: index and split conditions first
    updates: list[tuple[int, Expr]]  # residual updates, identities dropped
    writes: set[int] = field(default_factory=set)
    reads: set[int] = field(default_factory=set)


def _conjuncts(expr: Expr) -> list[Expr]:
    if isinstance(expr, Op) and expr.op == "and":
        return [c for a in expr.args for c in _conjuncts(a)]
    if isinstance(expr, Const) and expr.value:
        return []
    return [expr]


class Reduction:
    """Stubborn sets of one model (see the module doc)."""

    def __init__(self, model: Model):
        self.model = model
        frozen = frozen_values(model)
        self.sizes = [v.domain.size for v in model.variables]
        self.subs: list[_Sub] = []
        # action number -> (index variable or None, {value: sub id})
        # action number -> (index variable or None, {index value: (split
        # variables, {their values: sub id})})
        self.filing: dict[int, tuple[int | None, dict[int, tuple[tuple[int, ...],
                                                               dict[tuple, int]]]]] = {}
        for number, action in enumerate(model.actions):
            guard = fold(action.guard, frozen)
            if is_false(guard):
                continue
            updates = [(i, fold(e, frozen)) for i, e in action.updates]
            found = _index_of(model, guard, frozen)
            index, values = (None, [0]) if found is None else found
            by_value = {}
            for value in values:
                known = {} if index is None else {index: value}
                residual = fold(guard, known)
                if is_false(residual):
                    continue
                head = [] if index is None else [_equals(model, index, value)]
                by_value[value] = self._split(number, head, residual,
                                              [(i, fold(e, known)) for i, e in updates])
            self.filing[number] = (index, by_value)
        self._settle_writes(model, frozen)
        # check name -> the variables its conditions read, and its witness
        self.reading: dict[str, tuple[set[int], set[int]]] = {}
        for check in model.checks:
            conditions = set()
            for condition in check.always:
                conditions |= set(variables_of(fold(condition.expr, frozen)))
            self.reading[check.name] = (
                conditions, set(variables_of(fold(check.witness.expr, frozen))))
        self._decided: tuple[int, int] = (-1, -1)
        self.focus(set(), set())
        self._pinned: dict[int, dict[int, int]] = {}
        self._pre: dict[int, dict[int, int]] = {}
        self._vars: dict[int, tuple[frozenset[int], Expr]] = {}
        self._folds: dict[tuple[int, tuple], tuple[Expr, str]] = {}
        self._guards: dict[int, Expr] = {}
        self._enabling: dict[str, int] = {}
        self._writers: dict[int, list[int]] = {}
        self._readers: dict[int, list[int]] = {}
        for sid, sub in enumerate(self.subs):
            for x in sub.writes:
                self._writers.setdefault(x, []).append(sid)
            for x in sub.reads:
                self._readers.setdefault(x, []).append(sid)
        self.dep = [self._dependents(sid) for sid in range(len(self.subs))]
        self.nes = [self._compile_nes(sid) for sid in range(len(self.subs))]

    # -- building ------------------------------------------------------------
    def _split(self, number: int, head: list[Expr], guard: Expr,
               updates: list[tuple[int, Expr]]) -> tuple[tuple[int, ...], dict[tuple, int]]:
        """Sub-actions of one filed action, one per value of the variables
        its updates' conditions read (``log[G2] := 0 if registered[M1] ==
        2 else log[G2]`` writes ``log[G2]`` only where ``registered[M1]``
        is 2), so that a write that is no write is not a dependence."""
        written = {i for i, _ in updates}
        split: list[int] = []
        for i, e in updates:
            for condition in _conditions(e, i):
                for y in variables_of(condition):
                    if y not in split and y not in written and self.sizes[y] <= MAX_SPLIT:
                        split.append(y)
        split.sort()
        choices = []
        for y in split:
            values = allowed(guard, y, self.sizes[y])
            choices.append(sorted(values) if values is not None else range(self.sizes[y]))
        if prod(len(c) for c in choices) > MAX_SPLIT_SUBS:
            split, choices = [], []
        ids: dict[tuple, int] = {}
        for combo in product(*choices):
            known = dict(zip(split, combo))
            residual = fold(guard, known)
            if is_false(residual):
                continue
            ids[combo] = len(self.subs)
            conjuncts = head + [_equals(self.model, y, v) for y, v in known.items()]
            self._add(number, conjuncts + _conjuncts(residual),
                      [(i, fold(e, known)) for i, e in updates])
        return tuple(split), ids

    def _add(self, number: int, conjuncts: list[Expr],
             updates: list[tuple[int, Expr]]) -> None:
        kept = [(i, e) for i, e in updates if not (isinstance(e, Var) and e.index == i)]
        sub = _Sub(number, conjuncts, kept)
        sub.writes = {i for i, _ in kept}
        sub.reads = {i for c in conjuncts for i in variables_of(c)}
        sub.reads |= {i for _, e in kept for i in variables_of(e)}
        self.subs.append(sub)

    def _settle_writes(self, model: Model, frozen: dict[int, int]) -> None:
        """A step that can make a trigger true also resets that settle's
        observations (the search does it in the same step)."""
        for settle in model.settled:
            trigger = set(variables_of(fold(settle.trigger, frozen)))
            for sub in self.subs:
                if sub.writes & trigger:
                    sub.writes |= set(settle.reset)

    def focus(self, violated: Collection[str], witnessed: Collection[str]) -> None:
        """Visible: what a condition of a check not yet violated, or the
        witness of a check not yet witnessed, reads.  A decided verdict
        needs nothing more from the rest of the search, and every stubborn
        set so far kept every undecided one, so the sets may shrink."""
        self.visible_vars = set()
        for name, (conditions, witness) in self.reading.items():
            if name not in violated:
                self.visible_vars |= conditions
            if name not in witnessed:
                self.visible_vars |= witness
        self.visible = 0
        for sid, sub in enumerate(self.subs):
            if sub.writes & self.visible_vars:
                self.visible |= 1 << sid

    def _around(self, writer: _Sub, x: int) -> tuple[list[int], list[int]]:
        """The values ``x`` can have just before and just after ``writer``."""
        size = self.sizes[x]
        before = allowed(_and(writer.conjuncts), x, size) or range(size)
        after = None
        for i, e in writer.updates:
            if i == x and isinstance(e, Const):
                after = [e.value]
        if after is None:
            after = range(size) if x in writer.writes else before
        return sorted(before), sorted(after)

    def _fold(self, expr: Expr, values: dict[int, int]) -> tuple[Expr, str]:
        """``fold(expr, values)`` and its ``key``, cached: only the values
        of variables ``expr`` reads matter."""
        names = self._vars.get(id(expr))
        if names is None:
            names = self._vars[id(expr)] = (frozenset(variables_of(expr)), expr)
        relevant = tuple(sorted((y, v) for y, v in values.items() if y in names[0]))
        found = self._folds.get((id(expr), relevant))
        if found is None:
            folded = fold(expr, dict(relevant)) if relevant else expr
            found = self._folds[id(expr), relevant] = (folded, key(folded))
        return found

    def _guard(self, sid: int) -> Expr:
        found = self._guards.get(sid)
        if found is None:
            found = self._guards[sid] = _and(self.subs[sid].conjuncts)
        return found

    def _known(self, sid: int) -> dict[int, int]:
        """The variables ``sid`` reads but does not write whose value its
        guard pins down: they are the same before and after it."""
        found = self._pinned.get(sid)
        if found is None:
            sub = self.subs[sid]
            guard = self._guard(sid)
            found = {}
            for y in sorted(sub.reads - sub.writes):
                values = allowed(guard, y, self.sizes[y])
                if values is not None and len(values) == 1:
                    found[y] = next(iter(values))
            self._pinned[sid] = found
        return found

    def _fixed(self, sid: int) -> dict[int, int]:
        """The variables whose value ``sid``'s guard pins down, before it."""
        found = self._pre.get(sid)
        if found is None:
            guard = self._guard(sid)
            found = {}
            for y in sorted(set(variables_of(guard))):
                values = allowed(guard, y, self.sizes[y])
                if values is not None and len(values) == 1:
                    found[y] = next(iter(values))
            self._pre[sid] = found
        return found

    def _together(self, a: int, b: int) -> bool:
        """``a`` and ``b`` may be enabled in the same state: neither guard
        folds to false with the values the other's guard pins down."""
        return not (is_false(self._fold(self._guard(a), self._fixed(b))[0])
                    or is_false(self._fold(self._guard(b), self._fixed(a))[0]))

    def _affects(self, a: int, b: int) -> bool:
        """In a state where both are enabled, ``a`` may disable ``b`` or
        change what ``b`` writes (module doc)."""
        sa, sb = self.subs[a], self.subs[b]
        known = self._known(a)
        guard = self._guard(b)
        for x in sa.writes & sb.reads:
            if x not in {i for i, _ in sa.updates}:
                return True  # a settle reset read by b: be conservative
            before, after = self._around(sa, x)
            for old in before:
                was, was_key = self._fold(guard, {**known, x: old})
                if is_false(was):
                    continue
                writes = self._writes_key(b, {**known, x: old})
                for new in after:
                    now, now_key = self._fold(guard, {**known, x: new})
                    if not (now is TRUE or now_key == was_key):
                        return True
                    if self._writes_key(b, {**known, x: new}) != writes:
                        return True
        return False

    def _writes_key(self, sid: int, values: dict[int, int]) -> str:
        return ";".join(f"{i}={self._fold(e, values)[1]}" for i, e in self.subs[sid].updates)

    def _dependents(self, a: int) -> int:
        sa = self.subs[a]
        candidates: set[int] = set()
        for x in sa.writes | sa.reads:
            candidates.update(self._writers.get(x, ()))
        for x in sa.writes:
            candidates.update(self._readers.get(x, ()))
        mask = 0
        for b in candidates:
            if b == a:
                continue
            sb = self.subs[b]
            if not self._together(a, b):
                continue
            if sa.writes & sb.writes or self._affects(a, b) or self._affects(b, a):
                mask |= 1 << b
        return mask

    def _enablers(self, conjunct: Expr) -> int:
        """The sub-actions that may make ``conjunct`` true."""
        text = key(conjunct)
        if text in self._enabling:
            return self._enabling[text]
        mask = 0
        for x in variables_of(conjunct):
            for w in self._writers.get(x, ()):
                writer = self.subs[w]
                if x not in {i for i, _ in writer.updates}:
                    mask |= 1 << w
                    continue
                known = self._known(w)
                before, after = self._around(writer, x)
                was = {self._fold(conjunct, {**known, x: v})[1] for v in before}
                for v in after:
                    now, now_key = self._fold(conjunct, {**known, x: v})
                    if not is_false(now) and (len(was) > 1 or now_key not in was):
                        mask |= 1 << w
                        break
        self._enabling[text] = mask
        return mask

    def _compile_nes(self, sid: int) -> Callable[[State, int, int], int]:
        """(state, enabled, stubborn) -> the necessary enabling set of
        ``sid`` to add (a bit mask): for one conjunct of its guard false in
        the state, the writers that may make it true, less those already
        in the stubborn set; of those, the one that brings in the fewest
        enabled sub-actions, then the fewest in all."""
        sub = self.subs[sid]
        lines = ["def nes(s, en, T):", "    best = 0", "    rank = None"]
        for conjunct in sub.conjuncts:
            mask = self._enablers(conjunct)
            lines += [f"    if not ({to_python(conjunct)}):",
                      f"        m = {mask} & ~T",
                      "        if not m:",
                      "            return 0",
                      "        r = ((m & en).bit_count(), m.bit_count())",
                      "        if rank is None or r < rank:",
                      "            best, rank = m, r"]
        lines.append("    return best")
        namespace: dict = {}
        exec(compile("\n".join(lines), f"<nes of {sid}>", "exec"), namespace)  # noqa: S102
        return namespace["nes"]

    # -- searching -------------------------------------------------------------
    def sub_of(self, number: int, state: State) -> int:
        """The sub-action that action ``number`` is in ``state``."""
        index, by_value = self.filing[number]
        split, ids = by_value[0 if index is None else state[index]]
        return ids[tuple(state[y] for y in split)]

    def ample(self, state: State, successors: Sequence[tuple[int, State]],
              violated: Collection[str] | None = None,
              witnessed: Collection[str] | None = None
              ) -> list[tuple[int, State]] | None:
        """The successors along a stubborn set's enabled sub-actions, or
        None when only all of them will do; ``violated`` and ``witnessed``:
        the checks decided so far (``focus``)."""
        if violated is not None and witnessed is not None and (
                len(violated), len(witnessed)) != self._decided:
            self._decided = (len(violated), len(witnessed))
            self.focus(violated, witnessed)
        by_sub = {self.sub_of(n, state): (n, t) for n, t in successors}
        enabled = 0
        for sid in by_sub:
            enabled |= 1 << sid
        visible = self.visible
        best: int | None = None
        best_count = len(by_sub)
        dep, nes = self.dep, self.nes
        for seed in by_sub:
            if visible >> seed & 1:
                continue
            stubborn = 1 << seed
            work = [seed]
            refused = False
            while work:
                t = work.pop()
                if enabled >> t & 1:
                    more = dep[t] & ~stubborn
                else:
                    more = nes[t](state, enabled, stubborn)
                if not more:
                    continue
                if more & enabled & visible:
                    refused = True
                    break
                stubborn |= more
                if (stubborn & enabled).bit_count() >= best_count:
                    refused = True  # no smaller than the best so far
                    break
                while more:
                    low = more & -more
                    work.append(low.bit_length() - 1)
                    more ^= low
            if refused:
                continue
            best = stubborn & enabled
            best_count = best.bit_count()
            if best_count == 1:
                break
        if best is None:
            return None
        return [by_sub[sid] for sid in sorted(by_sub, key=lambda i: by_sub[i][0])
                if best >> sid & 1]


def _equals(model: Model, index: int, value: int) -> Expr:
    return Op("eq", (Var(index, model.variables[index].name), Const(value)))


def _conditions(expr: Expr, target: int) -> list[Expr]:
    """The conditions under which ``target := expr`` is a write: those of
    the ``ite``s one of whose branches leaves ``target`` as it is."""
    if not (isinstance(expr, Op) and expr.op == "ite"):
        return []
    condition, then, other = expr.args
    for branch, rest in ((then, other), (other, then)):
        if isinstance(branch, Var) and branch.index == target:
            return [condition] + _conditions(rest, target)
    return []


def _and(conjuncts: list[Expr]) -> Expr:
    if not conjuncts:
        return TRUE
    if len(conjuncts) == 1:
        return conjuncts[0]
    return Op("and", tuple(conjuncts))


def reduction(model: Model) -> Reduction | None:
    """The model's stubborn sets, or None where the reduction would not
    keep the verdicts: a depth bound (see the module doc)."""
    if model.max_depth is not None:
        return None
    return Reduction(model)
