"""Time `einval churn` on a whole kernel/bpf (parse, graph, analysis).

    python benchmarks/bench_churn.py [TREE] [--repeat N] [--ops]

Cold runs include the search for bridges (one pass over kernel/**/*.c).

TREE defaults to $EINVAL_KERNEL_TREE, else /usr/src/linux-source-6.1.
Prints the size of the job and best-of-N wall times in seconds, cold
(nothing cached: what one `einval churn` run pays) and warm (parsed files
cached in the process, as for repeated design_totals() calls); nothing
here is asserted (speed is measured, never tested).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from timing import best_of

from einval.churn import analysis, api


def cold(tree: str, ops: bool) -> None:
    api._parse_all.cache_clear()
    api._bridges.cache_clear()
    api._graph.cache_clear()
    sources, cg = api.load(tree, ops=ops)
    analysis.summarise(cg, sources.label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("EINVAL_KERNEL_TREE", "/usr/src/linux-source-6.1")
    parser.add_argument("tree", nargs="?", default=default)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ops", action="store_true")
    args = parser.parse_args()
    sources, cg = api.load(args.tree, ops=args.ops)
    summary = analysis.summarise(cg, sources.label)
    whole = best_of(args.repeat, lambda: cold(args.tree, args.ops))
    warm = best_of(args.repeat, lambda: api.design_totals(args.tree, ops=args.ops))
    command = [sys.executable, "-m", "einval.churn", args.tree] + (["--ops"] if args.ops else [])
    cli = best_of(args.repeat, lambda: subprocess.run(command, check=True, capture_output=True))
    print(f"tree: {summary.label}, {summary.files} files, {summary.lines} lines, "
          f"{summary.functions} functions, {summary.sites_total} error sites")
    print(f"parse + graph + analysis (cold): {whole:.3f} s")
    print(f"design_totals (warm, cached):    {warm:.3f} s")
    print(f"einval churn (whole command):    {cli:.3f} s")


if __name__ == "__main__":
    main()
