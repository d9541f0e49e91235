#!/usr/bin/env bash
# KubeSim conformance: the official Python `kubernetes` client, unchanged, against `kubesim --tls` (client
# certificate from the kubeconfig kubesim writes), then every stored object through
# `kubernetes-validate --strict`. Prints `N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv-kube"
k8s_version="${KUBE_SCHEMA_VERSION:-1.30.0}"
if [ ! -x "$venv/bin/kubernetes-validate" ] || ! "$venv/bin/python" -c 'import kubernetes' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "kubernetes==37.0.1" kubernetes-validate
fi
[ -x .build/debug/kubesim ] || swift build --product kubesim
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
.build/debug/kubesim --listen "127.0.0.1:$port" --tls --cert-dir "$work/certs" --write-kubeconfig "$work/kubeconfig" \
    --watch-history 30 >"$work/kubesim.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 200); do
    grep -q "kubesim: listening on" "$work/kubesim.log" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
grep -q "kubesim: listening on" "$work/kubesim.log" || { echo "kube-conformance.sh: kubesim did not start:"; cat "$work/kubesim.log"; exit 1; }

passed=0
failed=0
if "$venv/bin/python" scripts/kube_conformance.py "$work/kubeconfig" "$work/objects" | tee "$work/client.log"; then :; fi
client_line="$(grep -E '^python client: [0-9]+ passed, [0-9]+ failed' "$work/client.log" || echo 'python client: 0 passed, 1 failed')"
passed=$((passed + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$client_line")))
failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$client_line")))

# Schema check of everything the server stored; kubernetes-validate only warns on unknown kinds.
if [ -d "$work/objects" ] && compgen -G "$work/objects/*.json" >/dev/null; then
    "$venv/bin/kubernetes-validate" --strict -k "$k8s_version" "$work/objects"/*.json >"$work/validate.log" 2>&1 || true
    count="$(ls "$work/objects"/*.json | wc -l)"
    bad="$(grep -cvE '^INFO .* passed ' "$work/validate.log" || true)"
    if [ "$bad" -eq 0 ] && [ "$(grep -cE '^INFO .* passed ' "$work/validate.log" || true)" -eq "$count" ]; then
        echo "ok   kubernetes-validate --strict -k $k8s_version: $count objects"
        passed=$((passed + 1))
    else
        echo "FAIL kubernetes-validate --strict -k $k8s_version:"
        grep -vE '^INFO .* passed ' "$work/validate.log" | head -40
        failed=$((failed + 1))
    fi
else
    echo "FAIL no stored objects to validate"
    failed=$((failed + 1))
fi
echo "kube-conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
