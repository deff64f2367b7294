#!/usr/bin/env bash
# The backlog bound's cost on a fast device (docs/governor.md, "The auto bound"): a 512 MiB
# `dd bs=1M conv=fsync` onto ext4 on an unthrottled direct-I/O loop device over this host's disk,
# bare and under `ioguard run` (IG_ARGS adds flags, e.g. IG_ARGS="--bound-backlog off"), REPS
# interleaved repetitions. Prints one line per arm: MiB/s and seconds. Needs root (loop, mount).
# Usage: sudo flock /work/machine.lock bench/backlog/fast-device.sh [REPS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${IOGUARD_BIN:-$here/../../bin/ioguard.js}
reps=${1:-3}
S=$(mktemp -d /var/tmp/ioguard-fast-device.XXXXXX)
truncate -s 4G "$S/img"
dev=$(losetup --direct-io=on --find --show "$S/img")
cleanup() { set +e; umount "$S/mnt" 2>/dev/null; losetup -d "$dev"; rm -rf "$S"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkfs.ext4 -q "$dev"; mkdir "$S/mnt"; mount "$dev" "$S/mnt"
for r in $(seq "$reps"); do
  for arm in bare ioguard; do
    rm -f "$S/mnt/f"; sync; sleep 1
    dd=(dd if=/dev/zero of="$S/mnt/f" bs=1M count=512 conv=fsync status=none)
    t0=$(date +%s.%N)
    if [ $arm = bare ]; then "${dd[@]}"
    else node "$bin" run --name fast-device --lock-dir "$S/locks" --log-file "$S/log" ${IG_ARGS:-} -- "${dd[@]}" </dev/null; fi
    t1=$(date +%s.%N)
    python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print(f'$arm {512/t:6.0f} MiB/s {t:5.2f} s')" "$t0" "$t1"
  done
done
