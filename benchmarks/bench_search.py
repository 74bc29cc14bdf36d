"""The explicit search on the shipped scenarios and on bigger Go cases.

    python benchmarks/bench_search.py                 # the table
    python benchmarks/bench_search.py --go 3x1,3x2    # choose Go cases
    python benchmarks/bench_search.py --one go 2 3    # one case, in this process

Each case runs in a child process of its own (``--one``), so its peak
resident memory is its own; the child prints one JSON line.  A row gives
the states stored, the transitions followed, CPU seconds of the search
(``time.process_time``, less noisy than wall time on a shared machine),
states per second and the child's peak RSS, with symmetry reduction on
and off.  The Go family is N unpinned goroutines x c calls, each
goroutine started on its own OS thread, one buffer slot, stateful-reg,
checked against no-foreign-output (a holding property, so the search is
exhaustive); its scenario files are written to a temporary directory.

Four runs a case: symmetry on and off, then both again with
partial-order reduction (``--no-por-column`` leaves those out).
``--one`` only calls ``explicit.check_model(model)`` (with
``symmetry=False`` under ``--no-symmetry``, ``por=True`` under
``--por``), so the same command can time an older checkout of einval
for a before/after comparison.  Nothing here is asserted: speed is measured, never tested.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GO_CASES = ("2x1", "2x3", "3x1", "3x2", "4x1")


def go_scenario(goroutines: int, calls: int) -> str:
    """N unpinned goroutines x c calls, each on its own OS thread."""
    lines = [f'description = "{goroutines} unpinned goroutines x {calls} calls"']
    for i in range(1, goroutines + 1):
        lines += ["", "[[os_thread]]", f'name = "M{i}"']
    for i in range(1, goroutines + 1):
        lines += ["", "[[goroutine]]", f'name = "G{i}"', f'on = "M{i}"', f"calls = {calls}"]
    lines += ["", "[syscall]", 'path = ["emit"]', "", "[bounds]", "buffer_slots = 1",
              "max_states = 100000000"]
    return "\n".join(lines) + "\n"


def run_one(kind: str, args: list[str], symmetry: bool, settle: bool = True,
            por: bool = False) -> dict:
    """One case in this process: the figures as a dict."""
    from einval import catalog, explicit, world
    from einval.scenario import parse

    models = []
    if kind == "go":
        n, c = int(args[0]), int(args[1])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"go-{n}x{c}.toml"
            path.write_text(go_scenario(n, c))
            scenario = parse(path.read_text(), str(path), path.stem)
        models.append(world.build(scenario, catalog.design("stateful-reg"),
                                  [catalog.property_("no-foreign-output")])[0])
    else:
        scenario = catalog.scenario(args[0])
        models += [world.build(scenario, d, catalog.properties())[0]
                   for d in catalog.designs()]
    kw = {"symmetry": symmetry, "settle": settle, "por": por}
    states = transitions = 0
    verdicts = []
    start = time.process_time()
    for model in models:
        results = explicit.check_model(model, **kw)
        states += results[0].states
        transitions += results[0].transitions
        verdicts += [str(r.verdict) for r in results]
    seconds = time.process_time() - start
    return {"states": states, "transitions": transitions, "seconds": seconds,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "verdicts": verdicts}


def child(kind: str, args: list[str], symmetry: bool, timeout: float,
          settle: bool = True, por: bool = False) -> dict | None:
    command = [sys.executable, __file__, "--one", kind, *args]
    if por:
        command.append("--por")
    if not symmetry:
        command.append("--no-symmetry")
    if not settle:
        command.append("--no-settle")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout.splitlines()[-1])


def cell(figures: dict | None) -> str:
    if figures is None:
        return f"{'(time-out)':>40}"
    rate = figures["states"] / figures["seconds"] if figures["seconds"] else 0.0
    return (f"{figures['states']:>10,} {figures['seconds']:>7.2f}s {rate:>9,.0f}/s "
            f"{figures['rss_mib']:>6.0f}M")


def _kinds(figures: dict) -> list[str]:
    """Verdicts without state counts: kinds, and depths of violations."""
    return [v if v.startswith("violated") else v.split(" (")[0]
            for v in figures["verdicts"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs="+", metavar="CASE",
                        help="run one case here: 'go N C' or 'shipped SCENARIO'")
    parser.add_argument("--no-symmetry", action="store_true")
    parser.add_argument("--por", action="store_true",
                        help="with --one: partial-order reduction on")
    parser.add_argument("--no-por-column", action="store_true",
                        help="leave out the runs with partial-order reduction")
    parser.add_argument("--no-settle", action="store_true",
                        help="keep every call's observations (no transition judging)")
    parser.add_argument("--go", default=",".join(GO_CASES),
                        help=f"Go cases NxC, comma-separated (default {','.join(GO_CASES)})")
    parser.add_argument("--timeout", type=float, default=300.0, help="per case, seconds")
    parser.add_argument("--no-shipped", action="store_true", help="only the Go cases")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1:], not args.no_symmetry,
                                 not args.no_settle, args.por)))
        return
    from einval import catalog

    cases: list[tuple[str, str, list[str]]] = []
    if not args.no_shipped:
        cases += [(s.name, "shipped", [s.name]) for s in catalog.scenarios()]
    for spec in filter(None, args.go.split(",")):
        n, c = spec.split("x")
        cases.append((f"go {n} x {c}", "go", [n, c]))
    width = max(len(name) for name, _, _ in cases)
    head = f"{'states':>10} {'cpu':>8} {'states/s':>11} {'rss':>7}"
    settle = not args.no_settle
    por_head = "" if args.no_por_column else f"   symmetry+POR: {head}   POR: {head}"
    print(f"{'case':<{width}}  symmetry on: {head}   off: {head}{por_head}"
          f"{'' if settle else '   (observations kept: --no-settle)'}")
    for name, kind, case in cases:
        runs = [child(kind, case, True, args.timeout, settle),
                child(kind, case, False, args.timeout, settle)]
        if not args.no_por_column:
            runs += [child(kind, case, True, args.timeout, settle, por=True),
                     child(kind, case, False, args.timeout, settle, por=True)]
        done = [_kinds(r) for r in runs if r is not None]
        same = all(k == done[0] for k in done)
        print(f"{name:<{width}}  {'   '.join(cell(r) for r in runs)}"
              f"{'' if same else '  DIFFER'}", flush=True)


if __name__ == "__main__":
    main()
