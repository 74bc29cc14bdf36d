"""``io_wq``: the request is punted to an io-wq worker, which fails it.

Stands for io_uring's async punt (io_uring/io_uring.c, 6.1:
``io_queue_iowq`` when a request cannot complete inline): a worker thread
of the same process (``create_io_thread``, a task of its own named
``iou-wrk-PID``, one pool per submitting task in 6.1) runs the request
(``io_wq_submit_work``), and its error comes back only as the CQE
result (DOMAIN.md, io_uring).  The caller meanwhile sleeps in
``io_uring_enter(..., IORING_ENTER_GETEVENTS)`` (``io_cqring_wait``)
until the CQE is posted, so the worker's error site is one atomic step
inside the caller's call.

No io_uring op runs ``bpf()`` in 6.1: a call with this step stands for
the thread's "all syscalls" generalisation (Alexei: "May be all
syscalls will become stateful"), a request submitted through io_uring
whose failure the submitter wants explained.  The error site runs with
``current`` the worker's task (``ctx.task``), ``in_task()`` true,
``ctx.kind`` ``worker``, and the call, frame and thread of the request's
submitter: the request carries what was submitted with it, nothing
that lives in the submitter's task.  The worker stays on CPU0 (the
model never moves it: fewer traces, none the kernel forbids).
"""

from __future__ import annotations

from ..context import WORKER
from . import Step


class IoWq(Step):
    keyword = "io_wq"
    summary = "io_uring punts the request to an io-wq worker, whose error site logs"
    emits = 1

    def register(self, world, call, number):
        thread = call.ctx.thread
        workers = world.of(self).__dict__.setdefault("workers", {})
        if thread not in workers:
            owner = world.threads[thread].name if thread is not None else "k"
            workers[thread] = world.add_task(f"iou-wrk-{owner}", 0)

    def instructions(self, world, program, call, number):
        worker = world.of(self).workers[call.ctx.thread]
        name = world.tasks[worker]

        def act(site):
            writer = call.writer
            for cpu in range(world.cpus):
                ctx = site.ctx.but(kind=WORKER, in_task=True, task=worker, cpu=cpu)
                where = f" on CPU{cpu}" if world.cpus > 1 else ""
                site.action(f"io-wq worker{where} runs the punted request of "
                            f"{call}: error site: syscall_string()",
                            world.hook("emit", ctx, writer.tag),
                            world.count_emit(writer), guard=world.on_cpu(worker, cpu),
                            actor=name, lane=name)

        self.one(program, call, "io-wq worker", act)

    def skip_name(self, call):
        return f"the request of {call} completes inline"
