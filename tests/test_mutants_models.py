"""The shipped designs' semantics, each stated against a mutant that the
rest of the suite let through (``benchmarks/mutation.py models``).

Each goes through the model a design builds (its steps, its verdicts in
a small scenario), never through a design's own methods, so a design
may change how it says a thing but not what it says.
"""

from __future__ import annotations

import pytest

from einval import catalog, world


def action_names(design: str, scenario: str = "one-thread") -> set[str]:
    model, _ = world.build(catalog.scenario(scenario), catalog.design(design),
                           catalog.properties())
    return {a.name for a in model.actions}


@pytest.mark.parametrize("design,step", [
    ("extack", "setsockopt(NETLINK_EXT_ACK) on its socket (before T1#1)"),
    ("exterrctl", "libc: exterrctl(EXTERRCTL_ENABLE) (before T1#1)"),
])
def test_a_design_names_its_set_up_step_as_the_kernel_interface_does(design, step):
    """The step a thread takes once before its first call, as traces show it."""
    assert step in action_names(design)
