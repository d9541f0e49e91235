#!/usr/bin/env bash
# Issue 9's waiting-runs figures (bench/gates.py) against a release build of sluice. Argument: run count (1000).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --scratch-path .build-release --product sluice >/dev/null
swift build -c release --scratch-path .build-release --product sluice-supervisor >/dev/null
python3 bench/gates.py "$root/.build-release/release/sluice" "${1:-1000}"
