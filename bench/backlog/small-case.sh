#!/usr/bin/env bash
# Issue 18's small case (docs/governor.md, "Bounding the backlog"): a 64 MiB `dd bs=1M conv=fsync` on
# ext4 on a loop device held to 8 MiB/s and 400 write IOPS by a root blkio rule, strict_limit 1,
# beside a 4 KiB synchronous write every 100 ms on the same filesystem. Prints one line per arm:
# job time, probe stall (seconds in calls > 100 ms), p50, p99. Needs root and cgroup v1 blkio.
# Usage: sudo flock /work/machine.lock bench/backlog/small-case.sh REPS ARM...
#   ARM = BOUND:PROBE[:cg][:JOB]  BOUND 16m|1m|256k|64k (the device's max_bytes during the arm)
#   PROBE pwrite|open|trunc|append|direct (probe.c)
#   cg: the probe in a child blkio cgroup (outside the rule)
#   JOB dd (default) | idle (no job, 8 s: the probe's floor on this device) | psi | backlog (dd under duty.py's duty-cycled freeze, the prototype that lost)
#       | ig (dd under `ioguard run` with its defaults; IG_ARGS adds flags, e.g. IG_ARGS="--path MNT --bound-backlog 1M", MNT is the mount point)
# DD_BS=1M (default) | 256K | 64K: the job's write size (64 MiB either way; docs/governor.md, "the job's write size")
# Restores the throttle rule, the device's bdi settings and removes what it made, also on ^C.
set -euo pipefail
IG_ARGS=${IG_ARGS:-}
DD_BS=${DD_BS:-1M}
case $DD_BS in 1M) dd_count=64;; 256K) dd_count=256;; 64K) dd_count=1024;; *) echo "DD_BS must be 1M, 256K or 64K" >&2; exit 2;; esac
here=$(cd "$(dirname "$0")" && pwd)
reps=$1; shift
S=$(mktemp -d /var/tmp/ioguard-small-case.XXXXXX)
gcc -O2 -Wall -o "$S/probe" "$here/probe.c"
mkdir "$S/mnt" "$S/locks"; mnt=$S/mnt
truncate -s 2G "$S/img"
dev=$(losetup --direct-io=on --find --show "$S/img")
mm=$(cat "/sys/block/$(basename "$dev")/dev")
bdi=/sys/class/bdi/$mm
T=/sys/fs/cgroup/blkio/blkio.throttle
CG=/sys/fs/cgroup/blkio/ioguard-small-case-$$
saved_strict=$(cat "$bdi/strict_limit"); saved_ratio=$(cat "$bdi/max_ratio_fine")
pp=
cleanup() {
  set +e
  if [ -n "$pp" ]; then kill "$pp" 2>/dev/null; wait "$pp" 2>/dev/null; fi
  echo "$mm 0" > $T.write_bps_device; echo "$mm 0" > $T.write_iops_device
  echo "$saved_ratio" > "$bdi/max_ratio_fine"; echo "$saved_strict" > "$bdi/strict_limit"
  umount "$mnt" 2>/dev/null || umount -l "$mnt"
  losetup -d "$dev"
  if [ -d "$CG" ]; then for p in $(cat "$CG/cgroup.procs"); do echo "$p" > /sys/fs/cgroup/blkio/cgroup.procs; done; rmdir "$CG"; fi
  rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev"
mount "$dev" "$mnt"
echo "$mm $((8 << 20))" > $T.write_bps_device
echo "$mm 400" > $T.write_iops_device
echo 1 > "$bdi/strict_limit"
mkdir "$CG"
arm() {
  local spec=$1 b probe x y cg=0 job=dd bound
  IFS=: read -r b probe x y <<< "$spec"
  for o in $x $y; do case $o in cg) cg=1;; *) job=$o;; esac; done
  case $b in 16m) bound=$((16 << 20));; 1m) bound=$((1 << 20));; 256k) bound=$((256 << 10));; 64k) bound=$((64 << 10));;
    *) echo "unknown bound $b" >&2; exit 2;; esac
  echo $bound > "$bdi/max_bytes"
  rm -f "$mnt/job" "$mnt/probe"; sync; sleep 2
  if [ $cg = 1 ]; then
    sh -c 'echo $$ > "$1/cgroup.procs"; exec "$2" "$3" 100 "$4"' sh "$CG" "$S/probe" "$mnt/probe" "$probe" > "$S/probe.out" &
  else "$S/probe" "$mnt/probe" 100 "$probe" > "$S/probe.out" & fi
  pp=$!
  sleep 1
  local t0 t1; t0=$(date +%s.%N)
  local dd=(dd if=/dev/zero of="$mnt/job" bs="$DD_BS" count="$dd_count" conv=fsync status=none)
  case $job in
    dd) "${dd[@]}" ;;
    idle) sleep 8 ;;
    psi|backlog) MODE=$job python3 "$here/duty.py" -- "${dd[@]}" ;;
    ig) node "${IOGUARD_BIN:-$here/../../bin/ioguard.js}" run --name small-case --lock-dir "$S/locks" ${IG_ARGS//MNT/$mnt} -- "${dd[@]}" ;;
    *) echo "unknown job $job" >&2; exit 2 ;;
  esac
  t1=$(date +%s.%N)
  sleep 1; kill "$pp"; wait "$pp" || true; pp=
  python3 - "$spec" "$t0" "$t1" "$S/probe.out" <<'PY'
import sys
a, t0, t1, f = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
l = sorted(float(x.split()[1]) for x in open(f) if x.strip())
n = len(l)
stall = sum(x for x in l if x > 100) / 1000
p99 = l[min(n - 1, int(n * 0.99))]
print(f"{a:22s} job {t1 - t0:5.1f} s  stall {stall:5.2f} s  p50 {l[n // 2]:7.1f}  p99 {p99:7.1f} ms  calls {n}", flush=True)
PY
}
for r in $(seq "$reps"); do for a in "$@"; do arm "$a"; done; done
