#!/usr/bin/env bash
# Reports (issue 9): Graphviz for `--trace svg`, and Debian's chromium,
# in which a test renders `einval compare --format html` headless.
set -euo pipefail
need=()
command -v dot >/dev/null || need+=(graphviz)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
