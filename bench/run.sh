#!/usr/bin/env bash
# Every benchmark, one after the other (release builds; run on a quiet machine).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
echo "## Compile"; "$here/compile.sh"
echo; echo "## Engine"; "$here/engine.sh"
echo; echo "## Local backend"; "$here/local.sh"; SLUICE_BENCH_DIR=/dev/shm "$here/local.sh"
echo; echo "## Waiting runs (issue 9)"; "$here/gates.sh"
echo; echo "## Kubernetes client"; "$here/kube.sh"
echo; echo "## Kubernetes backend"; "$here/kube-backend.sh"
