#!/usr/bin/env bash
# Debian packages the benchmarks use: rsync (the copy job), util-linux (flock, the baseline arm;
# ionice), mount (losetup, mount, umount: the slow loop device), e2fsprogs (mkfs.ext4).
# Idempotent: installs only what is missing. Optional: librsvg2-bin (rsvg-convert) turns the SVG
# chart into a PNG; pass --with-png to install it too.
set -euo pipefail
pairs=(rsync:rsync flock:util-linux ionice:util-linux losetup:mount mount:mount mkfs.ext4:e2fsprogs)
if [ "${1:-}" = "--with-png" ]; then pairs+=(rsvg-convert:librsvg2-bin); fi
need=()
for pair in "${pairs[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  if [ "$(id -u)" -ne 0 ]; then echo "install-bench-deps: need root to install: ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
