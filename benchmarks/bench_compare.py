"""Time `einval compare` on the shipped catalogue, and the start-up time.

    python benchmarks/bench_compare.py [--repeat N]

Prints the states explored and the best-of-N wall time; nothing here is
asserted (speed is measured, never tested).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from timing import best_of

from einval import catalog, runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    designs, props, scens = catalog.designs(), catalog.properties(), catalog.scenarios()
    results = runner.run(designs, scens, props)
    states = sum({(r.design, r.scenario): r.states for r in results}.values())
    compare = best_of(args.repeat, lambda: runner.run(designs, scens, props))
    startup = best_of(args.repeat, lambda: subprocess.run(
        [sys.executable, "-m", "einval.cli", "--version"], check=True,
        capture_output=True))
    whole = best_of(args.repeat, lambda: subprocess.run(
        [sys.executable, "-m", "einval.cli", "compare"], check=True,
        capture_output=True))
    both = best_of(args.repeat, lambda: subprocess.run(
        [sys.executable, "-m", "einval.cli", "compare", "--engine", "both"], check=True,
        capture_output=True))
    print(f"catalogue: {len(designs)} designs x {len(scens)} scenarios x "
          f"{len(props)} properties, {states} states")
    print(f"compare (in process, explicit): {compare:.3f} s")
    print(f"einval --version (start-up):    {startup:.3f} s")
    print(f"einval compare (whole command): {whole:.3f} s")
    print(f"einval compare --engine both:   {both:.3f} s")


if __name__ == "__main__":
    main()
