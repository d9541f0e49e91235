#!/usr/bin/env bash
# Issue 13's figures (bench/hardening.py) against a release build of sluice.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --scratch-path .build-release --product sluice >/dev/null
swift build -c release --scratch-path .build-release --product sluice-supervisor >/dev/null
python3 bench/hardening.py "$root/.build-release/release/sluice"
