"""Mutation testing, one module at a time: does the suite catch a bug?

    python benchmarks/mutation.py einval.explicit
    python benchmarks/mutation.py einval.symbolic.engine --jobs 2
    python benchmarks/mutation.py properties.completeness
    python benchmarks/mutation.py --score einval.verdict   # no run, figures only

``mutmut`` (``pip install mutmut``; configured in ``[tool.mutmut]`` of
pyproject.toml) copies the sources to ``mutants/``, makes many small
deliberate bugs (a ``<`` for a ``<=``, a ``+ 1``, a dropped argument) and
runs the targeted tests against each, nicely (``nice -n 15``), because a
run is CPU-heavy.  A mutant the tests do not kill is a wrong verdict the
suite would let through: read it with ``mutmut show NAME``, then write a
test that states the semantics it breaks.  Results are kept in
``mutants/``; a second run only retests what changed.

The score printed is killed / (killed + survived): mutants with no test
at all are listed apart, timeouts count as killed (the mutant made the
checker hang, which a user notices).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter

KILLED = {"killed", "timeout"}


def results(pattern: str) -> dict[str, str]:
    """Mutant name -> status, for mutants of modules matching ``pattern``."""
    out = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True,
                         text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m and m.group(1).startswith(pattern + "."):
            found[m.group(1)] = m.group(2).strip()
    return found


def score(pattern: str) -> int:
    """Print the figures of ``pattern``; the exit status: 0 when >= 90 %."""
    found = results(pattern)
    counts = Counter("killed" if s in KILLED else s for s in found.values())
    judged = counts["killed"] + counts["survived"]
    print(f"{pattern}: {len(found)} mutants: " +
          ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if judged:
        print(f"score: {counts['killed']}/{judged} = {100 * counts['killed'] / judged:.1f} %")
    for name, status in sorted(found.items()):
        if status == "survived":
            print(f"  survived: {name}")
    return 0 if judged and counts["killed"] >= 0.9 * judged else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="a dotted module, e.g. einval.explicit or "
                        "models.stateful_get_error")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once")
    parser.add_argument("--score", action="store_true", help="only print the figures")
    args = parser.parse_args(argv)
    if not args.score:
        subprocess.run(["nice", "-n", "15", "mutmut", "run", "--max-children",
                        str(args.jobs), f"{args.module}.*"], check=False,
                       stdout=subprocess.DEVNULL)
    return score(args.module)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... | head`
        sys.exit(0)
