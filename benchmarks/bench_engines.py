"""Time the engines on the shipped catalogue: explicit, Z3, and both.

    python benchmarks/bench_engines.py              # one row per scenario
    python benchmarks/bench_engines.py --variants   # also engines with parts off

Every design is checked against every property in every shipped scenario;
a row sums the designs of one scenario.  ``--variants`` times each
engine with one of its choices undone (the explicit search without
symmetry reduction; Z3 with Int instead of bit-vectors, no partial-order
reduction, no Houdini facts, no reached-states invariant), which is how
those choices were made.
Times are wall-clock seconds, the best of ``--repeat`` runs; nothing
here is asserted (speed is measured, never tested).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from timing import best_of

from einval import catalog, crosscheck, explicit, symbolic, world
from einval.model import Model

Engine = Callable[[Model], object]

ENGINES: dict[str, Engine] = {
    "explicit": explicit.check_model,
    "z3": symbolic.check_model,
    "both": lambda m: crosscheck.check_model(m, "both"),
}
VARIANTS: dict[str, Engine] = {
    "explicit no-sym": lambda m: explicit.check_model(m, symmetry=False),
    "z3 int": lambda m: symbolic.check_model(m, encoding="int"),
    "z3 no-POR": lambda m: symbolic.check_model(m, reduce=False),
    "z3 no-facts": lambda m: symbolic.check_model(m, facts=False),
    "z3 no-reach": lambda m: symbolic.check_model(m, reached=False),
}


def run_all(engine: Engine, models: list[Model]) -> None:
    for model in models:
        engine(model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", action="store_true",
                        help="also time the engines with their choices undone")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell (best kept)")
    args = parser.parse_args()
    engines = dict(ENGINES, **(VARIANTS if args.variants else {}))
    rows = []
    for scenario in catalog.scenarios():
        models = [world.build(scenario, design, catalog.properties())[0]
                  for design in catalog.designs()]
        rows.append((scenario.name, [best_of(args.repeat, lambda e=e, m=models: run_all(e, m))
                                     for e in engines.values()]))
    width = max(len(name) for name, _ in rows + [("total", [])])
    print(f"{'scenario':<{width}}  " + "  ".join(f"{e:>11}" for e in engines))
    for name, times in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{t:>10.2f}s" for t in times))
    totals = [sum(times[i] for _, times in rows) for i in range(len(engines))]
    print(f"{'total':<{width}}  " + "  ".join(f"{t:>10.2f}s" for t in totals))
    checks = len(catalog.designs()) * len(catalog.properties()) * len(rows)
    print(f"({len(catalog.designs())} designs x {len(rows)} scenarios x "
          f"{len(catalog.properties())} properties = {checks} verdicts per engine)")


if __name__ == "__main__":
    main()
