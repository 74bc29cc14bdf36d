"""The explicit engine's search core: compiled successors, packed states,
parent pointers, an early stop, and symmetry reduction.

- ``fold``: partial evaluation of expression trees;
- ``compile``: successors indexed by the values their guards need;
- ``core``: breadth-first search and shortest traces from parent pointers;
- ``symmetry``: verified automorphisms and representatives of orbits.

``einval.explicit`` is the engine built on these.
"""
