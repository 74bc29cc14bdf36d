"""FreeBSD ``exterrctl`` (2025): a per-thread buffer libc registers once.

Source: DOMAIN.md ("FreeBSD shipped (a) in 2025 as exterrctl, registered
per thread from libc") and FreeBSD's libc (lib/libc/gen/uexterr_gettext.c,
Konstantin Belousov, 2025): a ``struct uexterror`` in libc's memory,
registered by a constructor with ``exterrctl(EXTERRCTL_ENABLE, 0,
&uexterr)`` before ``main`` runs; ``uexterr_gettext()`` formats it.  In
the kernel (sys/sys/exterrvar.h, ``SET_ERROR2``), an error site stores
one record in the thread, ``curthread->td_kexterr``, only if the thread
registered (``TDP2_UEXTERR``), replacing any earlier record, and marks
it (``TDP2_EXTERR``); the return of the failing syscall copies it out to
the registered buffer (the issue: "filled by the kernel on error
return").  DOMAIN.md: "FreeBSD's equivalent forbids use in interrupt
context".  Assumed, not checked against FreeBSD's source: the record is
reset at syscall entry, and a failing return without a record leaves
the user buffer empty (if it kept the old one, the caller of a call that
fails without a message would read a stale one).

Encoded for ``bpf()``: the registered buffer is libc's memory of the OS
thread (keyed by task: it is the thread's registration, whoever runs on
it); registration is the thread-start step; error sites write one slot in
the task; a failing return to user space copies it out; the caller reads
the buffer of the thread it runs on when it asks.  A nested
``bpf_sys_bpf`` does not return to user space, so only the outer call
copies out, and its own later site replaces the nested one's message.
Unlike ``stateful-reg`` nothing is written to user memory before the
return, and interrupt code writes nothing.  A Go program on FreeBSD
reaches libc's start-up only when built with cgo; the model lets the
first step of each goroutine register the OS thread it runs on, as libc
does for its own threads.

Switch ``save_restore``: a signal handler saves the registered buffer on
entry and restores it before returning (the errno convention), so its
own calls do not clobber the interrupted code's explanation.

Old kernels: libc's constructor asks the kernel's release first, ``if
(__getosreldate() >= P_OSREL_EXTERRCTL) exterrctl(EXTERRCTL_ENABLE, 0,
&uexterr)`` (lib/libc/gen/uexterr_gettext.c, 2025), so it never makes a
syscall an old kernel lacks (FreeBSD's ``nosys`` would also post
SIGSYS).  The osreldate is the probe: below ``P_OSREL_EXTERRCTL`` on an
old kernel, at or above it on a new one; calls then run as ever.
"""

from einval.design import Design, OldKernel, Switch
from einval.model import Domain


class Exterrctl(Design):
    name = "exterrctl"
    summary = "FreeBSD exterrctl: libc registers a buffer per thread; filled on return"
    order = 100
    churn = "current"
    old_kernel = OldKernel(
        request="exterrctl(EXTERRCTL_ENABLE) from libc at thread start", errno=None,
        probe="getosreldate() against P_OSREL_EXTERRCTL", probe_old="osrel-old",
        probe_new="osrel-new",
        source="FreeBSD lib/libc/gen/uexterr_gettext.c (uexterr_ctr)")
    switches = {
        "save_restore": Switch(
            "signal handlers save and restore the exterr buffer (like errno)",
            "signal handlers leave the exterr buffer as their calls left it"),
    }

    def declare(self):
        w = self.world
        # libc's struct uexterror is user memory; td_kexterr is a field of
        # struct thread (kernel memory); a handler's saved copy is user memory.
        self.user = w.buffers("uexterr", owner="task", policy="overwrite", memory="user")
        self.kexterr = w.buffers("td_kexterr", owner="task", policy="overwrite",
                                 memory="kernel")
        self.enabled = w.per_task("uexterr_on", Domain.range(1))
        self.saved = w.buffers("saved_uexterr", owner="frame", policy="overwrite",
                               memory="user")

    def thread_start(self, ctx):
        return self.enabled.set(ctx.task, 1)

    def thread_start_name(self, call):
        return f"libc: exterrctl(EXTERRCTL_ENABLE) (before {call})"

    def syscall_entry(self, ctx):
        if ctx.depth > 0:
            return {}
        return self.kexterr.clear(self.kexterr.ref(ctx.task))

    def emit(self, ctx, tag):
        if not ctx.in_task or ctx.task is None:
            return {}
        return self.when(self.enabled.at(ctx.task) == 1,
                         self.kexterr.append(self.kexterr.ref(ctx.task), tag))

    def syscall_exit(self, ctx):
        if ctx.depth > 0 or ctx.task is None:
            return {}
        copyout = self.user.copy(self.user.ref(ctx.task), self.kexterr.ref(ctx.task),
                                 self.kexterr)
        return self.when(self.enabled.at(ctx.task) == 1, copyout)

    def retrieve(self, ctx):
        got = self.user.contents(self.user.ref(ctx.task))
        return got + [0] * (self.world.slots - len(got))

    def handler_enter(self, ctx):
        save = self.saved.copy(self.saved.ref(ctx.frame), self.user.ref(ctx.task),
                               self.user)
        return self.when(self.switch("save_restore"), save)

    def handler_leave(self, ctx):
        restore = self.user.copy(self.user.ref(ctx.task), self.saved.ref(ctx.frame),
                                 self.saved)
        return self.when(self.switch("save_restore"), restore)
