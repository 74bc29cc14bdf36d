"""Stateful syscall, form (a): a per-thread registered log buffer.

Encodes Andrii's proposal #2 in his mail of Mon, Jul 20, 2020 ("stateful
logging (e.g., through extra syscall to set user log buffer and unset
it) ... The biggest downside, though, is runtimes like Golang, where
application doesn't control which OS thread it runs on").  FreeBSD
shipped this form in 2025 as exterrctl.

Before its first call each user thread registers its own buffer with a
syscall; the kernel keeps the registration in the *OS thread* it ran on.
Every later failing bpf() on that OS thread fills the registered buffer,
whoever is running there now.
"""

from einval.design import Design


class StatefulRegister(Design):
    name = "stateful-reg"
    summary = "a syscall registers a per-thread buffer; failing calls fill it"
    order = 30
    churn = "current"

    def declare(self):
        self.log = self.world.buffers("log", owner="thread")
        self.registered = self.world.per_task("registered", self.log.pointer_domain)

    def prepare(self, ctx):
        if self.world.calls[ctx.call - 1].number != 0:
            return None
        return self.registered.set(ctx.task, self.log.ref(ctx.thread))

    def prepare_name(self, call):
        return f"registers its log buffer (before {call})"

    def syscall_entry(self, ctx):
        return self.log.clear(self.registered.at(ctx.task))

    def emit(self, ctx, tag):
        return self.log.append(self.registered.at(ctx.task), tag)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.thread))
