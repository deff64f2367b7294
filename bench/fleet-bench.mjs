#!/usr/bin/env node
// npm run bench:fleet: what the fleet lock adds to a start, against a real local PostgreSQL
// (started in a private temporary folder and removed after; needs root and the postgresql package).
// Interleaved medians of `ioguard run --no-gate -- true` with and without --fleet; nothing here
// asserts a time. Writes bench/results/fleet.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgServer } from '../test/fleet/helpers/pg-server.ts';

const BIN = new URL('../bin/ioguard.js', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)];
const median = (xs) => quantile(xs, 0.5);

function once(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`ioguard ${args.join(' ')} exited ${r.status}`);
  return ms;
}

const scratch = mkdtempSync(join(tmpdir(), 'ioguard-fleet-bench-'));
const env = { ...process.env, IOGUARD_LOCK_DIR: join(scratch, 'locks'), IOGUARD_LOG_FILE: join(scratch, 'log') };
const pg = await PgServer.create();
try {
  const base = ['run', '--no-gate', '--name', 'bench'];
  const variants = {
    local: [...base, '--', 'true'],
    // TCP to 127.0.0.1 with a password (SCRAM-SHA-256, the Debian default).
    fleetTcp: [...base, '--fleet', pg.url(), '--', 'true'],
    // The unix socket (peer-less trust auth in the test cluster): the transport without the SCRAM exchange.
    fleetSocket: [...base, '--fleet', `postgres://ioguard_fleet@${encodeURIComponent(pg.dir)}:${pg.port}/fleet`, '--', 'true'],
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const args of Object.values(variants)) once(args, env); // warm the page cache and create the table
  for (let i = 0; i < RUNS; i++) for (const [k, args] of Object.entries(variants)) samples[k].push(once(args, env));
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  // The lower quartile is less moved by other load on the machine than the median.
  const q1 = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, quantile(v, 0.25)]));
  const result = {
    runs: RUNS,
    loadAverage1m: Number((await import('node:os')).loadavg()[0].toFixed(2)),
    p25: {
      localMs: q1.local, fleetTcpMs: q1.fleetTcp, fleetSocketMs: q1.fleetSocket, addedTcpMs: q1.fleetTcp - q1.local, addedSocketMs: q1.fleetSocket - q1.local,
    },
    localMs: m.local,
    fleetTcpMs: m.fleetTcp,
    fleetSocketMs: m.fleetSocket,
    addedTcpMs: m.fleetTcp - m.local,
    addedSocketMs: m.fleetSocket - m.local,
    budgetMs: 30,
  };
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('results/fleet.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`start without --fleet   ${m.local.toFixed(1)} ms (median of ${RUNS})`);
  console.log(`with --fleet over TCP   ${m.fleetTcp.toFixed(1)} ms  (+${result.addedTcpMs.toFixed(1)} ms)`);
  console.log(`with --fleet on socket  ${m.fleetSocket.toFixed(1)} ms  (+${result.addedSocketMs.toFixed(1)} ms)`);
  console.log(`lower quartiles: +${result.p25.addedTcpMs.toFixed(1)} ms over TCP, +${result.p25.addedSocketMs.toFixed(1)} ms on the socket; load average ${result.loadAverage1m}`);
} finally {
  await pg.destroy();
  rmSync(scratch, { recursive: true, force: true });
}
