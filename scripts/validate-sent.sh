#!/usr/bin/env bash
# Validates every object the Kubernetes backend's tests sent to KubeSim (dumped under .build/kube-sent/ by
# Tests/KubernetesBackendTests) against the official schemas with `kubernetes-validate --strict`, failing on
# any error or warning (an unknown kind or field is only a warning to the tool). Run after the tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.build/kube-sent"
validator="$root/.venv-kube/bin/kubernetes-validate"
[ -x "$validator" ] || { echo "validate-sent: $validator is missing (scripts/ensure-deps.sh installs it)" >&2; exit 1; }
mapfile -t files < <(find "$dir" -name '*.json' 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "validate-sent: no objects under $dir: run the tests first" >&2; exit 1; fi
out="$(printf '%s\0' "${files[@]}" | xargs -0 -n 200 "$validator" --strict -k 1.30.0 2>&1)" || { echo "$out" | grep -v ' passed for resource ' | head -40 >&2; exit 1; }
if echo "$out" | grep -q '^WARN'; then echo "$out" | grep '^WARN' | head -40 >&2; exit 1; fi
echo "validate-sent: ${#files[@]} objects sent to KubeSim by the tests are valid (kubernetes-validate --strict, 1.30)"
