#!/usr/bin/env node
// History and metrics cost (issue 12). Three figures, each the median of several measurements:
//  1. what recording adds to one run: the hook that appends the history line, folds it into the
//     summary and rewrites the Prometheus file (recordInvocation, in-process, on a history of 1,000
//     lines growing past the compaction trigger, with --metrics-dir): median, p95 and max (a
//     compaction). Target: <= 5 ms.
//  2. `ioguard status` (a real process) with 1,000 jobs that have histories. Target: < 300 ms.
//  3. `ioguard history NAME` (a real process) over a 100,000-line history, with its summary up to
//     date (the normal case) and without one (the first read after it was deleted). Target: < 500 ms.
// Needs `npm run build` first. Results go to bench/results/history.json. Reported, not asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendEntry } from '../dist/history/append.js';
import { recordInvocation } from '../dist/run/steps/record.js';
import { historyPaths } from '../dist/history/paths.js';
import { refreshSummary } from '../dist/history/summary-file.js';
import { serializeEntry } from '../dist/history/entry.js';
import { emptyResult } from '../dist/run/result.js';

const BIN = fileURLToPath(new URL('../bin/ioguard.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/history.json', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const round = (x) => Math.round(x * 100) / 100;
const dir = mkdtempSync(join(tmpdir(), 'ioguard-history-bench-'));

let seq = 0;
function entry(at, outcome = 'completed') {
  seq++;
  const started = outcome === 'completed';
  return {
    v: 1, id: `b${seq}`, at, start: started ? at + 20 : null, end: at + (started ? 50_000 : 30), durationMs: started ? 49_980 : 0, outcome,
    cause: started ? null : 'busy', reason: started ? null : 'previous run still running', exitCode: started ? 0 : 75, jobExitCode: started ? 0 : null,
    signal: null, waitedMs: 0, deferredMs: 0, heldBy: null, cpuSeconds: started ? 12.5 : null, peakRssBytes: started ? 52_000_000 : null,
    readBytes: started ? 1_200_000_000 : null, writeBytes: started ? 900_000_000 : null, ioPressure: 3.2, pid: 4242,
  };
}
function writeHistory(lockDir, name, lines, now) {
  const text = Array.from({ length: lines }, (_, i) => serializeEntry(entry(now - (lines - i) * 60_000, i % 5 === 0 ? 'completed' : 'skipped'))).join('');
  writeFileSync(historyPaths(lockDir, name).history, text);
}
function cli(args, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ioguard ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const startup = () => cli(['--version'], {});

try {
  const now = Date.now();
  // 1. The hook, as runCommand calls it after a run.
  const lockDir = join(dir, 'one');
  rmSync(lockDir, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', '-m', '700', lockDir]);
  writeHistory(lockDir, 'job', 1000, now);
  refreshSummary(historyPaths(lockDir, 'job'), 'job');
  const ctx = {
    name: 'job', lockDir, invokedAt: now, now: Date.now, roots: { procRoot: '/proc', sysRoot: '/sys' },
    interrupts: { received: null }, o: { metricsDir: join(dir, 'prom') }, log: { log: (_l, _e, m) => { throw new Error(m); } },
  };
  const hook = [];
  // 1,000 invocations: the history grows past 512 KiB, so compactions are among them.
  for (let i = 0; i < 1000; i++) {
    const result = { ...emptyResult('job'), durationMs: 1000, jobExitCode: 0, usage: { cpuSeconds: 0.5, peakRssBytes: 1e6, readBytes: 0, writeBytes: 0 } };
    const t = process.hrtime.bigint();
    recordInvocation(ctx, result, { kind: 'acquired' });
    hook.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  // 2. status with 1,000 jobs and their histories (200 lines each, summaries written by their runs).
  const many = join(dir, 'many');
  spawnSync('mkdir', ['-p', '-m', '700', many]);
  for (let j = 0; j < 1000; j++) {
    writeHistory(many, `job-${j}`, 200, now);
    refreshSummary(historyPaths(many, `job-${j}`), `job-${j}`);
  }
  const status = Array.from({ length: 7 }, () => cli(['status'], { IOGUARD_LOCK_DIR: many }));

  // 3. history NAME over 100,000 lines (no compaction: the file is written directly).
  const big = join(dir, 'big');
  spawnSync('mkdir', ['-p', '-m', '700', big]);
  writeHistory(big, 'huge', 100_000, now);
  const paths = historyPaths(big, 'huge');
  const cold = [];
  for (let i = 0; i < 5; i++) {
    rmSync(paths.summary, { force: true });
    cold.push(cli(['history', 'huge'], { IOGUARD_LOCK_DIR: big }));
  }
  refreshSummary(paths, 'huge');
  appendEntry(paths, entry(now), { keepEntries: 1e9, keepMs: 1e15, compactAboveBytes: 1e12 });
  const warm = Array.from({ length: 7 }, () => cli(['history', 'huge'], { IOGUARD_LOCK_DIR: big }));
  const nodeStartup = median(Array.from({ length: 7 }, startup));

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    nodeStartupMs: round(nodeStartup),
    hookMs: { median: round(median(hook)), p95: round(p95(hook)), max: round(Math.max(...hook)), target: 5 },
    status1000JobsMs: { median: round(median(status)), target: 300 },
    history100kLinesMs: { withSummary: round(median(warm)), withoutSummary: round(median(cold)), target: 500 },
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
