"""Distinguishable: a failure on a new kernel never looks like an old kernel.

The issue's wording: "the caller can tell 'this kernel does not log' from
'the call failed for a reason it would have logged'" (claim 11, Andrii:
"log_buf can't help existing kernels. Period.").  A program is built
once and runs on old and new kernels; the caller must know whether the
kernel took its request for a log, or it cannot tell "nothing to say"
from "not asked at all" (and, with a rejected ``cmd`` bit, "the call
never ran" from "the call failed").

As stated this compares two runs (a hyperproperty: for every old-kernel
run and every new-kernel run of a call, the caller's observations
differ).  It is judged here on one run, by both engines, as safety:

- What a caller observes of call C: the answer of its design's probe
  (when the design has one: a registration, a feature probe, the
  get-error syscall itself), C's errno, and whether any text came back.
- The set of observations C can have on an old kernel follows from the
  design's declaration (``Design.old_kernel``) alone: the probe's old
  answer; the errno an old kernel rejects the request with, or, when it
  runs the call as ever, the errnos C's paths return (every path of the
  model returns ``-EINVAL``); and no text (an old kernel has no
  ``syscall_string()``).
- Violated: on a new kernel (every run without ``[[kernel]]``, and the
  new branch of ``version = "either"``) some call C failed, its caller
  read, and what it observed lies in that set.

Why every failing C and not only one whose site emitted: the caller
does not know which site failed, and on a real new kernel not every
error site logs (DOMAIN.md, "Code churn": hundreds of sites), nor does
every design deliver every message.  A new kernel's failure that brings
back no text, with the errno and probe answer an old kernel gives, is
exactly what the caller sees on an old kernel; with the error site that
would have logged on the other branch, the caller cannot tell the two
apart.  A design whose probe answers differently on the two kernels, or
whose old kernel rejects the request with its own errno, holds whatever
text comes back.

The set is static; ``old_branch_conditions`` states that what the old
branch of a run really shows lies in it, and the tests check that on
``scenarios/old-kernel.toml`` (the set is validated against runs).
Witness: on a new kernel, a call fails and its caller reads.
"""

from einval.lang import And, Implies, Not, Or
from einval.model import Condition
from einval.property import Property
from einval.vocab import EMPTY
from einval.world import EINVAL


def looks_old(world, call):
    """C's observation lies in the set an old kernel can give for it."""
    decl = world.old_decl
    errnos = [decl.errno] if decl.errno else [EINVAL]
    probe = (world.probe(call) == world.outcome(decl.probe_old)) if decl.probe else None
    parts = [Or(world.errno(call) == world.outcome(e) for e in errnos),
             And(slot == EMPTY for slot in world.got(call))]
    return And(([probe] if probe is not None else []) + parts)


def read_after_failing(world, call):
    return world.failed(call) & world.retrieved(call)


def old_branch_conditions(world):
    """What the old branch shows lies in the static set (for the tests)."""
    for call in world.writers.calls():
        yield Condition(
            f"on an old kernel, what the caller of {call} sees is in the old set",
            Implies(world.ran_old(call) & read_after_failing(world, call),
                    looks_old(world, call)))


class Distinguishable(Property):
    name = "distinguishable"
    summary = "a failure on a new kernel never looks like an old kernel's"
    order = 60

    def conditions(self, world):
        for call in world.writers.calls():
            yield Condition(
                f"on a new kernel, the failure of {call} does not look like an "
                "old kernel (probe, errno, no text)",
                Implies(Not(world.ran_old(call)) & read_after_failing(world, call),
                        Not(looks_old(world, call))))

    def witness(self, world):
        return Condition(
            "on a new kernel, some call fails and its caller reads",
            Or(Not(world.ran_old(c)) & read_after_failing(world, c)
               for c in world.writers.calls()))
