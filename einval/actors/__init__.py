"""The actors of the world, one module each.

Each module may define ``tags(world) -> list[str]`` (the writers it adds:
calls, programs), ``declare(world)`` (its state) and
``actions(world, design)`` (its steps).  ``world.build`` calls them in the
order of ``ACTORS``.  A new kind of actor (an interrupt, a signal
handler, a nested call) is a new module listed here.
"""

from . import cpus, go_scheduler, threads

ACTORS = (threads, cpus, go_scheduler)
