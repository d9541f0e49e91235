#!/usr/bin/env bash
# Installs what the web UI's browser test and benchmark need, only when missing: Debian's chromium and
# chromium-driver, and Selenium (PyPI, pinned) in the venv .build/venv-ui. Outside CI a failure is a warning (the
# browser test then skips, saying why); under CI=true it fails, because CI must run the browser test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.build/venv-ui"
selenium_version="4.50.0"
fail() {
  echo "sluice: $1" >&2
  if [ "${CI:-}" = true ]; then exit 2; fi
  echo "sluice: the web UI's browser test will be skipped" >&2
  exit 0
}
missing=()
for p in chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sluice: installing ${missing[*]} for the web UI's browser test" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  log="$(mktemp)"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "could not install ${missing[*]}"
  fi
  rm -f "$log"
fi
if ! "$venv/bin/python" -c "import selenium, sys; sys.exit(selenium.__version__ != '$selenium_version')" 2>/dev/null; then
  mkdir -p "$root/.build"
  log="$(mktemp)"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "selenium==$selenium_version"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "could not install selenium==$selenium_version into $venv (needs python3-venv and PyPI)"
  fi
  rm -f "$log"
fi
