#!/usr/bin/env bash
# Runs schemathesis (PyPI) against the OpenAPI document a real `sluice serve` serves: no 5xx, and no response
# that contradicts the document. Starts the server on a free loopback port over a temporary store, with the
# admin token the server writes there, and stops it afterwards. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv-ci"
if [ ! -x "$venv/bin/schemathesis" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet schemathesis openapi-spec-validator
fi
[ -x .build/debug/sluice ] || swift build --product sluice
store="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$store.serve.log"
.build/debug/sluice serve --store "$store" --listen "127.0.0.1:$port" 2>"$log" &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$store" "$log"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "schemathesis.sh: the server did not start:"; cat "$log"; exit 1; }
auth=()
if [ -f "$store/admin.token" ]; then auth=(-H "Authorization: Bearer $(tr -d '[:space:]' < "$store/admin.token")"); fi
# Data for the document's examples: a run `demo` waiting at gate `review` (then signal `go`), and flow `demo`.
flow='name: demo
tasks:
  work:
    command: [sh, -c, "echo working; echo {} > $SLUICE_OUTPUTS"]
nodes:
  - {id: review, gate: {approve: null, message: "go ahead?"}}
  - {id: pick, gate: {signal: go, type: string}, after: [review]}
  - {id: work, task: work, after: [pick]}'
body() { python3 -c 'import json, sys; print(json.dumps({sys.argv[1]: sys.argv[2], **json.loads(sys.argv[3])}))' "$@"; }
curl -fsS "${auth[@]}" -H "Content-Type: application/json" -d "$(body flow "$flow" '{"run_id": "demo"}')" \
    "http://127.0.0.1:$port/api/v1/runs" >/dev/null
curl -fsS "${auth[@]}" -H "Content-Type: application/json" -d "$(body flow "$flow" '{}')" \
    "http://127.0.0.1:$port/api/v1/flows" >/dev/null
"$venv/bin/openapi-spec-validator" docs/api/openapi.yaml
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.yaml" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-20}" --request-timeout 10 --seed 1 \
    "${auth[@]}"
