"""4th argument: the caller's log buffer travels with the call.

Encodes Andrii's proposal #1 as Alexei spells it out in his mail of Mon,
Jul 20, 2020 ("log_buf needs to passed outside of 'union bpf_attr'.
Probably as 4th argument to sys_bpf ? and then a bit in 'int cmd' would
need to be burned"), with the pointer threaded down as a parameter
("__cgroup_bpf_attach, cgroup_bpf_attach, cgroup_bpf_link_attach,
link_create" gain it).  Merged in 2026 as BPF_COMMON_ATTRS.

Every error site writes to the buffer of the call that reached it,
because the buffer is a parameter of that call: no task, goroutine or CPU
is involved in finding it.  The buffer lives in the caller's frame (its
own memory for this call).  Code that is not on a call's path (an
interrupt) has no such parameter, and neither does a nested
``bpf_sys_bpf()`` call: the helper takes three arguments.

Old kernels (DOMAIN.md): the 4th argument comes with "a bit in 'int cmd'
... burned to indicate that 4th arg is there" (Alexei, same mail).  A
kernel that predates it does not know the bit: the command switch of
``__sys_bpf`` (5.8: ``SYSCALL_DEFINE3(bpf)``) falls to ``default: err =
-EINVAL``, so the whole call fails with the errno of a real error before
any of it runs, and no text comes back.  No probe is part of the
proposal.
"""

from einval.design import CallBuffer, OldKernel


class FourthArgument(CallBuffer):
    name = "4th-arg"
    summary = "log buffer passed as a 4th bpf() argument, threaded as a parameter"
    order = 10
    churn = "explicit"
    old_kernel = OldKernel(
        request="an unknown cmd bit (the 4th argument's flag)", errno="EINVAL",
        source="thread, Alexei 20 July 2020; __sys_bpf's command switch")

    def in_hand(self, ctx):
        """A nested bpf_sys_bpf() call has no 4th argument."""
        return ctx.call is not None and ctx.depth == 0
