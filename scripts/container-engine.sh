#!/usr/bin/env bash
# Sets up a container engine for the container backend's tests and benchmarks, idempotently:
#   - installs rootful Podman from Debian (and debootstrap) when missing;
#   - writes the containers.conf this kind of sandbox needs (no CAP_SYS_RESOURCE, cgroup v1, runc);
#   - builds, without any registry, the images the examples and tests name: busybox:1.36 from Debian's
#     busybox-static and python:3.11-slim from a debootstrap minbase with Debian's python3 (its root
#     file system is cached in ~/.cache/sluice so later runs import it in seconds);
#   - starts Podman's Docker-API service on a socket under .build/container-engine, from a folder of its own.
# With --docker it does the same with Debian's docker.io (dockerd) on a socket of its own instead.
# The last line printed is DOCKER_HOST=unix://SOCKET; everything else goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engine=podman
if [ "${1:-}" = "--docker" ]; then engine=docker; fi
state="$root/.build/container-engine"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sluice"
mkdir -p "$state" "$cache"
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
say() { echo "container-engine: $*" >&2; }

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local log="$state/apt.log"
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    say "could not install ${missing[*]}"
    exit 2
  fi
}

ensure_packages podman runc crun conmon fuse-overlayfs slirp4netns passt uidmap catatonit busybox-static \
  containernetworking-plugins iptables golang-github-containers-common debootstrap curl
if [ "$engine" = docker ]; then ensure_packages docker.io; fi

# Podman's settings for this sandbox (STACK.md, "Containers on one machine").
conf="$state/containers.conf"
cat >"$conf.new" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mv "$conf.new" "$conf"
export CONTAINERS_CONF="$conf"

ping() { curl -sf --max-time 2 --unix-socket "$1" http://engine/_ping >/dev/null 2>&1; }

# Starts a daemon on SOCKET in a folder of its own (conmon writes files into its working folder).
start_service() {
  local sock="$1" name="$2"
  shift 2
  if ping "$sock"; then return 0; fi
  rm -f "$sock"
  mkdir -p "$state/$name-cwd"
  (
    cd "$state/$name-cwd" || exit 1
    # The daemon must hold none of our descriptors: a caller reading this script's output through a pipe
    # (`$(scripts/container-engine.sh | tail -1)`) waits until every writer has closed it.
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid nohup "$@" >"$state/$name.log" 2>&1 </dev/null
  ) >/dev/null 2>&1 </dev/null &
  for _ in $(seq 1 300); do
    if ping "$sock"; then return 0; fi
    sleep 0.1
  done
  cat "$state/$name.log" >&2
  say "$name did not answer on $sock"
  exit 3
}

# The root file system of busybox:1.36 (Debian's static busybox, 2 MB).
busybox_rootfs() {
  local r="$state/busybox-root"
  rm -rf "$r"
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root"
  cp /bin/busybox "$r/bin/busybox"
  chroot "$r" /bin/busybox --install -s /bin
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  chmod 1777 "$r/tmp"
  tar -C "$r" -c . >"$state/busybox.tar"
  rm -rf "$r"
}

# The root file system of python:3.11-slim: a debootstrap minbase with Debian's python3, cached.
python_rootfs() {
  local tarball="$cache/python-3.11-bookworm.tar"
  if [ ! -s "$tarball" ]; then
    say "building the Python root file system with debootstrap (about 2 minutes, once)"
    local r="$state/python-root"
    rm -rf "$r"
    if ! debootstrap --variant=minbase --include=python3 bookworm "$r" http://deb.debian.org/debian >"$state/debootstrap.log" 2>&1; then
      tail -20 "$state/debootstrap.log" >&2
      say "debootstrap failed"
      exit 4
    fi
    rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/locale/*
    chmod 1777 "$r/tmp"
    tar -C "$r" -c . >"$tarball.new"
    mv "$tarball.new" "$tarball"
    rm -rf "$r"
  fi
  echo "$tarball"
}

if [ "$engine" = podman ]; then
  sock="$state/podman.sock"
  have() { podman image exists "$1"; }
  import() {  # import TARBALL NAME CMD
    podman import --change "CMD [\"$3\"]" --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' "$1" "$2" >/dev/null
    podman tag "$2" "docker.io/library/$2"
  }
else
  sock="$state/docker.sock"
  start_service "$sock" dockerd dockerd --storage-driver overlay2 --data-root "$state/docker-data" \
    --exec-root "$state/docker-exec" --pidfile "$state/dockerd.pid" -H "unix://$sock" --iptables=false --bridge=none
  export DOCKER_HOST="unix://$sock"
  have() { docker image inspect "$1" >/dev/null 2>&1; }
  import() {
    docker import --change "CMD [\"$3\"]" --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' "$1" "$2" >/dev/null
  }
fi

if ! have busybox:1.36; then
  say "building busybox:1.36"
  busybox_rootfs
  import "$state/busybox.tar" busybox:1.36 /bin/sh
  rm -f "$state/busybox.tar"
fi
if ! have python:3.11-slim; then
  say "building python:3.11-slim"
  import "$(python_rootfs)" python:3.11-slim /usr/bin/python3
fi
if [ "$engine" = podman ]; then
  start_service "$sock" podman podman system service --time=0 "unix://$sock"
fi
say "$engine answers on $sock"
echo "DOCKER_HOST=unix://$sock"
