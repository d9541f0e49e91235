#!/usr/bin/env bash
# Builds the local-backend benchmark in release mode: a chain of /bin/true tasks and a map at parallelism 4 through the controller
# versus plain posix_spawn loops (serial, and 4 in flight). SLUICE_BENCH_DIR picks the store's file system (default: $TMPDIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product sluice-bench-local --scratch-path .build-release >&2
swift build -c release --product sluice-supervisor --scratch-path .build-release >&2
# Arguments: chain length (default 100), map size (default 500, 0 skips it). REPEATS runs (default 3).
for i in $(seq "${REPEATS:-3}"); do .build-release/release/sluice-bench-local "${1:-100}" "${2:-500}"; echo; done
