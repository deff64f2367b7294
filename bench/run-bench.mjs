#!/usr/bin/env node
// npm run bench: what ioguard costs, as ratios against baselines measured in the same run.
// Medians of several runs; nothing here asserts a time. Writes bench/results/bench.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../bin/ioguard.js', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(argv, env = process.env, expected = 0) {
  const samples = [];
  spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore' }); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== expected) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    samples.push(ms);
  }
  return median(samples);
}

const scratch = mkdtempSync(join(tmpdir(), 'ioguard-bench-'));
const lockDir = join(scratch, 'locks');
const env = { ...process.env, IOGUARD_LOCK_DIR: lockDir, IOGUARD_LOG_FILE: join(scratch, 'log') };
const results = {};
try {
  // Interleave baselines and subjects so machine noise hits all alike.
  const node = time([process.execPath, '-e', '']);
  const flock = time(['flock', '-n', join(scratch, 'f.lock'), 'true']);
  const bare = time([process.execPath, BIN, 'run', '--no-gate', '--', 'true'], env);
  const gated = time([process.execPath, BIN, 'run', '--', 'true'], env);
  // The busy-skip path: another run holds the job's lock, this start exits 75 (cron's common tick).
  const holder = spawn(process.execPath, [BIN, 'run', '--no-gate', '--name', 'busy', '--', 'sleep', '600'], { env, stdio: 'ignore', detached: true });
  for (let i = 0; i < 100 && !existsSync(join(lockDir, 'busy.json')); i++) await new Promise((r) => setTimeout(r, 50));
  const busySkip = time([process.execPath, BIN, 'run', '--no-gate', '--name', 'busy', '--', 'true'], env, 75);
  process.kill(-holder.pid, 'SIGTERM');
  const help = time([process.execPath, BIN, 'run', '--help'], env);
  const completionScript = time([process.execPath, BIN, 'completion', 'bash'], env);
  const completionRequest = time([process.execPath, BIN, '--get-yargs-completions', 'ioguard', 'run', '--ti'], env);
  const node2 = time([process.execPath, '-e', '']);
  const nodeMs = (node + node2) / 2;
  results.run = {
    runs: RUNS,
    nodeMs, flockMs: flock, runNoGateMs: bare, runWithGateMs: gated, busySkipMs: busySkip,
    helpMs: help, completionScriptMs: completionScript, completionRequestMs: completionRequest,
    ratioNoGateToNode: bare / nodeMs, ratioGateToNode: gated / nodeMs, ratioNoGateToFlock: bare / flock, ratioBusySkipToNode: busySkip / nodeMs,
  };

  // status with 1,000 records: live wrappers (this process) over one live job group.
  mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const sleeper = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
  const me = { pid: process.pid, starttime: Number(stat(process.pid)[19]) };
  const job = { pid: sleeper.pid, starttime: Number(stat(sleeper.pid)[19]), pgid: sleeper.pid };
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  for (let i = 0; i < 1000; i++) {
    const name = `job-${String(i).padStart(4, '0')}`;
    const now = Date.now();
    writeFileSync(join(lockDir, `${name}.json`), JSON.stringify({
      version: 1, name, phase: 'running', bootId, host: 'bench', wrapper: me, job, argv: ['rsync', '-a', `/src/${i}`, '/dst'],
      startedAt: now - 60_000, deadline: null, updatedAt: now, lastProgressAt: now, evidence: [], survivors: [],
    }));
  }
  results.status = {
    records: 1000,
    tableMs: time([process.execPath, BIN, 'status'], env),
    jsonMs: time([process.execPath, BIN, 'status', '--json'], env),
    nodeMs: time([process.execPath, '-e', '']),
  };
  process.kill(-sleeper.pid, 'SIGKILL');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const probe = spawnSync(process.execPath, [new URL('./probe-bench.mjs', import.meta.url).pathname], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
results.probe = probe.stdout;

const r = results.run;
const s = results.status;
const f = (x) => x.toFixed(1);
console.log(`machine: ${spawnSync('nproc').stdout.toString().trim()} cores, node ${process.version}; medians of ${RUNS} runs\n`);
console.log('| what | median | ratio |');
console.log('|---|---|---|');
console.log(`| node -e '' (baseline) | ${f(r.nodeMs)} ms | 1.00x |`);
console.log(`| flock -n FILE true | ${f(r.flockMs)} ms | ${(r.flockMs / r.nodeMs).toFixed(2)}x node |`);
console.log(`| ioguard run --no-gate -- true | ${f(r.runNoGateMs)} ms | ${r.ratioNoGateToNode.toFixed(2)}x node |`);
console.log(`| ioguard run -- true (gate: one 500 ms look) | ${f(r.runWithGateMs)} ms | ${r.ratioGateToNode.toFixed(2)}x node |`);
console.log(`| ioguard run --no-gate -- true, lock held: skip, exit 75 | ${f(r.busySkipMs)} ms | ${r.ratioBusySkipToNode.toFixed(2)}x node |`);
console.log(`| ioguard run --help (loads yargs) | ${f(r.helpMs)} ms | ${(r.helpMs / r.nodeMs).toFixed(2)}x node |`);
console.log(`| ioguard completion bash | ${f(r.completionScriptMs)} ms | ${(r.completionScriptMs / r.nodeMs).toFixed(2)}x node |`);
console.log(`| completion request (run --ti<TAB>) | ${f(r.completionRequestMs)} ms | ${(r.completionRequestMs / r.nodeMs).toFixed(2)}x node |`);
console.log(`| ioguard status, 1,000 records | ${f(s.tableMs)} ms | ${(s.tableMs / s.nodeMs).toFixed(2)}x node |`);
console.log(`| ioguard status --json, 1,000 records | ${f(s.jsonMs)} ms | ${(s.jsonMs / s.nodeMs).toFixed(2)}x node |`);
console.log(`\n${probe.stdout}`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/bench.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
