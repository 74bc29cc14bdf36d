"""log_buf inside one command's ``union bpf_attr`` (Toke's patch).

Source: the thread (Alexei, 20 July 2020): "I certainly prefer Toke's
approach of adding log_buf to one specific command if it's really needed
there", and "When log_buf is added to an existing command the 'union
bpf_attr' is there in the function proto and nothing new needs to passed
to a lot of functions".  Toke's series (the thread's subject, "add new
members to bpf_attr.raw_tracepoint") gives one command ``log_level``,
``log_size`` and ``log_buf`` fields, exactly like the verifier's
``log_buf`` in ``BPF_PROG_LOAD`` (kernel/bpf/verifier.c,
``bpf_verifier_log``).  Never merged for that command.

The buffer is user memory named by a field of *this call's* attr, so it
is keyed by the caller's frame and reached as a parameter (the attr
pointer): no task, goroutine or CPU is involved.  What it cannot do:

- an error site in the command switch (``unknown_cmd``: "Unknown BPF
  command 123") runs before the attr is interpreted, so it cannot log
  (DOMAIN.md, Claims 1);
- an interrupt has no attr in hand, so it cannot log;
- a nested ``bpf_sys_bpf`` call passes its own attr, in the BPF program's
  memory: its messages go there, never into the outer call's buffer.

Each call starts with its buffer empty (the model gives every call a
fresh log, as it does for ``4th-arg``); when it is full, later messages
are dropped, as the verifier log truncates.

Old kernels: the new fields sit inside ``union bpf_attr`` (the
raw_tracepoint struct, two fields, is far smaller than the union, which
prog_load's struct sizes), so a kernel that predates them finds nonzero
bytes after the command's last field: ``CHECK_ATTR`` in the command's
handler (kernel/bpf/syscall.c, 5.8 and 6.1) fails it with ``-EINVAL``,
the errno of a real error, before anything else of it runs.  Only fields
past the old kernel's ``sizeof(attr)`` would get the distinct ``-E2BIG``
(``bpf_check_uarg_tail_zero`` in ``__sys_bpf``): not the case for a
command smaller than the union.  No probe is part of the patch.
"""

from einval.design import CallBuffer, OldKernel
from einval.steps.unknown_cmd import DISPATCH


class AttrLog(CallBuffer):
    name = "attr-log"
    summary = "log_buf in one command's bpf_attr (Toke's patch, like the verifier)"
    order = 80
    churn = "attr"

    buffer_name = "attr_log"
    old_kernel = OldKernel(
        request="nonzero log fields after the command's last field", errno="EINVAL",
        source="kernel/bpf/syscall.c: CHECK_ATTR(BPF_RAW_TRACEPOINT_OPEN)")

    def in_hand(self, ctx):
        """Not at the command switch: an unknown command has no attr layout."""
        return ctx.call is not None and ctx.kind != DISPATCH
