"""No stale message: nothing retrieved for C was emitted before C began.

A caller that makes one failing call after another must not be told the
reason of an earlier failure as the reason of this one: a log that is not
reset per call (errno's hazard) does exactly that when the later call
fails at a site that says nothing.

Which messages were certainly emitted before C began is decided by
program order: the earlier calls of the same caller (the same thread's
code, or the same signal handler's code) ran to their return before C's
entry.  Messages of concurrent writers (another thread, an interrupt)
may come before or after C began; those are attribution's and
no-spoofing's business, so this property names only what is stale for
certain.  Witness: a call fails and its caller reads the explanation
(with one call per caller the property cannot be broken, and says so
only by holding).
"""

from einval.lang import And
from einval.model import Condition
from einval.property import Property


class NoStale(Property):
    name = "no-stale"
    summary = "nothing retrieved for C comes from the caller's earlier calls"
    order = 40

    def conditions(self, world):
        for program in world.programs:
            earlier = []
            for call in program.calls:
                writer = call.writer
                if writer.retrieved and earlier:
                    labels = ", ".join(w.label for w in earlier)
                    yield Condition(
                        f"nothing retrieved for {writer} was emitted by an earlier "
                        f"call of its caller ({labels})",
                        And(slot != w.tag for slot in world.got(writer)
                            for w in earlier))
                earlier.append(writer)
