#!/usr/bin/env bash
# Issue 17's web UI figures (bench/ui.py) in headless Chromium against a real `sluice serve`: first render of a
# 10,000-node run page and the time to apply 1,000 live events. Builds a release sluice unless SLUICE_BIN names
# a binary. Arguments: nodes (10000), events (1000), repeats (5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
CI=true scripts/ui-deps.sh
if [ -z "${SLUICE_BIN:-}" ]; then
  swift build -c release --scratch-path .build-release --product sluice >/dev/null
  SLUICE_BIN="$root/.build-release/release/sluice"
fi
"$root/.build/venv-ui/bin/python" bench/ui.py "$SLUICE_BIN" "${1:-10000}" "${2:-1000}" "${3:-5}"
