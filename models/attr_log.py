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
"""

from einval.design import CallBuffer
from einval.steps.unknown_cmd import DISPATCH


class AttrLog(CallBuffer):
    name = "attr-log"
    summary = "log_buf in one command's bpf_attr (Toke's patch, like the verifier)"
    order = 80
    churn = "attr"

    buffer_name = "attr_log"

    def in_hand(self, ctx):
        """Not at the command switch: an unknown command has no attr layout."""
        return ctx.call is not None and ctx.kind != DISPATCH
