#!/usr/bin/env node
// Why proper-lockfile is not ioguard's job lock (docs/decisions.md). Two reproductions:
// 1. Stampede: 20 starters at once on a lock left behind 60 s ago (a killed holder's mkdir lock,
//    older than `stale`); each holds for 1 s. Counts how many held it at the same moment.
// 2. Stall: a holder's event loop blocks past `stale` (a long synchronous step, a swapped-out
//    process); proper-lockfile cannot refresh the mtime, a second starter takes the lock, and
//    the first one's job is still running.
// Usage: node bench/proper-lockfile-stampede.mjs [trials]. Needs the devDependency proper-lockfile.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TRIALS = Number(process.argv[2] ?? 8);
const STARTERS = 20;

const starter = `
const lockfile = require('proper-lockfile');
const fs = require('node:fs');
const [file, out, holdMs, stallMs, startAt] = process.argv.slice(1);
// All starters try at the same moment, as cron's ticks of many hosts' jobs or a restart storm do.
setTimeout(() => lockfile.lock(file, { realpath: false, stale: 10000, update: 1000, onCompromised: () => fs.appendFileSync(out, 'compromised ' + process.pid + '\\n') })
  .then(async (release) => {
    const t0 = Date.now();
    if (Number(stallMs) > 0) { const end = Date.now() + Number(stallMs); while (Date.now() < end); }
    await new Promise((r) => setTimeout(r, Number(holdMs)));
    fs.appendFileSync(out, 'held ' + process.pid + ' ' + t0 + ' ' + Date.now() + '\\n');
    await release().catch(() => {});
  })
  .catch(() => fs.appendFileSync(out, 'busy ' + process.pid + '\\n')), Math.max(0, Number(startAt) - Date.now()));
`;

const run = (args) => new Promise((resolve) => spawn(process.execPath, ['-e', starter, ...args], { stdio: 'ignore', cwd: process.cwd() }).once('exit', resolve));

function maxOverlap(intervals) {
  const edges = intervals.flatMap(([a, b]) => [[a, 1], [b, -1]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

const scratch = mkdtempSync(join(tmpdir(), 'ioguard-plf-'));
try {
  const results = [];
  for (let t = 0; t < TRIALS; t++) {
    const file = join(scratch, `job-${t}`);
    const out = join(scratch, `out-${t}`);
    writeFileSync(out, '');
    mkdirSync(`${file}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    const startAt = String(Date.now() + 2000);
    await Promise.all(Array.from({ length: STARTERS }, () => run([file, out, '1000', '0', startAt])));
    const held = readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('held ')).map((l) => l.split(' ').slice(2).map(Number));
    results.push({ holders: held.length, atOnce: maxOverlap(held) });
  }
  const bad = results.filter((r) => r.atOnce > 1).length;
  console.log(`stampede: ${STARTERS} starters on a 60 s old lock, ${TRIALS} trials`);
  console.log(`  most holders at once per trial: ${results.map((r) => r.atOnce).join(' ')}`);
  console.log(`  trials with more than one holder at once: ${bad} of ${TRIALS}`);

  const file = join(scratch, 'stall');
  const out = join(scratch, 'out-stall');
  writeFileSync(out, '');
  const first = run([file, out, '0', '14000', '0']);
  await new Promise((r) => setTimeout(r, 1000));
  await new Promise((r) => setTimeout(r, 11_000));
  const second = run([file, out, '500', '0', '0']);
  await Promise.all([first, second]);
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  const held = lines.filter((l) => l.startsWith('held ')).map((l) => l.split(' ').slice(2).map(Number));
  console.log(`stall: the first holder blocked its event loop 14 s (stale 10 s); a second starter came at 12 s`);
  console.log(`  holders: ${held.length}, at once: ${maxOverlap(held)}; ${lines.filter((l) => l.startsWith('compromised')).length} holder(s) told the lock was compromised`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
