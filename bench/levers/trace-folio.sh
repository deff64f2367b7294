#!/usr/bin/env bash
# The job's write size, traced (docs/governor.md, "bench:levers: the job's write size sets the floor"):
# the page-cache folio order a `dd` gets on ext4 (mm_filemap_add_to_page_cache) and the size of the
# write bios its writeback queues on the device (block_bio_queue), for dd bs=1M and bs=64K, with the
# device's dirty allowance as is and bounded to 64 KiB (strict_limit). 16 MiB each, on a loop device
# (direct I/O on) of a private image in /var/tmp; no throttle (the sizes do not depend on it).
# Needs root and tracefs (mounted on /sys/kernel/tracing if it is not). Usage:
#   sudo flock /work/machine.lock bench/levers/trace-folio.sh
set -euo pipefail
T=/sys/kernel/tracing
[ -e $T/set_event ] || mount -t tracefs nodev $T
S=$(mktemp -d /var/tmp/ioguard-trace-folio.XXXXXX)
truncate -s 1G "$S/img"
dev=$(losetup --direct-io=on --find --show "$S/img")
mm=$(cat "/sys/block/$(basename "$dev")/dev"); maj=${mm%:*}; min=${mm#*:}
bdi=/sys/class/bdi/$mm
cleanup() {
  set +e
  echo 0 > $T/tracing_on; echo > $T/set_event
  echo 0 > $T/events/filemap/mm_filemap_add_to_page_cache/filter; echo 0 > $T/events/block/block_bio_queue/filter
  umount "$S/mnt"; losetup -d "$dev"; rm -rf "$S"
}
trap cleanup EXIT
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev"; mkdir "$S/mnt"; mount "$dev" "$S/mnt"
kdev=$(( (maj << 20) | min ))
for bound in none 64k; do
  for bs in 1M 64K; do
    count=$([ $bs = 1M ] && echo 16 || echo 256)
    if [ $bound = 64k ]; then echo 1 > "$bdi/strict_limit"; echo 65536 > "$bdi/max_bytes"; else echo 0 > "$bdi/strict_limit"; echo 100 > "$bdi/max_ratio"; fi
    rm -f "$S/mnt/f"; sync; echo 1 > /proc/sys/vm/drop_caches
    echo 0 > $T/tracing_on; echo > $T/trace
    echo mm_filemap_add_to_page_cache > $T/set_event; echo block_bio_queue >> $T/set_event
    echo "s_dev == $kdev" > $T/events/filemap/mm_filemap_add_to_page_cache/filter
    echo "dev == $kdev" > $T/events/block/block_bio_queue/filter
    echo 1 > $T/tracing_on
    dd if=/dev/zero of="$S/mnt/f" bs=$bs count="$count" conv=fsync status=none
    echo 0 > $T/tracing_on
    echo "== allowance $bound, dd bs=$bs (16 MiB)"
    echo "  folios (count, order: 2^order pages of 4 KiB): $(grep -o 'order=[0-9]*' $T/trace | sort | uniq -c | sort -rn | head -4 | xargs)"
    echo "  write bios (count, KiB): $(grep block_bio_queue $T/trace | grep -E ' W[A-Z]* ' | sed -E 's/.* \+ ([0-9]+) .*/\1/' | awk '{print $1 / 2}' | sort -n | uniq -c | sort -rn | head -4 | xargs)"
  done
done
