#!/usr/bin/env bash
# Kubernetes backend benchmarks (issue 12, release): the controller against a KubeSim process of its own
# (scripted kubelet; every pod's start-delay and run-duration are 0 ms), the store on /dev/shm.
#   - step-to-step latency over a chain of STEPS pods (default 200): upstream pod's end seen on the watch ->
#     downstream pod's create request about to be sent; p50/p90/p99/max over the chain, and its stages;
#   - a MAP-way map (default 1,000) at pod-creation QPS 200, burst 200 (API client: QPS 1000, burst 1000;
#     --max-pods and --max-pods-per-run = MAP, so only the creation rate limits): time until every create
#     was sent, duplicate creates in KubeSim's write log, wall time to the run's end, controller and KubeSim RSS.
#   - the same map with finished pods deleted at once (--pod-delete-after 0).
# Prints a table of medians over REPEATS runs (default 3) and every run's value.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
repeats="${REPEATS:-3}"
steps="${STEPS:-200}"
items="${MAP:-1000}"
swift build -c release --product kubesim --scratch-path .build-release >&2
swift build -c release --product sluice-bench-kube-backend --scratch-path .build-release >&2
bench=.build-release/release/sluice-bench-kube-backend

# field NAME LINE: the value of NAME=... in a tab-separated result line.
field() { tr "\t" "\n" <<<"$2" | sed -n "s|^$1=||p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

chain=() map=() quick=()
for _ in $(seq 1 "$repeats"); do chain+=("$("$bench" chain --steps "$steps")"); done
for _ in $(seq 1 "$repeats"); do map+=("$("$bench" map --items "$items" --qps 200 --burst 200)"); done
# The same with finished pods deleted at once (--pod-delete-after 0): KubeSim then holds fewer pods.
for _ in $(seq 1 "$repeats"); do quick+=("$("$bench" map --items "$items" --qps 200 --burst 200 --delete-after-ms 0)"); done

row() { # label field lines...
    local label="$1" name="$2"; shift 2
    local values=()
    for line in "$@"; do values+=("$(field "$name" "$line")"); done
    printf '| %s | %s | %s |\n' "$label" "$(printf '%s\n' "${values[@]}" | median)" "$(printf '%s ' "${values[@]}")"
}

echo "| measurement | median | runs |"
echo "|---|---:|---|"
row "step-to-step p50 (ms; $steps-pod chain)" p50_ms "${chain[@]}"
row "step-to-step p90 (ms)" p90_ms "${chain[@]}"
row "step-to-step p99 (ms)" p99_ms "${chain[@]}"
row "step-to-step max (ms)" max_ms "${chain[@]}"
row "  pod end on the watch -> observation at the controller, p50 (ms)" watch_to_receiver_p50_ms "${chain[@]}"
row "  observation -> step committed (SQLite), p50 (ms)" receiver_to_commit_p50_ms "${chain[@]}"
row "  observation -> step committed, p99 (ms)" receiver_to_commit_p99_ms "${chain[@]}"
row "  commit -> backend start, p50 (ms)" commit_to_start_p50_ms "${chain[@]}"
row "  backend start -> pod create sent (marker file, rate limiter, Secret create), p50 (ms)" start_to_send_p50_ms "${chain[@]}"
row "  backend start -> pod create sent, p99 (ms)" start_to_send_p99_ms "${chain[@]}"
row "chain wall time (s)" seconds "${chain[@]}"
row "$items-way map: submit -> last pod create sent (s; QPS 200, burst 200)" all_sent_s "${map[@]}"
row "  pod creates per second, first to last" rate_per_s "${map[@]}"
row "  creates behind the token bucket's schedule, p50 / max (s)" lag_p50_s "${map[@]}"
row "  ... max" lag_max_s "${map[@]}"
row "  submit -> last pod end seen (s)" last_end_s "${map[@]}"
row "  submit -> run ended (s)" run_s "${map[@]}"
row "  CPU seconds during the run: controller" cpu_s "${map[@]}"
row "  CPU seconds during the run: KubeSim" kubesim_cpu_s "${map[@]}"
row "  pod creates in KubeSim's write log" creates "${map[@]}"
row "  duplicate pod creates" duplicates "${map[@]}"
row "  pods alive at once, peak" peak_alive "${map[@]}"
row "  controller peak RSS, VmHWM (MiB; KubeSim not in it)" peak_rss_mib "${map[@]}"
row "  controller RSS before the run (MiB)" baseline_rss_mib "${map[@]}"
row "  KubeSim process peak RSS (MiB)" kubesim_peak_rss_mib "${map[@]}"
row "$items-way map, finished pods deleted at once: submit -> last pod create sent (s)" all_sent_s "${quick[@]}"
row "  pod creates per second, first to last" rate_per_s "${quick[@]}"
row "  submit -> run ended (s)" run_s "${quick[@]}"
row "  duplicate pod creates" duplicates "${quick[@]}"
row "  CPU seconds: controller" cpu_s "${quick[@]}"
row "  CPU seconds: KubeSim" kubesim_cpu_s "${quick[@]}"
row "  controller peak RSS (MiB)" peak_rss_mib "${quick[@]}"
