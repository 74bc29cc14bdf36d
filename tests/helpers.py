"""Small helpers shared by the tests: build and check one combination."""

from __future__ import annotations

from einval import catalog, explicit, world
from einval.scenario import parse
from einval.verdict import Result


def check(design: str, scenario: str, prop: str | None = None) -> list[Result]:
    """Explicit-engine results of one design in one scenario."""
    props = [catalog.property_(prop)] if prop else catalog.properties()
    model, _ = world.build(catalog.scenario(scenario), catalog.design(design), props)
    return explicit.check_model(model)


def verdict(design: str, scenario: str, prop: str) -> Result:
    return check(design, scenario, prop)[0]


def model_of(scenario: str, design: str):
    """The ground model of one catalogue design in one catalogue scenario,
    with every property."""
    return world.build(catalog.scenario(scenario), catalog.design(design),
                       catalog.properties())[0]


def kinds(results) -> list[tuple[str, int]]:
    """Each result's verdict kind, with its depth when violated: what two
    engines must agree on."""
    return [(r.verdict.kind, r.verdict.depth if r.verdict.kind == "violated" else 0)
            for r in results]


def scenario_from(text: str, name: str = "test"):
    return parse(text, f"{name}.toml", name)


def moved_goroutines(trace) -> list[str]:
    """Goroutines the Go scheduler moved in ``trace``: one step of the
    goroutine runs on another M than its step before (actors read
    ``G1@M1``, or ``G1@M1/CPU0`` with more than one CPU)."""
    last: dict[str, str] = {}
    moved = []
    for step in trace.steps:
        who, at, where = step.actor.partition("@")
        if not at:
            continue
        m = where.split("/")[0]
        if who in last and last[who] != m and who not in moved:
            moved.append(who)
        last[who] = m
    return moved
