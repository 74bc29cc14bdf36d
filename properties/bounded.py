"""Bounded: the kernel memory held for messages stays within a bound.

The issue's wording: "the kernel memory held for messages stays within a
stated bound however many calls fail".  Kernel memory is what the
kernel keeps on its own behalf: a field of ``task_struct`` (the last
error of ``stateful-get``), a per-CPU area, the log of an fd's kernel
object (``fd-log``'s ring of 8), FreeBSD's ``td_kexterr``, extack's
slot.  A buffer the caller passed or registered is user memory and
costs the kernel nothing (4th argument, ``bpf_attr`` log, common attrs,
registered buffers, libc's ``uexterr``).  Each design says which of its
buffers is which (``world.buffers(..., memory=...)``, with the mechanism
in a comment); one it does not declare counts as kernel memory.

The bound, in messages held at once in all kernel buffers together, is
the scenario's ``[bounds] kernel_messages``; when a scenario states none,
one buffer's worth (``buffer_slots``) per user thread or goroutine: what
a log per failing call costs while every caller is failing at once.
The model's buffers are finite, so "however many calls fail" is about
what stays held between calls: a message kept for nobody (a per-CPU or
per-task slot nobody reads, a ring that is read later) counts until it
is dropped or read.  Witness: a call fails and its caller reads.
"""

from einval.lang import Count
from einval.model import Condition
from einval.property import Property
from einval.vocab import EMPTY


def bound_of(world) -> int:
    """The stated bound, or the default named in the module docstring."""
    stated = world.scenario.kernel_messages
    return stated if stated is not None else world.slots * len(world.threads)


class Bounded(Property):
    name = "bounded"
    summary = "messages held in kernel memory stay within the stated bound"
    order = 70

    def conditions(self, world):
        cells = [cell for buffers in world.kernel_memory()
                 for row in buffers.cells for cell in row]
        bound = bound_of(world)
        yield Condition(
            f"kernel memory holds at most {bound} messages",
            Count(cell != EMPTY for cell in cells) <= bound)
