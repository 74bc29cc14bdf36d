"""The properties of issue 8: each can fail, on a trace that shows it,
and each says something the others do not."""

import textwrap

import pytest
from helpers import verdict

from einval import catalog, explicit, world

STICKY = textwrap.dedent('''
    """A per-task slot that no call resets: errno's hazard, for the test."""
    from einval.design import Design


    class Sticky(Design):
        name = "sticky"
        summary = "a per-task slot, never cleared"

        def declare(self):
            self.log = self.world.buffers("sticky", owner="task", policy="overwrite")

        def emit(self, ctx, tag):
            return self.log.append(self.log.ref(ctx.task), tag)

        def retrieve(self, ctx):
            got = self.log.contents(self.log.ref(ctx.task))
            return got + [0] * (self.world.slots - len(got))
''')

OPTIONAL_SITE = '''
description = "two calls; the second may fail before its error site"
[[thread]]
name = "T1"
calls = 2
[syscall]
path = ["emit?"]
'''


def check(design, scenario, prop):
    model, _ = world.build(scenario, design, [catalog.property_(prop)])
    return explicit.check_model(model)[0]


@pytest.fixture
def sticky(tmp_path):
    path = tmp_path / "sticky.py"
    path.write_text(STICKY)
    return catalog.design(str(path))


@pytest.fixture
def optional_site(tmp_path):
    path = tmp_path / "optional.toml"
    path.write_text(OPTIONAL_SITE)
    return catalog.scenario(str(path))


def test_no_stale_catches_a_slot_nobody_resets(sticky, optional_site):
    r = check(sticky, optional_site, "no-stale")
    assert r.verdict.kind == "violated"
    assert r.verdict.trace.steps[-1].name == "reads the explanation of T1#2"
    assert "T1#1" in str(r.verdict.trace.failed)


def test_no_stale_holds_where_entry_resets(optional_site):
    r = check(catalog.design("4th-arg"), optional_site, "no-stale")
    assert r.verdict.kind == "holds"


def test_per_cpu_returns_the_callers_own_old_message():
    r = verdict("per-cpu", "stale-cpu", "no-stale")
    assert r.verdict.kind == "violated"
    assert sum("resumes on CPU" in s.name for s in r.verdict.trace.steps) == 2


def test_no_stale_is_not_attribution():
    # A foreign message from another thread is wrong but not stale.
    assert verdict("stateful-get", "go-unpinned", "attribution").verdict.kind == \
        "violated"
    assert verdict("stateful-get", "go-unpinned", "no-stale").verdict.kind == "holds"


@pytest.mark.parametrize("design, scenario", [
    ("shared-storage", "bpf-fentry"),  # a BPF program's output
    ("stateful-get", "go-unpinned"),  # another goroutine's call
    ("per-cpu", "kernel-caller"),  # another process (modprobe)
    ("task-struct", "irq-during-bpf"),  # interrupt code
])
def test_no_spoofing_names_who_wrote(design, scenario):
    r = verdict(design, scenario, "no-spoofing")
    assert r.verdict.kind == "violated"


def test_no_spoofing_is_not_attribution():
    # The thread's own task_work clobbers the slot: wrong, not spoofed.
    assert verdict("stateful-get", "task-work", "attribution").verdict.kind == \
        "violated"
    assert verdict("stateful-get", "task-work", "no-spoofing").verdict.kind == "holds"
