#!/usr/bin/env bash
# Builds the container-backend benchmark in release mode and runs it three times against the engine that
# DOCKER_HOST names (else scripts/container-engine.sh sets one up): per-task overhead over the bare engine API
# round trip (create+start+wait+remove) for a chain and a map at parallelism 4, and step-to-step latency.
# Usage: bench/container.sh [CHAIN] [MAP]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -z "${DOCKER_HOST:-}" ]; then export "$(scripts/container-engine.sh | tail -1)"; fi
swift build -c release --product sluice-bench-container --scratch-path .build-release >&2
for i in 1 2 3; do .build-release/release/sluice-bench-container "${1:-50}" "${2:-200}"; echo; done
