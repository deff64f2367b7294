#!/usr/bin/env bash
# The backlog bound's cost on a fast device (docs/governor.md, "The auto bound"): a 512 MiB
# `dd bs=1M conv=fsync` onto ext4 on an unthrottled direct-I/O loop device over this host's disk,
# REPS interleaved repetitions of each ARM. Prints one line per run: the arm, MiB/s and seconds of
# the whole command, and for ioguard arms the job's own time (`started` to `finished` in its log).
# Needs root (loop, mount).
# Usage: sudo flock /work/machine.lock bench/backlog/fast-device.sh [REPS [ARM...]]
#   ARM = bare | ig (ioguard run, defaults) | ig:FLAGS (FLAGS comma-separated, e.g. ig:--bound-backlog,off)
#   Default arms: bare ig. IG_ARGS adds flags to every ig arm; IOGUARD_BIN picks the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${IOGUARD_BIN:-$here/../../bin/ioguard.js}
reps=${1:-3}
shift || true
arms=("$@")
[ ${#arms[@]} -gt 0 ] || arms=(bare ig)
S=$(mktemp -d /var/tmp/ioguard-fast-device.XXXXXX)
truncate -s 4G "$S/img"
dev=$(losetup --direct-io=on --find --show "$S/img")
cleanup() { set +e; umount "$S/mnt" 2>/dev/null; losetup -d "$dev"; rm -rf "$S"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkfs.ext4 -q "$dev"; mkdir "$S/mnt"; mount "$dev" "$S/mnt"
for r in $(seq "$reps"); do
  for arm in "${arms[@]}"; do
    rm -f "$S/mnt/f" "$S/log"; sync; sleep 1
    dd=(dd if=/dev/zero of="$S/mnt/f" bs=1M count=512 conv=fsync status=none)
    t0=$(date +%s.%N)
    case $arm in
      bare) "${dd[@]}" ;;
      ig|ig:*)
        flags=(); [ "$arm" = ig ] || IFS=, read -r -a flags <<< "${arm#ig:}"
        # shellcheck disable=SC2086
        node "$bin" run --name fast-device --lock-dir "$S/locks" --log-file "$S/log" ${IG_ARGS:-} "${flags[@]}" -- "${dd[@]}" </dev/null ;;
      *) echo "unknown arm $arm" >&2; exit 2 ;;
    esac
    t1=$(date +%s.%N)
    python3 - "$arm" "$t0" "$t1" "$S/log" <<'PY'
import json, sys
arm, t0, t1, log = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
t = t1 - t0
job = ''
try:
    at = {}
    for line in open(log):
        e = json.loads(line)
        at.setdefault(e.get('event'), e['time'])
    job = f"  job {(at['finished'] - at['started']) / 1000:5.2f} s"
except (OSError, KeyError, ValueError):
    pass
print(f"{arm:28s} {512 / t:6.0f} MiB/s {t:5.2f} s{job}", flush=True)
PY
  done
done
