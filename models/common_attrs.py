"""``BPF_COMMON_ATTRS``, as merged in bpf-next in 2026.

Source: DOMAIN.md ("merged in 2026 as BPF_COMMON_ATTRS (bit 16 in
``cmd``, 4th/5th args, ``struct bpf_common_attr {log_buf, log_size,
log_level, log_true_size}``), threaded explicitly into map_create,
prog_load, btf_load; nested ``bpf_sys_bpf`` calls get no log"), the
descendant of Andrii's proposal #1 as Alexei spelled it out on 20 July
2020 ("a bit in 'int cmd' would need to be burned to indicate that 4th
arg is there. Probably size of the arg needs to be passed either as 5th
arg").

Unlike ``4th-arg`` (the 2020 proposal, usable "from any of the BPF
commands"), the merged form reaches only the commands it is threaded
into: an error site in the command switch (``unknown_cmd``) is not one
of them, so it logs nothing.  The log is user memory of this call (keyed
by the caller's frame), passed as a parameter: no task, goroutine or CPU
is involved.  ``bpf_sys_bpf`` takes three arguments, so nested calls and
interrupts have no log; the kernel caller ``kern_sys_bpf`` neither.

Old kernels (DOMAIN.md, "Old kernels"): bit 16 of ``cmd`` is unknown to a
kernel that predates it and gets ``-EINVAL`` from the command switch, the
errno of a real error.  So the design probes first: the flag with a NULL
common-attr pointer gets ``-EFAULT`` from a kernel that reads the common
attrs and ``-EINVAL`` from one that does not.  A caller whose probe got
``-EINVAL`` does not set the flag, and its call runs as before, failing
with its own errno and no text.  The probe is made once, before the
thread's first call (libbpf caches such feature probes).
"""

from einval.design import CallBuffer, OldKernel
from einval.steps.unknown_cmd import DISPATCH


class CommonAttrs(CallBuffer):
    name = "common-attrs"
    summary = "BPF_COMMON_ATTRS (2026): cmd bit + 4th/5th args, explicit threading"
    order = 15
    churn = "explicit"

    buffer_name = "common_log"
    old_kernel = OldKernel(
        request="cmd bit 16 with the common attrs", errno=None,
        probe="bpf(cmd | BPF_COMMON_ATTRS) with a NULL common-attr pointer",
        probe_old="EINVAL", probe_new="EFAULT",
        source="DOMAIN.md, Old kernels: the 2026 probe expects -EFAULT")

    def in_hand(self, ctx):
        """Not at the command switch (the common attrs are not parsed yet),
        not in a nested call (no common attrs)."""
        return ctx.call is not None and ctx.depth == 0 and ctx.kind != DISPATCH
