#!/usr/bin/env bash
# Gateway overhead: small GETs to one local app replica directly and through `sluice serve`'s /apps/NAME/
# gateway, with the same load generator (wrk, Debian package `wrk`), 64 connections, 2 threads.
# Usage: bench/gateway.sh [DURATION] (default 10s). Release builds in .build-release.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${1:-10s}"
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
cat > "$work/apps.yaml" <<YAML
apps:
  - name: bench
    command: ["$bin/sluice-bench-gateway-app"]
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
run() { wrk -t2 -c64 -d"$duration" --latency "$1" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|errors"; }
echo "direct  http://127.0.0.1:$port/"; run "http://127.0.0.1:$port/"
echo "gateway $url/apps/bench/"; run "$url/apps/bench/"
