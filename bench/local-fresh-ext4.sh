#!/usr/bin/env bash
# bench/local.sh with the store on a fresh ext4 file system: a 4 GiB image file made with mkfs.ext4 and mounted
# through a loop device (needs root), so the figure is ext4's own and not that of a disk churned by builds
# (on this VM's root file system, mounted with `discard` and full of recently deleted inodes, mkdir and
# open(O_CREAT) slow down several times over after each mass delete). Same arguments as bench/local.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$(id -u)" != 0 ]; then echo "bench/local-fresh-ext4.sh mounts a loop device: run it as root" >&2; exit 2; fi
command -v mkfs.ext4 > /dev/null || { echo "mkfs.ext4 is missing (apt-get install e2fsprogs)" >&2; exit 2; }
work="$(mktemp -d /var/tmp/sluice-ext4-bench.XXXXXX)"
cleanup() { umount "$work/mnt" 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
truncate -s 4G "$work/fs.img"
mkfs.ext4 -q -F "$work/fs.img"
mkdir "$work/mnt"
mount -o loop "$work/fs.img" "$work/mnt"
SLUICE_BENCH_DIR="$work/mnt" "$root/bench/local.sh" "$@"
