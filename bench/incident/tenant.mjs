// Tenants: the other work on the box, started at the beginning of an arm and stopped at its end.
// Every tenant names the scratch folder in its argv, so the cleanup's sweep finds it.
import { spawn } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProbe } from './probe-client.mjs';

const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));

/**
 * @param {import('./scenarios.mjs').Scenario} scenario
 * @returns {{stop: () => Promise<object>} | undefined}
 */
export function startTenant(scenario, { mountPoint, scratch, config }) {
  if (scenario.tenant === 'db-burst') {
    // A database committing back to back (write + fdatasync, no pause) during bursts: its commits
    // per second are the tenant's IOPS, its latencies the commit latency.
    const db = startProbe(join(mountPoint, 'db.log'), 0, { onMs: (scenario.burstOnS ?? 10) * 1000, offMs: (scenario.burstOffS ?? 10) * 1000 });
    return {
      async stop() {
        await db.stop();
        return { kind: 'db-burst', commits: db.points };
      },
    };
  }
  if (scenario.tenant === 'bulk') {
    // A backup streaming with direct I/O: 64 MiB passes over one file (the slow device is small),
    // one line in a counter file per pass; throughput = passes x 64 MiB / seconds.
    const file = join(mountPoint, 'bulk.bin');
    const started = performance.now();
    const child = spawn('sh', ['-c', 'while :; do dd if=/dev/zero of="$1" bs=1M count=64 oflag=direct conv=notrunc status=none || exit 1; echo >> "$1.count"; done', 'sh', file], { stdio: 'ignore', detached: true });
    return {
      async stop() {
        const seconds = (performance.now() - started) / 1000;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
        const passes = (await readFile(`${file}.count`, 'utf8').catch(() => '')).length;
        const bytes = passes * 64 * 2 ** 20;
        return { kind: 'bulk', bytes, seconds, mbPerS: bytes / 2 ** 20 / seconds };
      },
    };
  }
  if (scenario.tenant === 'flood') {
    const file = join(scratch, 'flood.bin');
    const started = performance.now();
    const child = spawn('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${config.floodMb}`], { stdio: 'ignore' });
    let endedAt;
    child.on('exit', () => (endedAt = performance.now()));
    return {
      async stop() {
        const seconds = ((endedAt ?? performance.now()) - started) / 1000;
        if (child.exitCode === null) child.kill('SIGKILL');
        const bytes = (await stat(file).catch(() => ({ size: 0 }))).size;
        // The flood's file is on the system disk: drop it so the next arm starts from the same place.
        await rm(file, { force: true });
        return { kind: 'flood', bytes, seconds, mbPerS: bytes / 2 ** 20 / seconds };
      },
    };
  }
  return undefined;
}

export { PROBE };
