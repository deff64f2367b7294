#!/usr/bin/env bash
# npm run demo: what ioguard does for a cron job, in 10 seconds, in a scratch lock folder.
set -u
cd "$(dirname "$0")/.."
scratch=$(mktemp -d /tmp/ioguard-demo-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export IOGUARD_LOCK_DIR="$scratch/locks" IOGUARD_LOG_FILE="$scratch/decisions.log"
ioguard() { node bin/ioguard.js "$@"; }

echo "# 1. A slow job (6 s) starts under the lock, as cron would start it:"
echo "#    ioguard run --name demo-sync --timeout 30s --on-pressure run -- sh -c 'echo copying...; sleep 6; echo copied'"
ioguard run --name demo-sync --timeout 30s --on-pressure run -- sh -c 'echo copying...; sleep 6; echo copied' &
sleep 1
echo
echo "# 2. The next cron tick starts the same job while it runs: skipped, exit 75, no second copy."
ioguard run --name demo-sync --verbose -- sh -c 'echo this never prints'
echo "   exit status: $?"
echo
echo "# 3. ioguard status shows who holds the lock, its process state, wchan and progress:"
ioguard status
echo
echo "# 4. A run that overstays its --timeout is ended as a whole process group: exit 124."
ioguard run --name demo-timeout --on-pressure run --timeout 1s --kill-after 1s -- sh -c 'sleep 100 & sleep 100'
echo "   exit status: $?"
wait
echo
echo "# 5. ioguard check: the system's I/O health, the same look the gate in 'run' takes:"
ioguard check --path /tmp | tail -n 6
echo
echo "# 6. Every decision, one JSON line each ($IOGUARD_LOG_FILE), shown whole:"
echo "#    time, job and event first, then the line's other fields (jq or pino-pretty read the file too)"
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
  for (const line of lines) {
    const { time, level, pid, hostname, job, event, msg, ...rest } = JSON.parse(line);
    const label = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" }[level] ?? String(level);
    console.log(`${new Date(time).toISOString().slice(11, 23)} ${label.padEnd(5)} ${job} ${event}: ${msg}`);
    if (Object.keys(rest).length > 0) console.log(`    ${JSON.stringify({ pid, ...rest })}`);
  }' "$IOGUARD_LOG_FILE"
