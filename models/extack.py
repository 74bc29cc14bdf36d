"""netlink extack style: one message slot in the reply to this request.

Source: DOMAIN.md ("netlink extack: one message slot in the request's
ack, explicitly threaded; last writer wins; only if the socket opted
in"), in the kernel since 4.12 (2017) and named in the thread by Alexei
("some of netlink extack strings got to this level of stability").  In
the kernel: ``netlink_rcv_skb`` puts a ``struct netlink_ext_ack`` on its
stack and passes it as a parameter to the handler (``extack`` argument
of every ``doit``); ``NL_SET_ERR_MSG(extack, "...")`` stores one message
pointer, replacing any earlier one; ``netlink_ack`` attaches it to the
ack of *this* request (``NLMSGERR_ATTR_MSG``) only when the socket set
``NETLINK_EXT_ACK`` with ``setsockopt`` (``NETLINK_F_EXT_ACK``).

Encoded for ``bpf()``: each call's extack is a parameter of that call (a
slot keyed by the caller's frame, one message, last writer wins); each
thread opts in once at start, on its own socket; the caller reads the
slot from the reply to its request.  Code with no extack in hand (an
interrupt, a nested ``bpf_sys_bpf``, whose helper has three arguments)
logs nothing into the caller's.

Old kernels: the opt-in is the probe.  ``netlink_setsockopt`` answers an
option it does not know with ``-ENOPROTOOPT`` (net/netlink/af_netlink.c,
its ``default:`` case; ``NETLINK_EXT_ACK`` itself is answered since
4.12), a kernel that knows it with 0.  Calls run as ever.
"""

from einval.design import Design, OldKernel
from einval.lang import If
from einval.model import Domain
from einval.vocab import EMPTY


class Extack(Design):
    name = "extack"
    summary = "netlink extack: one slot in this request's reply, if opted in"
    order = 90
    churn = "explicit"
    old_kernel = OldKernel(
        request="a setsockopt() opt-in at thread start", errno=None,
        probe="setsockopt(NETLINK_EXT_ACK)", probe_old="ENOPROTOOPT", probe_new="0",
        source="net/netlink/af_netlink.c: netlink_setsockopt's default case")

    def declare(self):
        # struct netlink_ext_ack is on netlink_rcv_skb's stack: kernel memory
        # (the model keeps the slot until the next request: an overcount).
        self.slot = self.world.buffers("extack", owner="frame", policy="overwrite",
                                       memory="kernel")
        self.opted = self.world.per_thread("ext_ack_on", Domain.range(1))

    def thread_start(self, ctx):
        return self.opted.set(ctx.thread, 1)

    def thread_start_name(self, call):
        return f"setsockopt(NETLINK_EXT_ACK) on its socket (before {call})"

    def extack(self, ctx):
        """The extack of the request this code serves, or NULL."""
        if ctx.call is None or ctx.depth > 0 or ctx.frame is None:
            return self.slot.ref(None)
        return self.slot.ref(ctx.frame)

    def syscall_entry(self, ctx):
        return self.slot.clear(self.extack(ctx))

    def emit(self, ctx, tag):
        return self.slot.append(self.extack(ctx), tag)

    def retrieve(self, ctx):
        # netlink_ack copies the message into the ack only if opted in.
        on = self.opted.at(ctx.thread) == 1
        mine = self.slot.contents(self.slot.ref(ctx.frame))
        return [If(on, cell, EMPTY) for cell in mine] + [EMPTY] * (
            self.world.slots - len(mine))
