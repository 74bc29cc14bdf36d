"""``einval show DESIGN SCENARIO``: the ground model, as text.

What the checker explores, in plain sight: every variable with its
domain and initial value, every action (actor, guard, updates) and the
checks, so a reviewer can check the model before believing a verdict.
Actions that never fire in the scenario are marked, because a property
can hold there only vacuously.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("show", help="the ground model of a design in a scenario")
    p.add_argument("design", metavar="DESIGN", help="a design name or .py file")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario name or .toml file")
    p.add_argument("--property", action="append", metavar="P",
                   help="show only these checks (repeatable; default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import catalog, world
    from ..render import model_text

    design = catalog.design(args.design)
    scenario = catalog.scenario(args.scenario)
    props = ([catalog.property_(p) for p in dict.fromkeys(args.property)]
             if args.property else catalog.properties())
    model, _ = world.build(scenario, design, props)
    sys.stdout.write(model_text.text(model))
    return 0
