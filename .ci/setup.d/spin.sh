#!/usr/bin/env bash
# SPIN and a C compiler, for the Promela cross-check (tests/test_promela.py
# skips without them).  Idempotent: apt-get does nothing when installed.
set -euo pipefail
if command -v spin >/dev/null && command -v gcc >/dev/null; then
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spin gcc
