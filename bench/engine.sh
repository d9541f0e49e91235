#!/usr/bin/env bash
# Builds the engine benchmark in release mode and prints a table: the engine alone with an instant fake
# backend, in memory and with every step committed to SQLite. Each row is its own process (peak RSS is its own).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product sluice-bench-engine --scratch-path .build-release >&2
bin=".build-release/release/sluice-bench-engine"
printf "| shape | nodes | state | median (s) | µs per node | CPU µs per node | steps | peak RSS (MiB) |\n|---|---:|---|---:|---:|---:|---:|---:|\n"
for spec in "chain 1000" "chain 10000" "fanout 10000" "fanout 100000" "dag 10000" "map 250" "map 1000" "map 4000" "map 16000"; do
  for mode in "" "--store"; do
    read -r shape n m med per steps rss cpu < <($bin $spec $mode --repeat "${REPEAT:-3}")
    printf "| %s | %s | %s | %.3f | %.1f | %.1f | %s | %.0f |\n" "$shape" "$n" "$m" "$med" "$per" "$cpu" "$steps" "$rss"
  done
done
