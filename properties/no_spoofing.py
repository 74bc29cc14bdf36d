"""No spoofing: only C's own side can put text into C's explanation.

The issue's wording: "only the kernel's error path of C (no BPF
program, no other thread, no other process) can put text into C's
explanation".  A user who acts on the explanation ("cgroup has
non-overridable program in the parent") must not be steered by text
someone else chose.  Forbidden in the explanation of C: the output of a
BPF program (anyone with CAP_BPF can attach a tracing program to the
path, DOMAIN.md) or of a nested call a BPF program makes, and anything
written by code that is not C's own thread: another thread (or
goroutine), another process (a kernel caller, an io-wq worker), the Go
runtime, interrupt code (which reaches error sites through BPF programs
in irq context, DOMAIN.md).

Not spoofing, though still wrong (attribution, no-stale): the same
thread's own earlier calls, its signal handler's calls, its task_work.
Witness: a call fails and its caller reads the explanation.
"""

from einval.context import BPF
from einval.lang import And
from einval.model import Condition
from einval.property import Property
from einval.writers import PROGRAM


class NoSpoofing(Property):
    name = "no-spoofing"
    summary = "no BPF program, other thread or process writes C's explanation"
    order = 50

    def conditions(self, world):
        for call in world.writers.calls():
            spoofers = [w for w in world.writers.foreign_to(call)
                        if w.kind == PROGRAM or w.context == BPF
                        or w.thread is None or w.thread != call.thread]
            if not spoofers:
                continue
            yield Condition(
                f"no BPF program, other thread or process wrote into the "
                f"explanation of {call}",
                And(slot != w.tag for slot in world.got(call) for w in spoofers))
