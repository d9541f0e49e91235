#!/usr/bin/env bash
# Kubernetes client benchmarks (release): watch decoding on one core, watch events from KubeSim into an
# informer, pod-create throughput at a QPS/burst, informer memory for 10,000 pods, leader hand-over on the
# real clock (lease 2 s, retry 0.25 s: after a crash expect just over 2 s). Prints a table of
# medians over REPEATS runs (default 3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
repeats="${REPEATS:-3}"
swift build -c release --product sluice-bench-kube --scratch-path .build-release >&2
bench=.build-release/release/sluice-bench-kube

# field NAME LINE: the value of NAME=... in a tab-separated result line.
field() { tr "\t" "\n" <<<"$2" | sed -n "s|^$1=||p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run() { # label field command...
    local label="$1" name="$2"; shift 2
    local values=()
    for _ in $(seq 1 "$repeats"); do
        line="$("$@")"
        values+=("$(field "$name" "$line")")
        extra="$line"
    done
    printf '| %s | %s | %s |\n' "$label" "$(printf '%s\n' "${values[@]}" | median)" "$(printf '%s ' "${values[@]}")"
}

echo "| measurement | median | runs |"
echo "|---|---:|---|"
run "watch decode, one core (events/s, 100,000 x 4.2 KiB pods)" "events/s" taskset -c 0 "$bench" decode
run "KubeSim watch -> informer (events/s, 100,000 MODIFIED)" "events/s" "$bench" watch
run "create 1,000 pods, QPS 500 burst 1000 (pods/s)" "pods/s" "$bench" create --qps 500 --burst 1000
run "  p99 latency (ms)" "p99_ms" "$bench" create --qps 500 --burst 1000
run "create 1,000 pods, QPS 500 burst 100 (pods/s)" "pods/s" "$bench" create --qps 500 --burst 100
run "informer RSS for 10,000 pods (MiB)" "informer_mib" "$bench" memory
run "leader hand-over after a crash (s; lease 2 s, retry 0.25 s)" "seconds" "$bench" handover
run "leader hand-over after a release (s)" "seconds" "$bench" handover --release 1
