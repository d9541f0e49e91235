#!/usr/bin/env bash
# Gateway overhead: small GETs to one local app replica directly and through `sluice serve`'s /apps/NAME/
# gateway, with the same load generator (wrk, Debian package `wrk`), 64 connections, 2 threads.
# Usage: bench/gateway.sh [DURATION] [RUNS] (default 10s, 3 runs each, alternating; prints each run, the median of
# requests/s, p50 and p99 per path, and the load average before and after). Release builds in .build-release.
# APP=python deploys bench/gateway-app.py (Python's http.server) instead of the Hummingbird app: an app that spends
# more per request than the gateway does, where the Hummingbird one spends less.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${1:-10s}"
runs="${2:-3}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
swift build -c release --product sluice --scratch-path .build-release >&2
swift build -c release --product sluice-bench-gateway-app --scratch-path .build-release >&2
bin="$root/.build-release/release"
work="$(mktemp -d)"
trap 'kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null; rm -rf "$work"' EXIT
"$bin/sluice" serve --store "$work/store" --listen 127.0.0.1:0 2>"$work/serve.log" &
serve=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1)"
if [ "${APP:-swift}" = python ]; then app_command="[python3, \"$root/bench/gateway-app.py\"]"; else app_command="[\"$bin/sluice-bench-gateway-app\"]"; fi
cat > "$work/apps.yaml" <<YAML
apps:
  - name: bench
    command: $app_command
    replicas: 1
    health: {path: /healthz, interval: 1s, timeout: 1s, failures: 3}
    public: true
YAML
"$bin/sluice" apps deploy "$work/apps.yaml" --server "$url" --store "$work/store" >&2
for _ in $(seq 100); do
    status="$("$bin/sluice" apps status bench -o json --server "$url" --store "$work/store")"
    echo "$status" | grep -q '"state" : "healthy"\|"state":"healthy"' && break
    sleep 0.1
done
port="$(echo "$status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["replica_states"][0]["port"])')"
run() { wrk -t2 -c64 -d"$duration" --latency "$1" | tee -a "$work/$2.txt" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|errors"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
    echo "run $i direct  http://127.0.0.1:$port/"; run "http://127.0.0.1:$port/" direct
    echo "run $i gateway $url/apps/bench/"; run "$url/apps/bench/" gateway
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Medians over the runs (latencies in ms).
for path in direct gateway; do
    python3 - "$work/$path.txt" "$path" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = [float(x) for x in re.findall(r"Requests/sec:\s+([\d.]+)", text)]
p50 = [ms(v, u) for v, u in re.findall(r"^\s+50%\s+([\d.]+)(us|ms|s)", text, re.M)]
p99 = [ms(v, u) for v, u in re.findall(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)]
print(f"median {sys.argv[2]:8} {statistics.median(rps):10.0f} req/s  p50 {statistics.median(p50):.2f} ms  p99 {statistics.median(p99):.2f} ms  ({len(rps)} runs)")
PY
done
