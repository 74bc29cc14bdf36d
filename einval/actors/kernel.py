"""``[[kernel]]``: which kernel the run boots, new or one that predates the design.

DOMAIN.md, "Old kernels": a program is built once and runs on whatever
kernel the machine has.  A kernel that predates a design does not know
its request for a log: ``bpf()`` reads three arguments and ignores the
other registers; an unknown ``cmd`` bit gets ``-EINVAL`` from the command
switch, the errno of a real error; a registration or a "give me the
error" syscall it lacks fails with ``-ENOSYS``.  What each design's
request meets there is the design's own declaration
(``Design.old_kernel``); the world applies it (``einval.world``: none of
the design's kernel code runs, a rejected call fails at its entry).

``version = "either"`` makes the version a ghost choice: one boot step,
before any caller runs, picks the new or the old kernel, and nothing a
caller does reads the choice; it learns the version only through what
its calls return (their errno, a probe's answer, text or none).  That is
the caller's uncertainty the ``distinguishable`` property is about.
``"new"`` (the default when there is no ``[[kernel]]``) and ``"old"``
fix it.
"""

from __future__ import annotations

from ..pieces import Piece
from ..schema import Choice
from ..world import KERNEL

VERSIONS = {"new": ("new",), "old": ("old",), "either": ("new", "old")}


class Kernel(Piece):
    table = "kernel"
    summary = "the kernel the run boots: new, old (predates the design), or either"
    order = 5
    most = 1
    fields = {
        "version": Choice(tuple(VERSIONS), "either",
                          doc="new, old, or either (a choice the caller does not see)"),
    }

    def register(self, world):
        world.kernel_versions = VERSIONS[self.version]

    def bind(self, world):
        if world.kernel is None:
            return
        for program in world.programs:
            program.blockers.append(world.kernel == KERNEL.value("booting"))

    def actions(self, world):
        if world.kernel is None:
            return
        for version, what in (("new", "knows the log request"),
                              ("old", "predates the design: it does not know "
                                      "the log request")):
            world.builder.action(
                "boot", f"the kernel is {version} ({what})",
                world.kernel == KERNEL.value("booting"),
                {world.kernel: KERNEL.value(version)}, lane="boot")
