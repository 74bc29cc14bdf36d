"""Attribution: the message belongs to the failing call.

Every message the caller retrieves as the explanation of call C was
emitted by C: not by another call, another thread's call, a signal
handler's call, a BPF program or an interrupt.  A stale or foreign
explanation is worse than none.
"""

from einval.lang import And
from einval.model import Condition
from einval.property import Property
from einval.vocab import EMPTY


class Attribution(Property):
    name = "attribution"
    summary = "every message retrieved for call C was emitted by C"
    order = 10

    def conditions(self, world):
        for call in world.writers.calls():
            yield Condition(
                f"every message retrieved for {call} was emitted by {call}",
                And((slot == EMPTY) | (slot == call.tag) for slot in world.got(call)),
            )
