"""Library entry points: load a tree once, ask for totals or a chain.

Parsing is the slow part (about two seconds for kernel/bpf of 6.1), so
parsed files are cached per tree, keyed on each file's size and mtime so a
changed tree is parsed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from einval.churn import analysis, bridges, callgraph
from einval.churn.parse import ParsedFile, parse_file
from einval.churn.tree import SourceSet, find_sources
from einval.errors import InputError


def load(
    tree: str | Path,
    extra_files: Iterable[str] = (),
    ops: bool = False,
    bridge: bool = True,
) -> tuple[SourceSet, callgraph.CallGraph]:
    """Parse the tree (cached) and build its call graph.

    ``bridge``: also take the functions outside kernel/bpf that its paths
    run through (``einval.churn.bridges``), as 5.8's cgroup_bpf_attach.
    """
    sources = find_sources(tree, tuple(extra_files))
    key = (str(sources.root.resolve()), sources.files, _signature(sources))
    return sources, _graph(key, ops, bridge)


def _signature(sources: SourceSet) -> tuple[tuple[int, int], ...]:
    stats = [(sources.root / rel).stat() for rel in sources.files]
    return tuple((st.st_size, st.st_mtime_ns) for st in stats)


@lru_cache(maxsize=4)
def _parse_all(
    root: str, files: tuple[str, ...], signature: tuple[tuple[int, int], ...]
) -> tuple[ParsedFile, ...]:
    return tuple(parse_file(Path(root), rel) for rel in files)


@lru_cache(maxsize=4)
def _bridges(
    root: str, files: tuple[str, ...], signature: tuple[tuple[int, int], ...]
) -> tuple[ParsedFile, ...]:
    """Bridge functions, cached with the kernel/bpf files they were found for
    (an edit outside kernel/bpf is seen by the next process, not this one)."""
    return tuple(bridges.find(Path(root), list(_parse_all(root, files, signature))))


@lru_cache(maxsize=8)
def _graph(key: tuple, ops: bool, bridge: bool = True) -> callgraph.CallGraph:
    files = list(_parse_all(*key)) + (list(_bridges(*key)) if bridge else [])
    return callgraph.build(files, follow_ops=ops)


def design_totals(
    tree: str | Path,
    extra_files: Iterable[str] = (),
    ops: bool = False,
    sites: str = "all",
) -> dict[str, dict]:
    """Whole-subsystem churn per design: ``{"explicit": {"prototypes": n,
    "call_sites": n, "functions": n, ...}, "attr": {...}, "current": {...}}``.

    ``sites`` is a key of ``analysis.SITE_DEFINITIONS``: "all" (every
    errno and kind of site) or "literal" (``return -EINVAL/-EPERM/
    -EOPNOTSUPP;``). Raises ``einval.errors.InputError`` for a missing or
    non-kernel tree.
    """
    if sites not in analysis.SITE_DEFINITIONS:
        raise InputError(f"sites={sites!r}: expected one of all, literal")
    sources, cg = load(tree, extra_files, ops)
    summary = analysis.summarise(cg, sources.label, definition=sites)
    return {design: summary.totals[design].counts() for design in analysis.DESIGNS}
