"""CPUs: every task sits on one; a task that sleeps may wake on another.

With one CPU there is nothing to track.  With more, ``cpu[task]`` is state
and the threads' actions are grounded per CPU, so a design's hooks see the
CPU as a constant (``ctx.cpu``), as the per-CPU buffer design needs.
"""

from __future__ import annotations

from ..model import Domain


def declare(world) -> None:
    world.cpu_of = None
    if len(world.cpus) > 1:
        world.cpu_of = world.per_task(
            "cpu", Domain(tuple(world.cpus)),
            [world.scenario.task_cpu(task) for task in world.tasks])


def actions(world, design) -> None:
    """Migration happens inside the syscall path (see ``threads``)."""
