#!/usr/bin/env bash
# tests/test_churn_kernel.py: Debian's Linux 6.1 source, unpacked where the
# tests look for it (/usr/src/linux-source-6.1). Idempotent.
set -euo pipefail
tree=/usr/src/linux-source-6.1
if [ -f "$tree/kernel/bpf/syscall.c" ]; then
    exit 0
fi
if [ ! -f /usr/src/linux-source-6.1.tar.xz ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.1
fi
tar xJf /usr/src/linux-source-6.1.tar.xz -C /usr/src
