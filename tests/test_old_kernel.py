"""Old kernels: the static set of the distinguishable property checked
against runs, what an old kernel does with each kind of request, and the
bounded property's count of kernel memory."""

from __future__ import annotations

import sys

import pytest
from helpers import scenario_from

from einval import catalog, explicit, world
from einval.lang import Not, Or
from einval.model import Condition
from einval.property import Property

OLD_ONLY = """
description = "an old kernel, one failing call"
[[kernel]]
version = "old"
[[thread]]
name = "T1"
[syscall]
path = ["emit"]
"""


def _distinguishable_module():
    return sys.modules[catalog.property_("distinguishable").__module__]


class OldBranchInSet(Property):
    """What the old branch really shows lies in the property's static set."""

    name = "old-branch-in-set"

    def conditions(self, w):
        yield from _distinguishable_module().old_branch_conditions(w)

    def witness(self, w):
        module = _distinguishable_module()
        return Condition("on an old kernel a call fails and its caller reads",
                         Or(w.ran_old(c) & module.read_after_failing(w, c)
                            for c in w.writers.calls()))


TWO_THREADS = """
description = "old or new; a thread with two calls, another with one"
[[kernel]]
version = "either"
[[thread]]
name = "T1"
calls = 2
[[thread]]
name = "T2"
[syscall]
path = ["emit?", "emit?"]
"""


@pytest.mark.parametrize("design", [c.name for c in catalog.designs()])
def test_old_branch_observations_lie_in_the_static_set(design):
    """Every observation explored on an old branch is one the property
    counts as an old kernel's (and the branch is reached): in the shipped
    scenario, and with a second call (whose probe answer is the thread's
    earlier one) and a second thread."""
    for scenario in (catalog.scenario("old-kernel"), scenario_from(TWO_THREADS)):
        model, _ = world.build(scenario, catalog.design(design), [OldBranchInSet])
        (result,) = explicit.check_model(model)
        assert result.verdict.kind == "holds", (scenario.name, result.verdict)


def _trace_names(design, scenario, prop):
    model, _ = world.build(scenario, catalog.design(design), [catalog.property_(prop)])
    (result,) = explicit.check_model(model)
    return result, [s.name for s in result.verdict.trace.steps] \
        if result.verdict.trace else []


def test_a_rejected_cmd_bit_skips_the_path_and_a_probe_does_not():
    """4th-arg's unknown cmd bit fails the call at entry (no error site
    runs); common-attrs probes, then its call runs as ever."""
    scenario = scenario_from(OLD_ONLY)

    class Reached(Property):
        name = "reached"

        def conditions(self, w):
            yield Condition("no call fails and is read", Not(Or(
                w.failed(c) & w.retrieved(c) for c in w.writers.calls())))

    for design, rejected in (("4th-arg", True), ("common-attrs", False)):
        model, _ = world.build(scenario, catalog.design(design), [Reached])
        (result,) = explicit.check_model(model)
        names = [s.name for s in result.verdict.trace.steps]
        assert any("rejects" in n for n in names) is rejected, names
        assert any("error site" in n for n in names) is not rejected, names
        assert any("probes the kernel" in n for n in names) is not rejected, names


def test_on_a_new_kernel_text_tells_4th_arg_apart():
    """With every site logging, 4th-arg's text always comes back on a new
    kernel: the violation in old-kernel needs a site that does not log."""
    scenario = scenario_from(OLD_ONLY.replace('"old"', '"either"'))
    result, _ = _trace_names("4th-arg", scenario, "distinguishable")
    assert result.verdict.kind == "holds"
    result, names = _trace_names("4th-arg", catalog.scenario("old-kernel"),
                                 "distinguishable")
    assert result.verdict.kind == "violated"
    assert "the error site is not reached in T1#1" in names


def test_an_undeclared_buffer_counts_as_kernel_memory():
    from einval.design import Design

    class Sticky(Design):
        name = "sticky"

        def declare(self):
            self.log = self.world.buffers("log", owner="task")

        def emit(self, ctx, tag):
            return self.log.append(self.log.ref(ctx.task), tag)

        def retrieve(self, ctx):
            return self.log.contents(self.log.ref(ctx.task))

    text = OLD_ONLY.replace('version = "old"', 'version = "new"').replace(
        '["emit"]', '["emit", "emit"]') + "[bounds]\nkernel_messages = 1\n"
    model, w = world.build(scenario_from(text), Sticky, [catalog.property_("bounded")])
    assert [b.name for b in w.kernel_memory()] == ["log"]
    (result,) = explicit.check_model(model)
    assert result.verdict.kind == "violated"
    assert result.verdict.depth == 3  # entry, two sites
