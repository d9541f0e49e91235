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
    --watch-history 30 --node kubesim-node-1 \
    --node gpu-1,cpu=8,memory=32Gi,nvidia.com/gpu=2,label:accelerator=a100,taint:nvidia.com/gpu=present:NoSchedule \
    --backoff-initial 1 --backoff-max 4 >"$work/kubesim.log" 2>&1 &
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

# kubectl, as a person uses it (the /usr/bin/kubectl dispatcher picks the version matching the server's).
kubectl_checks() {
    local k=(kubectl --kubeconfig "$work/kubeconfig" --cache-dir "$work/kube-cache")
    ok() { echo "ok   kubectl: $1"; passed=$((passed + 1)); }
    bad() { echo "FAIL kubectl: $1"; sed 's/^/    /' "$work/kubectl.out" | head -20; failed=$((failed + 1)); }
    run() { "${k[@]}" "$@" >"$work/kubectl.out" 2>&1; }
    if run get nodes && head -1 "$work/kubectl.out" | grep -qE '^NAME +STATUS +ROLES +AGE +VERSION$' \
        && grep -qE '^gpu-1 +Ready +<none> ' "$work/kubectl.out"; then ok "get nodes prints NAME STATUS ROLES AGE VERSION"; else bad "get nodes"; fi
    if run get pods -n outcomes && head -1 "$work/kubectl.out" | grep -qE '^NAME +READY +STATUS +RESTARTS +AGE$' \
        && grep -qE '^bad-image +0/1 +(ImagePullBackOff|ErrImagePull) +0 ' "$work/kubectl.out" \
        && grep -qE '^crasher +[01]/1 +(CrashLoopBackOff|Error|Running) +[1-9][0-9]* \([0-9]+[smh] ago\) ' "$work/kubectl.out"; then
        ok "get pods prints READY, STATUS (ImagePullBackOff) and RESTARTS with the last restart"; else bad "get pods columns"; fi
    cat >"$work/applied.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: applied, namespace: outcomes, labels: {app: web}}
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox:1.36}]
YAML
    if run apply -f "$work/applied.yaml" && grep -q "pod/applied created" "$work/kubectl.out"; then ok "apply validates without --validate=false"; else bad "apply"; fi
    if run get jobs -n outcomes && head -1 "$work/kubectl.out" | grep -qE '^NAME +COMPLETIONS +DURATION +AGE$' \
        && grep -qE '^once +2/2 ' "$work/kubectl.out"; then ok "get jobs prints NAME COMPLETIONS DURATION AGE"; else bad "get jobs"; fi
    if run get pods -n outcomes -l 'app in (web,api)' -o name && grep -qx pod/applied "$work/kubectl.out"; then
        ok "set-based selector -l 'app in (web,api)'"; else bad "set-based selector"; fi
    if run explain pod.spec.schedulingGates && grep -q "SchedulingGates is an opaque list" "$work/kubectl.out"; then ok "explain pod.spec.schedulingGates"; else bad "explain"; fi
    if run auth can-i create pods -n outcomes && grep -qx yes "$work/kubectl.out"; then ok "auth can-i create pods"; else bad "auth can-i"; fi
    sed 's/restartPolicy: Never/restartPolicy: Never\n  bogusField: 1/; s/name: applied/name: strict/' "$work/applied.yaml" >"$work/strict.yaml"
    if ! run create -f "$work/strict.yaml" && grep -q 'strict decoding error: unknown field "spec.bogusField"' "$work/kubectl.out"; then
        ok "create refuses an unknown field (fieldValidation=Strict)"; else bad "strict field validation"; fi
    if run describe pod gpu-64 -n outcomes && grep -q "FailedScheduling .*0/2 nodes are available: 1 Insufficient nvidia.com/gpu" "$work/kubectl.out"; then
        ok "describe shows the FailedScheduling event"; else bad "describe pod gpu-64"; fi
    # SIGTERM while `logs -f` follows a running pod: kubesim is gone within 2 s.
    "${k[@]}" logs -f -n outcomes gated-ready >"$work/follow.out" 2>&1 &
    local follower=$!
    for _ in $(seq 1 100); do [ -s "$work/follow.out" ] && break; sleep 0.05; done
    kill -TERM "$server"
    local stopped=no
    for _ in $(seq 1 40); do
        state="$(awk '{print $3}' "/proc/$server/stat" 2>/dev/null || echo gone)"
        if [ "$state" = Z ] || [ "$state" = gone ]; then stopped=yes; break; fi
        sleep 0.05
    done
    kill "$follower" 2>/dev/null || true
    if [ "$stopped" = yes ]; then ok "SIGTERM stops kubesim within 2 s while logs -f is connected"; else
        echo "FAIL kubectl: kubesim still running 2 s after SIGTERM with logs -f connected"; failed=$((failed + 1)); fi
}
if command -v kubectl >/dev/null 2>&1; then kubectl_checks; else echo "skip kubectl checks: no kubectl on PATH"; fi

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
