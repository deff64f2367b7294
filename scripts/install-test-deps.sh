#!/usr/bin/env bash
# Debian packages the whole test suite uses, installed on a bare machine (CI runs this first).
# Idempotent: one dpkg-query when everything is present, apt-get update at most once, quiet output.
#   gcc                       builds the D-state helper (a vfork parent) for the root-only tests
#   util-linux                flock(1), losetup, setpriv; e2fsprogs: mkfs.ext4 for loop devices
#   procps                    ps, the oracle for /proc parsing and CPU%
#   sysstat                   iostat, the oracle for disk util%
#   rsync                     the incident's workload (CASES §1)
#   logrotate                 runs examples/logrotate/ioguard against a live log
#   cron                      the crontab example under a real cron daemon
#   bindfs fuse3              a FUSE mount whose daemon can be stopped (CASES §5)
#   postgresql                a database job under ioguard (pg_dump); the fleet lock tests start a
#                             private server from /usr/lib/postgresql/<major>/bin (util-linux gives
#                             them unshare and nsenter)
#   prometheus-node-exporter  its textfile collector reads ioguard's metrics file
#   prometheus                promtool checks the metrics format
set -euo pipefail
packages=(gcc libc6-dev util-linux e2fsprogs procps sysstat rsync logrotate cron bindfs fuse3
  postgresql prometheus-node-exporter prometheus)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "install-test-deps: no apt-get; install by hand: ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
echo "install-test-deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
