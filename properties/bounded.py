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

The bound is per holder: each kernel buffer (the messages the kernel
keeps for one task, one CPU, one fd, one call) holds at most the
scenario's ``[bounds] kernel_messages`` messages; when a scenario states
none, one buffer's worth (``buffer_slots``), what a log per failing call
holds.  Per holder because that is what "however many calls fail"
rules out: memory that grows with the failures themselves (a queue of
every error until read), where a field per task or CPU, like errno, is
accepted.  (A total over all holders would also be a sum whose operands
the symmetry reduction permutes; per-holder conditions map onto each
other, so interchangeable threads stay interchangeable.)  The model's
holders are fixed, so what the property sees is what stays held between
calls: a message kept for nobody, or not read yet, counts until it is
dropped or read.  Witness: a call fails and its caller reads.
"""

from einval.lang import Count
from einval.model import Condition
from einval.property import Property
from einval.vocab import EMPTY


def bound_of(world) -> int:
    """The stated bound, or the default named in the module docstring."""
    stated = world.scenario.kernel_messages
    return stated if stated is not None else world.slots


class Bounded(Property):
    name = "bounded"
    summary = "no kernel buffer holds more messages than the stated bound"
    order = 70

    def conditions(self, world):
        bound = bound_of(world)
        for buffers in world.kernel_memory():
            if buffers.slots <= bound:
                continue  # it cannot hold more
            for key, row in zip(buffers.keys, buffers.cells):
                yield Condition(
                    f"{buffers.name}[{key}] holds at most {bound} messages",
                    Count(cell != EMPTY for cell in row) <= bound)
