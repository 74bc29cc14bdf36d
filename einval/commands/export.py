"""``einval export``: a design in a scenario as another checker's input.

Why: a verdict is worth more when an independent checker can repeat it.
``--format promela`` prints the ground model as a Promela program for
SPIN (``einval.promela`` says how each part maps); the same names give
the same bytes.  Unknown names exit 2 with one line, like ``check``.
"""

from __future__ import annotations

import argparse
import sys

from .. import catalog, world


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="print a design in a scenario as a Promela "
                                      "model for SPIN")
    p.add_argument("design", metavar="DESIGN", help="a design name or .py file")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario name or .toml file")
    p.add_argument("--property", action="append", metavar="P",
                   help="a property name or .py file (repeatable; default: all)")
    p.add_argument("--format", choices=("promela",), default="promela",
                   help="the output language (default: promela)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import promela

    design = catalog.design(args.design)
    scenario = catalog.scenario(args.scenario)
    names = list(dict.fromkeys(args.property or []))
    properties = [catalog.property_(n) for n in names] if names else catalog.properties()
    model, _ = world.build(scenario, design, properties)
    sys.stdout.write(promela.to_promela(model))
    return 0
