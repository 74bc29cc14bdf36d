"""Completeness: every message the call emitted reaches its caller.

Once the caller has retrieved the explanation of call C, it holds every
message C emitted, as far as the buffer's capacity permits.  A design that
loses the message (written to a buffer nobody reads) fails here even when
it never shows a wrong one.
"""

from einval.lang import Count, Implies, Min
from einval.model import Condition
from einval.property import Property


class Completeness(Property):
    name = "completeness"
    summary = "every message C emitted (capacity permitting) is retrieved for C"
    order = 30

    def conditions(self, world):
        for call in world.writers.calls():
            got = world.got(call)
            own = Count(slot == call.tag for slot in got)
            yield Condition(
                f"the explanation of {call} holds all it emitted "
                f"(up to {len(got)} slots)",
                Implies(world.retrieved(call),
                        own >= Min(world.emitted(call), len(got))),
            )
