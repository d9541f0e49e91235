#!/usr/bin/env bash
# Builds the local-backend benchmark in release mode: a chain of /bin/true tasks through the controller
# versus a plain posix_spawn loop. SLUICE_BENCH_DIR picks the store's file system (default: $TMPDIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product sluice-bench-local --scratch-path .build-release >&2
swift build -c release --product sluice-supervisor --scratch-path .build-release >&2
for i in 1 2 3; do .build-release/release/sluice-bench-local "${1:-200}"; echo; done
