"""Symmetry reduction: interchangeable threads, goroutines and OS threads.

Two goroutines with the same program, each started on its own OS thread,
are interchangeable: swap every name (G1 <-> G2, M1 <-> M2) in a reachable
state and the result is reachable too, by the swapped run.  The search
then needs to store one state per orbit (TLC's SYMMETRY sets, SPIN's and
Murphi's scalarsets, Stateright's ``Representative``).

Nothing is assumed from the scenario.  Candidate swaps come from the names
in the model (``pc[G1]``, ``got[G1#1][0]``, the label ``&log[G1]`` of a
value); each is then *verified* on the model itself, so a candidate that
is not an automorphism is simply not used:

- every variable maps to a variable (``pc[G1]`` to ``pc[G2]``) and each of
  its values to a value (``G1#1`` to ``G2#1``), bijectively;
- the initial state maps to itself;
- the actions, renamed, are the same set of actions: guards and updates
  are compared as expression trees up to the order of ``&``, ``|``, ``==``,
  ``!=`` and ``+`` operands, constants renamed by the value map of what
  they are compared with or assigned to, and any arithmetic or ordering
  on renamed values rejects the candidate;
- every check's conditions, and its witness, map to themselves as a set.

Then the swap maps runs to runs of the same length and violating states to
violating states, so verdicts and shortest counterexample lengths are
those of the unreduced search.  The representative of a state is the
smallest of its images under the group the verified swaps generate (cut
at ``MAX_GROUP`` elements: a smaller set still gives a state of the same
orbit, so it stays sound, only the reduction is smaller).

A state bound (``max_states``) counts representatives: a run that is
"unknown" at a state bound without symmetry may be decided with it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from operator import itemgetter
from typing import Any

from ..lang import Const, Expr, Op, Var, code
from ..model import Model

MAX_WALKED = 1 << 20  # trie walks remembered (see compile_canon)
MAX_GROUP = 720  # 6! ; beyond this the representative is a partial minimum

_TOKEN = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z]+)(\d+)(?![A-Za-z0-9_])")
_ID = "id"  # the identity value map
_POLY = "poly"  # a constant: takes the map of what it meets


class Mismatch(Exception):
    """The candidate renaming is not an automorphism of the model."""


@dataclass(frozen=True)
class Renaming:
    """An automorphism on states: variable ``v`` goes to ``perm[v]`` with
    its value ``k`` becoming ``maps[v][k]`` (None: unchanged)."""

    perm: tuple[int, ...]
    maps: tuple[tuple[int, ...] | None, ...]

    def apply(self, state: Sequence[int]) -> list[int]:
        out = [0] * len(state)
        for v, value in enumerate(state):
            m = self.maps[v]
            out[self.perm[v]] = value if m is None else m[value]
        return out

    def then(self, other: Renaming) -> Renaming:
        """This renaming followed by ``other``."""
        perm, maps = [], []
        for v, target in enumerate(self.perm):
            perm.append(other.perm[target])
            first, second = self.maps[v], other.maps[target]
            if first is None:
                maps.append(second)
            elif second is None:
                maps.append(first)
            else:
                combined = tuple(second[k] for k in first)
                maps.append(None if combined == tuple(range(len(combined))) else combined)
        return Renaming(tuple(perm), tuple(maps))


def families(model: Model) -> dict[str, list[str]]:
    """Names with a letter prefix and a number (G1, G2; M1, M2; CPU0...),
    by prefix, as they occur in variable names and value labels."""
    found: dict[str, set[int]] = {}
    for variable in model.variables:
        for text in (variable.name, *variable.domain.labels):
            for prefix, number in _TOKEN.findall(text):
                found.setdefault(prefix, set()).add(int(number))
    return {p: [f"{p}{n}" for n in sorted(ns)] for p, ns in sorted(found.items())
            if len(ns) > 1}


def _rename_text(text: str, swap: dict[str, str]) -> str:
    return _TOKEN.sub(lambda m: swap.get(m.group(0), m.group(0)), text)


def _candidates(model: Model) -> list[dict[str, str]]:
    """Transpositions at the same positions of one or more families."""
    fams = families(model)
    out = []
    longest = max((len(v) for v in fams.values()), default=0)
    for i, j in combinations(range(longest), 2):
        eligible = [name for name, members in fams.items() if len(members) > j]
        for size in range(1, len(eligible) + 1):
            for chosen in combinations(eligible, size):
                swap = {}
                for name in chosen:
                    a, b = fams[name][i], fams[name][j]
                    swap[a], swap[b] = b, a
                out.append(swap)
    return out


def _renaming(model: Model, swap: dict[str, str]) -> Renaming:
    by_name = {v.name: v for v in model.variables}
    perm, maps = [], []
    for v in model.variables:
        target = by_name.get(_rename_text(v.name, swap))
        if target is None or target.domain.size != v.domain.size or target.sort != v.sort \
                or target.frozen != v.frozen:
            raise Mismatch(v.name)
        labels = target.domain.labels
        m = []
        for label in v.domain.labels:
            renamed = _rename_text(label, swap)
            if renamed not in labels:
                raise Mismatch(f"{v.name}: {label}")
            m.append(labels.index(renamed))
        perm.append(target.index)
        identity = m == list(range(len(m)))
        maps.append(None if identity else tuple(m))
        if sorted(m) != list(range(len(m))):
            raise Mismatch(f"{v.name}: values not a bijection")
    if sorted(perm) != list(range(len(perm))):
        raise Mismatch("variables not a bijection")
    return Renaming(tuple(perm), tuple(maps))


class _Renamer:
    """Keys of expression trees renamed by one ``Renaming`` (see the module
    doc), without building the renamed trees.

    Models share subtrees between actions and checks (a program counter's
    test, a slot's read), so each (subtree, value map) is keyed once: the
    verification of a candidate is linear in the distinct subtrees."""

    def __init__(self, model: Model, renaming: Renaming):
        self.model = model
        self.r = renaming
        self._types: dict[int, Any] = {}
        self._keys: dict[tuple[int, int], str] = {}

    def _map(self, index: int):
        m = self.r.maps[index]
        return _ID if m is None else m

    def vtype(self, e: Expr):
        found = self._types.get(id(e))
        if found is None:
            found = self._types[id(e)] = self._vtype(e)
        return found

    def _vtype(self, e: Expr):
        if isinstance(e, Var):
            return self._map(e.index)
        if isinstance(e, Const):
            return _POLY
        assert isinstance(e, Op)
        if e.op == "ite":
            return _unify(self.vtype(e.args[1]), self.vtype(e.args[2]))
        if e.op in ("add", "sub"):
            for a in e.args:
                if self.vtype(a) not in (_ID, _POLY):
                    raise Mismatch("arithmetic on renamed values")
            return _ID
        return _ID  # booleans are never renamed

    def key(self, e: Expr, ctx=_ID) -> str:
        """``key`` of ``e`` renamed, its constants read in ``ctx`` (the
        value map of what they are compared with or assigned to)."""
        memo = (id(e), id(ctx))  # ctx: _ID, _POLY or a map of the renaming
        found = self._keys.get(memo)
        if found is None:
            found = self._keys[memo] = self._key(e, ctx)
        return found

    def _key(self, e: Expr, ctx) -> str:
        if isinstance(e, Var):
            return f"v{self.model.variables[self.r.perm[e.index]].index}"
        if isinstance(e, Const):
            if isinstance(ctx, tuple):
                if not 0 <= e.value < len(ctx):
                    raise Mismatch("constant outside the renamed domain")
                return f"c{ctx[e.value]}"
            return f"c{e.value}"
        assert isinstance(e, Op)
        op, args = e.op, e.args
        if op in ("and", "or", "not"):
            parts = [self.key(a) for a in args]
        elif op in ("eq", "ne"):
            t = _unify(self.vtype(args[0]), self.vtype(args[1]))
            parts = [self.key(a, t) for a in args]
        elif op in ("lt", "le", "gt", "ge", "add", "sub"):
            t = _unify(self.vtype(args[0]), self.vtype(args[1]))
            if t not in (_ID, _POLY) or isinstance(ctx, tuple):
                raise Mismatch(f"{op} on renamed values")
            parts = [self.key(a) for a in args]
        else:
            assert op == "ite"
            t = _unify(ctx, _unify(self.vtype(args[1]), self.vtype(args[2])))
            parts = [self.key(args[0]), self.key(args[1], t), self.key(args[2], t)]
        return _joined(op, parts)


def _unify(a, b):
    if a == _POLY:
        return b
    if b == _POLY or a == b:
        return a
    raise Mismatch("values renamed two different ways meet")


def _joined(op: str, parts: list[str]) -> str:
    if op in ("and", "or", "eq", "ne", "add"):
        parts.sort()
    return f"{op}({','.join(parts)})"


def key(e: Expr, memo: dict[int, str] | None = None) -> str:
    """A text for ``e``, the same for trees that differ only in the order
    of commutative operands (``memo``: keys already made, by subtree)."""
    if memo is not None:
        found = memo.get(id(e))
        if found is None:
            found = memo[id(e)] = key(e, None) if not isinstance(e, Op) else \
                _joined(e.op, [key(a, memo) for a in e.args])
        return found
    if isinstance(e, Var):
        return f"v{e.index}"
    if isinstance(e, Const):
        return f"c{e.value}"
    assert isinstance(e, Op)
    return _joined(e.op, [key(a) for a in e.args])


def _action_keys(model: Model, renamer: _Renamer | None,
                 memo: dict[int, str] | None = None) -> Counter:
    keys: Counter = Counter()
    for action in model.actions:
        if renamer is None:
            guard = key(action.guard, memo)
            updates = [(i, key(e, memo)) for i, e in action.updates]
        else:
            guard = renamer.key(action.guard)
            updates = [(renamer.r.perm[i], renamer.key(e, renamer._map(i)))
                       for i, e in action.updates]
        keys[guard, tuple(sorted(updates))] += 1
    return keys


def verify(model: Model, renaming: Renaming, original: Counter | None = None,
           memo: dict[int, str] | None = None) -> bool:
    """``renaming`` maps the model onto itself (see the module doc);
    ``original``: the model's own action keys, ``memo``: its subtrees'
    keys, when already made."""
    init = list(model.initial_state())
    if renaming.apply(init) != init:
        return False
    memo = {} if memo is None else memo
    renamer = _Renamer(model, renaming)
    try:
        if _action_keys(model, renamer) != (original or _action_keys(model, None, memo)):
            return False
        for check in model.checks:
            mine = sorted(key(c.expr, memo) for c in check.always)
            theirs = sorted(renamer.key(c.expr) for c in check.always)
            if mine != theirs or key(check.witness.expr, memo) != renamer.key(
                    check.witness.expr):
                return False
    except Mismatch:
        return False
    return True


def generators(model: Model) -> list[Renaming]:
    """The candidate swaps that are automorphisms of ``model``."""
    found = []
    original = None
    memo: dict[int, str] = {}
    for swap in _candidates(model):
        try:
            renaming = _renaming(model, swap)
        except Mismatch:
            continue
        if original is None:
            original = _action_keys(model, None, memo)
        if verify(model, renaming, original, memo):
            found.append(renaming)
    return found


def group(gens: list[Renaming], limit: int = MAX_GROUP) -> list[Renaming]:
    """The elements the generators generate, identity first, at most
    ``limit`` of them (closure under composition, breadth first)."""
    if not gens:
        return []
    n = len(gens[0].perm)
    identity = Renaming(tuple(range(n)), (None,) * n)
    seen = {identity}
    order = [identity]
    frontier = [identity]
    while frontier and len(order) < limit:
        nxt = []
        for element in frontier:
            for g in gens:
                product = element.then(g)
                if product not in seen and len(order) < limit:
                    seen.add(product)
                    order.append(product)
                    nxt.append(product)
        frontier = nxt
    return order


def compile_canon(model: Model, elements: list[Renaming], packed: bool
                  ) -> Callable | None:
    """state -> its representative: the smallest of its images under
    ``elements``, comparing images first position by position at the
    positions that tell elements apart, in a fixed order (``_split_order``:
    the program counters usually first), then at the positions the same
    variables decide (``later``), then as whole images.

    The smallest image is found without building every image: the
    elements sit in a trie by what they put at each position (which
    variable of the state, through which value map).  Going down one
    position, only the branches that put the smallest value there are
    kept; the others cannot give the smallest image.  One element left,
    its image is the representative.  With the program counters first
    the goroutines are usually placed after a few positions, the OS
    threads soon after, so a state costs a few dozen lookups rather than
    one image per element (576 for 4 goroutines on 4 OS threads).  The
    order is a total order on states, so the representative is the same
    for every state of an orbit (exactly so when ``elements`` is the
    whole group; a partial group still gives a state of the orbit)."""
    if len(elements) < 2:
        return None
    n = len(model.variables)
    sources = []
    for element in elements:
        source = [0] * n
        for v, target in enumerate(element.perm):
            source[target] = v
        sources.append(source)
    # A position tells images apart only if some element changes what
    # lands there, and only if what lands there can vary: a variable no
    # action writes keeps its initial value.
    written = {v for action in model.actions for v, _ in action.updates}
    init = model.initial_state()
    pair_at = [[(src[j], e.maps[src[j]]) for e, src in zip(elements, sources)]
               for j in range(n)]

    def useful(j: int) -> bool:
        if all(v == j and m is None for v, m in pair_at[j]):
            return False  # every element leaves position j alone
        landing = {init[v] if m is None else m[init[v]] for v, m in pair_at[j]}
        return len(landing) > 1 or any(v in written for v, _ in pair_at[j])

    positions = [j for j in range(n) if useful(j)]
    order = _split_order(model, positions, pair_at)
    images = [_image_function(model, element, packed) for element in elements]
    pairs = [[pair_at[j][k] for j in order] for k in range(len(elements))]
    root = _Branch(list(range(len(elements))))
    # Which elements survive the trie depends only on the variables its
    # positions read (program counters, registered slots, tasks: 12 of
    # 59 for 4 goroutines x 2 calls), and far fewer combinations of those
    # occur than states: remembered, the trie is walked once for each.
    read = sorted({v for k in range(len(elements)) for v, _ in pairs[k]})
    project = itemgetter(*read) if len(read) > 1 else (lambda s: s[read[0]]) if read \
        else (lambda s: 0)
    walked: dict = {}
    # The other positions whose value those variables alone decide are
    # compared in the same walk; the elements it leaves tied then differ
    # only where the rest of the state decides, and of those that put the
    # same everywhere there, one is enough: their images are equal.
    later = sorted((j for j in positions if j not in order
                    and all(v in read for v, _ in pair_at[j])),
                   key=lambda j: (-model.variables[j].domain.size, j))
    rest = [j for j in positions if j not in order and j not in later]
    kinds: dict[tuple, int] = {}
    kind = [kinds.setdefault(tuple(pair_at[j][k] for j in rest), len(kinds))
            for k in range(len(elements))]

    def survivors(s) -> list[int]:
        branches = [root]
        for level in range(len(order)):
            branches = _smallest(s, [kid for branch in branches for kid in (
                branch.kids if branch.kids is not None else branch.grow(pairs, level))])
            if len(branches) == 1 and len(branches[0].members) == 1:
                break
        # Past the last position taken, the members of a branch agree on
        # every other position too (none splits them).
        tied = [branch.members[0] for branch in branches]
        for j in later:
            if len(tied) == 1:
                break
            tied = _smallest(s, [(*pair_at[j][k], k) for k in tied])
        chosen: dict[int, int] = {}
        for k in tied:
            chosen.setdefault(kind[k], k)
        return list(chosen.values())

    def canon(s):
        key = project(s)
        chosen = walked.get(key)
        if chosen is None:
            if len(walked) >= MAX_WALKED:
                walked.clear()
            chosen = walked[key] = survivors(s)
        if len(chosen) == 1:
            return images[chosen[0]](s)
        return min(images[k](s) for k in chosen)

    return canon


def _smallest(s, options: list[tuple[int, tuple[int, ...] | None, Any]]) -> list[Any]:
    """Of the ``(variable, value map, payload)`` options, the payloads of
    those that put the smallest value of state ``s`` at a position (a
    packed state's values are bytes: all below 256)."""
    best, kept = 256, []
    for v, m, payload in options:
        value = s[v] if m is None else m[s[v]]
        if value < best:
            best, kept = value, [payload]
        elif value == best:
            kept.append(payload)
    return kept


def _split_order(model: Model, positions: list[int],
                 pair_at: list[list[tuple[int, tuple[int, ...] | None]]]) -> list[int]:
    """The positions in the order the trie takes them: greedily, the one
    that splits the elements still together the least widely, the one
    with the most values among those (cheap decisions that tell states
    apart first, as nauty's refinement does): after the program
    counters have placed the goroutines, an OS thread's ``registered``
    slot has 4 choices where a goroutine's ``task`` has 24 (the orders of
    4 OS threads).  Positions left out split no set of elements that
    agree on the ones taken: the elements of a set put the same there."""
    left = list(positions)
    classes = [0] * len(pair_at[positions[0]]) if positions else []
    order: list[int] = []
    while left:
        best, best_width, best_classes = None, None, None
        for j in left:
            split: dict[tuple, int] = {}
            sizes: dict[int, set] = {}
            for k, c in enumerate(classes):
                pair = pair_at[j][k]
                split.setdefault((c, pair), len(split))
                sizes.setdefault(c, set()).add(pair)
            width = (max(len(p) for p in sizes.values()), -model.variables[j].domain.size)
            if width[0] > 1 and (best_width is None or width < best_width):
                best, best_width = j, width
                best_classes = [split[c, pair_at[j][k]] for k, c in enumerate(classes)]
        if best is None:
            break
        order.append(best)
        left.remove(best)
        classes = best_classes
    return order


class _Branch:
    """The elements of a group that agree on what they put at the first
    positions of an image; their branches one position further down are
    made when first needed."""

    __slots__ = ("members", "kids")

    def __init__(self, members: list[int]):
        self.members = members
        self.kids: list[tuple[int, tuple[int, ...] | None, _Branch]] | None = None

    def grow(self, pairs: list[list[tuple[int, tuple[int, ...] | None]]], level: int
             ) -> list[tuple[int, tuple[int, ...] | None, _Branch]]:
        split: dict[tuple[int, tuple[int, ...] | None], list[int]] = {}
        for member in self.members:
            split.setdefault(pairs[member][level], []).append(member)
        self.kids = [(v, m, _Branch(members)) for (v, m), members in split.items()]
        return self.kids


def _image_function(model: Model, element: Renaming, packed: bool) -> Callable:
    """state -> its image under ``element``.

    Packed states: at C speed, one ``bytes.translate`` per distinct value
    map, the copies joined, one ``itemgetter`` taking each position from
    the right copy.  Tuples, and packed states of one variable: generated
    code (of the state's own type: a representative is compared with the
    other images)."""
    n = len(model.variables)
    if all(v == t for v, t in enumerate(element.perm)) and not any(element.maps):
        return lambda s: s
    if packed and n > 1:
        copies: dict[tuple[int, ...], int] = {}
        source = [0] * n
        for v, target in enumerate(element.perm):
            m = element.maps[v]
            copy = 0 if m is None else copies.setdefault(m, len(copies) + 1)
            source[target] = copy * n + v
        tables = [bytes(m) + bytes(range(len(m), 256)) for m in copies]
        gather = itemgetter(*source)
        if not tables:
            return lambda s: bytes(gather(s))
        if len(tables) == 1:
            table = tables[0]
            return lambda s: bytes(gather(s + s.translate(table)))
        return lambda s: bytes(gather(b"".join([s] + [s.translate(t) for t in tables])))
    namespace: dict = {}
    items = [""] * n
    for v, target in enumerate(element.perm):
        m = element.maps[v]
        if m is None:
            items[target] = f"s[{v}]"
        else:
            namespace[f"M{v}"] = m
            items[target] = f"M{v}[s[{v}]]"
    text = f"lambda s: ({', '.join(items)},)"
    if packed:  # one variable: itemgetter gives no tuple, so built here
        text = f"lambda s: bytes(({', '.join(items)},))"
    return eval(code(text, "eval", "<symmetry>"),  # noqa: S307
                namespace)


def canonicaliser(model: Model, packed: bool) -> Callable | None:
    """The representative function of ``model``'s verified symmetry, or
    None when it has none."""
    return compile_canon(model, group(generators(model)), packed)
