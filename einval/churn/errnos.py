"""Which errno names exist, so that ``--errno EFOO`` is an error, not zeros.

A name is known if the tree's own errno headers define it, if Python's
``errno`` module knows it (the Linux uapi names), if it is one of the
kernel-internal codes of include/linux/errno.h (for trees unpacked without
include/), or if some parsed error site returns it.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable
from pathlib import Path

HEADERS = (
    "include/uapi/asm-generic/errno-base.h",
    "include/uapi/asm-generic/errno.h",
    "include/linux/errno.h",
)
# include/linux/errno.h of 6.1: codes the kernel uses but never hands to
# user space by name in uapi.
KERNEL_INTERNAL = (
    "ERESTARTSYS ERESTARTNOINTR ERESTARTNOHAND ENOIOCTLCMD "
    "ERESTART_RESTARTBLOCK EPROBE_DEFER EOPENSTALE ENOPARAM EBADHANDLE "
    "ENOTSYNC EBADCOOKIE ENOTSUPP ETOOSMALL ESERVERFAULT EBADTYPE EJUKEBOX "
    "EIOCBQUEUED ERECALLCONFLICT ENOGRACE"
).split()
_DEFINE_RE = re.compile(r"^#define\s+(E[A-Z0-9_]+)\s", re.M)


def known(root: Path, returned: Iterable[str] = ()) -> set[str]:
    """Every errno name this tree (or Linux in general) defines."""
    names = set(errno.errorcode.values()) | set(KERNEL_INTERNAL) | set(returned)
    for rel in HEADERS:
        header = root / rel
        if header.is_file():
            names.update(_DEFINE_RE.findall(header.read_text(errors="replace")))
    return names
