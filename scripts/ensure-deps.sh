#!/usr/bin/env bash
# Installs the system packages Sluice builds against, only when they are missing.
set -euo pipefail

# libpq-dev: the sql task's postgres dialect; postgresql: the real server its tests start on loopback.
packages=(libcurl4-openssl-dev libsqlite3-dev libssl-dev libpq-dev postgresql openssl pkg-config python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sluice: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "sluice: could not install ${missing[*]}; install them and try again" >&2
    exit 2
  fi
  rm -f "$log"
fi
if ! command -v swift >/dev/null; then
  echo "sluice: the Swift toolchain (6.0 or newer) must be on PATH; see https://www.swift.org/install/linux/" >&2
  exit 2
fi
# `sluice serve` running as root runs local tasks as this unprivileged account, so a task cannot read the
# store's database, tokens or secrets (docs/reference/cli.md, "--run-as").
if [ "$(id -u)" = 0 ] && ! getent passwd sluice-task >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sluice-task
fi
# kubernetes-validate checks every pod `sluice render` makes (Tests/SluiceRuntimeTests/Kubernetes) and every object
# KubeSim stores (scripts/kube-conformance.sh); both find it in .venv-kube.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$root/.venv-kube/bin/kubernetes-validate" ]; then
  log="$(mktemp)"
  if ! { python3 -m venv "$root/.venv-kube" && "$root/.venv-kube/bin/pip" install --quiet kubernetes-validate; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "sluice: could not install kubernetes-validate into .venv-kube (needs python3-venv and PyPI)" >&2
    exit 2
  fi
  rm -f "$log"
fi
# The web UI's browser test and benchmark: chromium, chromium-driver and Selenium in .build/venv-ui.
"$root/scripts/ui-deps.sh"
