"""User threads making bpf() calls, and what each call does in the kernel.

A 1:1 thread or a goroutine makes its calls one after another: an
optional user-space syscall the design asks for (``prepare``), ``bpf()``
entry, the steps of the syscall path (an error site emitting a message, a
BPF fentry program running in the same task, sleeping on ``cgroup_mutex``
and waking on any CPU), the ``-EINVAL`` return, then reading the
explanation.  Actions are ground per task and CPU, so a design's hooks see
constants; the guard says where the thread is.
"""

from __future__ import annotations

from ..design import Context, Design
from ..lang import TRUE, And, Const, Expr, Not
from ..model import Domain


def tags(world, first: int) -> list[str]:
    """Register the calls and the BPF programs as writers of messages."""
    from ..world import Call  # noqa: PLC0415 (world imports actors)

    world.calls = []
    for ti, t in enumerate(world.threads):
        for n in range(t.calls):
            world.calls.append(Call(first + len(world.calls), ti, n, f"{t.name}#{n + 1}"))
    base = first + len(world.calls)
    world.program_tags = {p.name: base + i for i, p in enumerate(world.scenario.programs)}
    return [c.label for c in world.calls] + [p.name for p in world.scenario.programs]


def declare(world) -> None:
    b, s = world.builder, world.scenario
    world.stage_labels = (
        ["ready", "prepared"] + [f"kernel:{i}" for i in range(len(s.path) + 1)]
        + ["returned", "done"]
    )
    stages = Domain(tuple(world.stage_labels))
    world.stage, world.callno, world.task_of, world.pinned = {}, {}, {}, {}
    for ti, t in enumerate(world.threads):
        world.stage[ti] = b.var(f"stage[{t.name}]", stages, "ready", hidden=True)
        world.callno[ti] = b.var(f"call[{t.name}]", Domain.range(t.calls - 1), 0,
                                 hidden=True)
        if t.goroutine:
            world.task_of[ti] = b.var(f"task[{t.name}]", Domain(tuple(world.tasks)),
                                      world.tasks.index(t.on))
            sentence = (f"{t.name} is pinned to {t.on} (runtime.LockOSThread)"
                        if t.pinned else f"{t.name} is not pinned")
            world.pinned[ti] = b.flag(f"pinned[{t.name}]", t.pinned, frozen=True,
                                      hidden=True, assumption=sentence)


def stage_is(world, ti: int, label: str) -> Expr:
    return world.stage[ti] == world.stage_labels.index(label)


def in_kernel(world, ti: int) -> Expr:
    first = world.stage_labels.index("kernel:0")
    last = first + len(world.scenario.path)
    return (world.stage[ti] >= first) & (world.stage[ti] <= last)


def placements(world, ti: int) -> list[tuple[int, int, Expr, str]]:
    """(task, cpu, condition, actor name) for each place thread ``ti`` may run."""
    t = world.threads[ti]
    tasks = range(len(world.tasks)) if t.goroutine else [world.tasks.index(t.name)]
    cpus = range(len(world.cpus)) if world.cpu_of is not None else [0]
    result = []
    for task in tasks:
        on_task = world.task_of[ti] == task if t.goroutine else TRUE
        for cpu in cpus:
            cond, actor = on_task, (f"{t.name}@{world.tasks[task]}" if t.goroutine
                                    else t.name)
            if world.cpu_of is not None:
                cond = cond & (world.cpu_of.vars[task] == cpu)
                actor += f"/{world.cpus[cpu]}"
            result.append((task, cpu, cond, actor))
    return result


def task_free(world, ti: int, task: int) -> Expr:
    """No other goroutine is inside a syscall on OS thread ``task``."""
    return And(Not((world.task_of[o] == task) & in_kernel(world, o))
               for o in world.task_of if o != ti)


def actions(world, design: Design) -> None:
    for call in world.calls:
        ti = call.thread
        is_call = world.callno[ti] == call.number
        for task, cpu, where, actor in placements(world, ti):
            ctx = Context(ti, call.tag, task, cpu)
            call_actions(world, design, call, ctx, is_call & where, actor)


def call_actions(world, design: Design, call, ctx: Context, here: Expr,
                 actor: str) -> None:
    b, ti, path = world.builder, call.thread, world.scenario.path
    t, labels = world.threads[ti], world.stage_labels
    prepare = design.prepare(ctx)
    start = "ready" if prepare is None else "prepared"
    if prepare is not None:
        b.action(actor, design.prepare_name(call), here & stage_is(world, ti, "ready"),
                 {world.stage[ti]: Const(labels.index("prepared"))}, prepare)
    entry = here & stage_is(world, ti, start)
    if t.goroutine:
        entry = entry & task_free(world, ti, ctx.task)
    b.action(actor, f"bpf() call {call} enters the kernel", entry,
             {world.stage[ti]: Const(labels.index("kernel:0"))}, design.syscall_entry(ctx))
    for i, step in enumerate(path):
        path_step(world, design, call, ctx, here, actor, i, step)
    b.action(actor, f"bpf() call {call} returns -EINVAL",
             here & stage_is(world, ti, f"kernel:{len(path)}"),
             {world.stage[ti]: Const(labels.index("returned")), world.failed(call): TRUE},
             design.syscall_exit(ctx))
    last = call.number == t.calls - 1
    after = {world.stage[ti]: Const(labels.index("done" if last else "ready"))}
    if not last:
        after[world.callno[ti]] = Const(call.number + 1)
    got = list(design.retrieve(ctx))
    if len(got) != world.slots:
        raise ValueError(f"design {design.name}: retrieve() gave {len(got)} slots, "
                         f"not {world.slots}")
    after.update(zip(world.got(call), got))
    after[world.retrieved(call)] = TRUE
    b.action(actor, f"reads the explanation of {call}",
             here & stage_is(world, ti, "returned"), after)


def path_step(world, design: Design, call, ctx: Context, here: Expr, actor: str,
              i: int, step: str) -> None:
    b, ti = world.builder, call.thread
    guard = here & stage_is(world, ti, f"kernel:{i}")
    advance = {world.stage[ti]: Const(world.stage_labels.index(f"kernel:{i + 1}"))}
    if step == "emit":
        emitted = world.emitted(call)
        b.action(actor, f"error site: syscall_string() for {call}", guard, advance,
                 {emitted: emitted + 1}, design.emit(ctx, call.tag))
    elif step == "sleep":
        if world.cpu_of is None:
            b.action(actor, "sleeps on cgroup_mutex, wakes up", guard, advance)
            return
        for cpu in range(len(world.cpus)):
            b.action(actor, f"sleeps on cgroup_mutex, resumes on {world.cpus[cpu]}",
                     guard, advance, world.cpu_of.set(ctx.task, cpu))
    else:
        program = next(p for p in world.scenario.programs if p.name == step)
        b.action(f"{step} in {actor}", f"{program.attach} runs inside {call}, "
                 "writes output", guard, advance,
                 design.bpf_output(ctx, world.program_tags[step]))
