#!/usr/bin/env bash
# Debian packages the test suite uses: gcc (the D-state helper), util-linux (flock), procps (ps,
# the oracle for /proc parsing), sysstat (iostat, the oracle for disk util%), rsync,
# prometheus-node-exporter (scraped by the metrics test) and prometheus (promtool checks the files).
set -euo pipefail
need=()
for pair in gcc:gcc flock:util-linux ps:procps iostat:sysstat rsync:rsync prometheus-node-exporter:prometheus-node-exporter promtool:prometheus; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "install-test-deps: need root to install: ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
