#!/usr/bin/env bash
# Builds the controller image (images/controller/Dockerfile) with Podman and no registry, starts it, and waits
# for 200 from /healthz and from an API call with the admin token it was given. Used by .ci/run.
#
# No registry is reachable here, so both bases of the Dockerfile are made locally and named by build arguments:
#   - the builder: a Debian bookworm minbase (debootstrap) with the C toolchain, git and the -dev packages Sluice
#     builds against, plus THIS machine's Swift toolchain (`swift` on PATH) copied into /usr as in the public
#     swift image, plus the machine's Swift package mirror and its git `insteadOf` rules when it has them;
#   - the runtime: a Debian bookworm minbase with libcurl4, libsqlite3-0, libssl3, ca-certificates and curl
#     installed by debootstrap, so the Dockerfile's apt step (which only runs when a package is missing) never
#     needs a network inside the build.
# Each base is built once and reused while its image exists (its debootstrap tarball is cached in
# ~/.cache/sluice); SLUICE_REBUILD_BASES=1 rebuilds them. The image is tagged localhost/sluice-controller:dev and
# :<the chart's appVersion> (the chart's default image).
# Prints phase timings and the image size; exits non-zero with the container's logs when it does not answer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
say() { echo "controller-image: $*" >&2; }
phase() { say "$1 ($((SECONDS - start)) s so far)"; }

# Podman, its containers.conf for this sandbox, and debootstrap (scripts/container-engine.sh installs them).
scripts/container-engine.sh >/dev/null
export CONTAINERS_CONF="$root/.build/container-engine/containers.conf"
state="$root/.build/controller-image"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sluice"
mkdir -p "$state" "$cache"

swift_bin="$(command -v swift || true)"
[ -n "$swift_bin" ] || { say "no swift on PATH: the builder base copies this machine's toolchain"; exit 2; }
toolchain="$(cd "$(dirname "$(readlink -f "$swift_bin")")/.." && pwd)"   # the toolchain's usr/
swift_version="$(swift --version 2>&1 | sed -nE 's/.*Swift version ([0-9][0-9.]*).*/\1/p' | head -1)"
app_version="$(sed -nE 's/^appVersion: *"?([^"]+)"?$/\1/p' charts/sluice/Chart.yaml)"
# The builder's tag names what it copied: the toolchain's version and the package mirror's tags, so a newer
# toolchain or a package version added to the mirror makes a new builder (and the old one is removed).
mirror="${SLUICE_PACKAGE_MIRROR:-/opt/swift-packages}"
copied_key="$( { swift --version 2>&1; if [ -d "$mirror" ]; then find "$mirror" \( -name packed-refs -o -path '*/refs/tags/*' \) -printf '%P %s\n' | sort; fi; } | sha256sum | cut -c1-12)"
builder="localhost/sluice-swift-builder:${swift_version}-bookworm-$copied_key"
runtime="localhost/sluice-runtime-base:bookworm"
image="localhost/sluice-controller"

builder_packages="binutils,gcc,libc6-dev,libstdc++-12-dev,git,pkg-config,libcurl4-openssl-dev,libsqlite3-dev,libssl-dev,libpq-dev,libxml2,libncurses6,libicu72,libuuid1,zlib1g-dev,ca-certificates,tzdata"
runtime_packages="libcurl4,curl,libsqlite3-0,libssl3,libpq5,ca-certificates"

# debootstrap_tar NAME PACKAGES: a bookworm minbase with PACKAGES, as a cached tarball (keyed by the list).
debootstrap_tar() {
  local name="$1" packages="$2"
  local key; key="$(printf '%s' "$packages" | sha256sum | cut -c1-12)"
  local tarball="$cache/controller-$name-bookworm-$key.tar"
  if [ ! -s "$tarball" ]; then
    local r="$state/$name-root"
    rm -rf "$r"
    say "debootstrap of the $name base (a few minutes, once)"
    if ! debootstrap --variant=minbase --include="$packages" bookworm "$r" >"$state/$name-debootstrap.log" 2>&1; then
      tail -20 "$state/$name-debootstrap.log" >&2
      say "debootstrap of the $name base failed"
      exit 4
    fi
    rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/*
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    chmod 1777 "$r/tmp"
    tar -C "$r" -c . >"$tarball.new"
    mv "$tarball.new" "$tarball"
    rm -rf "$r"
  fi
  echo "$tarball"
}

if [ "${SLUICE_REBUILD_BASES:-}" = 1 ]; then podman rmi -f "$builder" "$runtime" >/dev/null 2>&1 || true; fi

# The runtime base's debootstrap (network-bound) runs beside the builder's.
runtime_job=""
if ! podman image exists "$runtime"; then
  debootstrap_tar runtime "$runtime_packages" >"$state/runtime-tarball" &
  runtime_job=$!
fi

if ! podman image exists "$builder"; then
  podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/sluice-swift-builder:' | xargs -r podman rmi -f >/dev/null 2>&1 || true
  tarball="$(debootstrap_tar builder "$builder_packages")"
  phase "making $builder from $toolchain"
  r="$state/builder-root"
  rm -rf "$r"
  mkdir -p "$r"
  tar -C "$r" -xf "$tarball"
  # The toolchain goes to /usr as in the public swift image; debuggers, language servers, documentation
  # tools and the embedded-Swift libraries are not needed to build and are most of its size.
  tar -C "$toolchain" -c \
    --exclude='./bin/lldb*' --exclude=./bin/sourcekit-lsp --exclude=./bin/clangd --exclude=./bin/docc \
    --exclude=./bin/swift-format --exclude=./bin/repl_swift --exclude=./bin/wasmkit \
    --exclude='./lib/liblldb*' --exclude='./lib/libsourcekitd*' --exclude='./lib/libSwiftSourceKit*' \
    --exclude=./lib/swift/embedded --exclude=./lib/swift/FrameworkABIBaseline --exclude=./share/docc \
    . | tar -C "$r/usr" -x --keep-directory-symlink
  # Packages resolve from the machine's package mirror when it has one (git's insteadOf rules point there).
  if [ -d "$mirror" ]; then
    mkdir -p "$r$mirror"
    cp -a "$mirror/." "$r$mirror/"
    git config --system --get-regexp '^url\..*\.insteadof$' | while read -r key value; do
      git config --file "$r/etc/gitconfig" --add "$key" "$value"
    done
  fi
  tar -C "$r" -c . | podman import --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$builder" >/dev/null
  rm -rf "$r"
fi

if [ -n "$runtime_job" ]; then
  wait "$runtime_job" || exit 4
  tarball="$(cat "$state/runtime-tarball")"
  phase "making $runtime"
  podman import --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tarball" "$runtime" >/dev/null
fi

phase "building $image:dev"
build_start=$SECONDS
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
if ! podman build --pull=never --format docker \
    --build-arg "BUILDER_IMAGE=$builder" --build-arg "RUNTIME_IMAGE=$runtime" \
    -t "$image:dev" -t "$image:$app_version" -f images/controller/Dockerfile . >"$state/build.log" 2>&1; then
  tail -60 "$state/build.log" >&2
  say "podman build failed (whole log: $state/build.log)"
  exit 1
fi
build_seconds=$((SECONDS - build_start))
size="$(podman image inspect --format '{{.Size}}' "$image:dev")"
say "built $image:dev and :$app_version in ${build_seconds} s; image size $((size / 1000000)) MB"

# Start it as the chart does (beyond loopback, with a token file), published on a loopback port only.
smoke="$state/smoke"
rm -rf "$smoke"
mkdir -p "$smoke/token"
token="$(head -c 36 /dev/urandom | base64 | tr -d '/+=\n')"
printf '%s\n' "$token" >"$smoke/token/token"
chmod 0755 "$smoke/token"
chmod 0644 "$smoke/token/token"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
name="sluice-controller-smoke-$$"
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
# Podman says it cannot schedule the HEALTHCHECK timer without systemd; the check is run by hand below.
if ! podman run -d --name "$name" -p "127.0.0.1:$port:8470" -v "$smoke/token:/etc/sluice/admin-token:ro" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges "$image:dev" >/dev/null 2>"$smoke/run.err"; then
  cat "$smoke/run.err" >&2
  say "podman run failed"
  exit 1
fi
phase "started $name on 127.0.0.1:$port"
deadline=$((SECONDS + ${SLUICE_IMAGE_TIMEOUT:-60}))
until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ] || [ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
    say "no 200 from http://127.0.0.1:$port/healthz within ${SLUICE_IMAGE_TIMEOUT:-60} s; container state: $(podman inspect --format '{{.State.Status}} exit {{.State.ExitCode}}' "$name" 2>&1)"
    say "its logs:"
    podman logs "$name" >&2 || true
    exit 1
  fi
  sleep 0.5
done
say "healthz answered 200"
status="$(curl -s -o "$smoke/runs.json" -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/runs")"
if [ "$status" != 200 ]; then
  say "GET /api/v1/runs with the mounted admin token answered $status: $(head -c 300 "$smoke/runs.json")"
  podman logs "$name" >&2 || true
  exit 1
fi
say "GET /api/v1/runs with the mounted admin token answered 200"
if ! podman healthcheck run "$name" >"$smoke/health.out" 2>&1; then
  say "the image's HEALTHCHECK failed: $(cat "$smoke/health.out")"
  exit 1
fi
say "the image's HEALTHCHECK passes"
echo "controller-image: ok: $image:dev (${build_seconds} s to build, $((size / 1000000)) MB), /healthz 200 in $((SECONDS - start)) s total"
