#!/usr/bin/env bash
# Builds the compile benchmark in release mode and prints a table of median compile times.
# Each row runs in its own process (so peak RSS is that scenario's), pinned to one core.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product sluice-bench-compile >&2
bin=".build/release/sluice-bench-compile"
pin=""; command -v taskset >/dev/null && pin="taskset -c 0"
printf "| shape | nodes | format | median compile (s) | µs per node | peak RSS (MiB) | file size (MiB) |\n"
printf "|---|---:|---|---:|---:|---:|---:|\n"
for spec in "chain 1000" "chain 10000" "chain 100000" "fanout 10000" "fanout 100000" "dag 1000" "dag 10000" "dag 100000"; do
  for fmt in yaml json; do
    read -r shape n f med per rss bytes < <($pin $bin $spec --format $fmt --repeat "${REPEAT:-5}")
    printf "| %s | %s | %s | %.3f | %.2f | %.0f | %.1f |\n" "$shape" "$n" "$f" "$med" "$per" "$rss" "$(echo "$bytes/1048576" | bc -l)"
  done
done
