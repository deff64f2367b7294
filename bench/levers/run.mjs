#!/usr/bin/env node
// bench:levers — which governor lever protects a foreground commit (issue 9). A heavy job writes
// a fixed amount onto a slow device, wrapped in `ioguard run`, while two foreground probes write
// to the same device every 100 ms: an O_DIRECT|O_DSYNC 4 KiB "commit" (direct-probe.c) and a
// buffered append + fsync (../incident/probe.mjs). Scenarios: the job is a buffered bulk writer
// (dd conv=fsync) or a direct-I/O writer (dd oflag=direct). Arms: no governor, and the governor
// with each lever (stop, freeze, throttle). Repetitions interleaved (each repetition runs every
// arm of every scenario once, in a rotated order). Measures, never asserts.
// Writes bench/results/levers.{json,md}. Needs root; restores everything it changes, even on ^C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { IOGUARD_BIN } from '../incident/arms.mjs';
import { createCleanup, installSignalHandlers } from '../incident/cleanup.mjs';
import { killAllMentioning, run } from '../incident/exec.mjs';
import { collectProbe, startProbe } from '../incident/probe-client.mjs';
import { checkPlatform } from '../incident/slow-device.mjs';
import { createSharedSlowDevice } from './shared-device.mjs';
import { leverTable, summarizeRuns } from './summary.mjs';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
/** Results file name: a run of some arms only (LEVERS_ARMS) can write beside levers.md instead of over it. */
const OUT = /^[\w-]+$/.test(process.env.LEVERS_OUT ?? '') ? process.env.LEVERS_OUT : 'levers';
const PROBE_C = fileURLToPath(new URL('./direct-probe.c', import.meta.url));

const KNOBS = {
  reps: ['LEVERS_REPS', 3, 'interleaved repetitions of every arm in every scenario'],
  jobMb: ['LEVERS_JOB_MB', 160, 'MiB the job writes'],
  deviceMbps: ['LEVERS_DEVICE_MBPS', 8, 'write MiB/s the slow device allows (root blkio rule)'],
  writeIops: ['LEVERS_WRITE_IOPS', 400, 'write IOPS the slow device allows'],
  dirtyMb: ['LEVERS_DIRTY_MB', 16, "the slow device's dirty page allowance, MiB"],
  capS: ['LEVERS_CAP_S', 75, 'longest a job may run before it is ended (counted as not finished)'],
  settleMaxS: ['LEVERS_SETTLE_MAX_S', 20, 'longest wait for io pressure to fade before a run'],
  probeMs: ['LEVERS_PROBE_MS', 100, 'probe interval'],
};

export const SCENARIOS = [
  { key: 'buffered', title: 'buffered bulk writer (`dd conv=fsync`)', dd: ['conv=fsync'] },
  { key: 'direct', title: 'direct-I/O writer (`dd oflag=direct`)', dd: ['oflag=direct'] },
];

export const ARMS = [
  { key: 'none', title: 'no governor', flags: ['--no-govern'] },
  // The levers alone, as measured before the bound was on by default.
  { key: 'stop', title: 'governor + stop (SIGSTOP)', flags: ['--govern', '--govern-lever', 'stop', '--bound-backlog', 'off'] },
  { key: 'freeze', title: 'governor + freeze (v1 freezer)', flags: ['--govern', '--govern-lever', 'freeze', '--bound-backlog', 'off'] },
  { key: 'throttle', title: 'governor + throttle (v1 blkio)', flags: ['--govern', '--govern-lever', 'throttle', '--bound-backlog', 'off'] },
  // ioguard's defaults since issue 18: the governor (lever auto) and the auto backlog bound, no flag.
  { key: 'auto', title: 'defaults: governor + auto backlog bound', flags: ['--govern'] },
  // ioguard's own fixed-size bound (`--bound-backlog 256K`) with the governor on, as a user would set it.
  { key: 'ig256k', title: 'governor + `--bound-backlog 256K`', flags: ['--govern', '--bound-backlog', '256K'] },
  { key: 'ig512k', title: 'governor + `--bound-backlog 512K`', flags: ['--govern', '--bound-backlog', '512K'] },
  // Issue 18: the job's dirty backlog bounded on every device under its path (src/govern/backlog-bound.ts), no governor.
  { key: 'bound', title: 'backlog bound 1 MiB, no governor', flags: ['--no-govern'], boundBytes: 1024 * 1024 },
  { key: 'bound256k', title: 'backlog bound 256 KiB, no governor', flags: ['--no-govern'], boundBytes: 256 * 1024 },
  { key: 'bound64k', title: 'backlog bound 64 KiB, no governor', flags: ['--no-govern'], boundBytes: 64 * 1024 },
  // A lead, not an ioguard feature: the upper device's request queue held short (64 KiB requests, 4 at a time) on top of a 256 KiB bound.
  { key: 'queue256k', title: 'bound 256 KiB + upper queue 4 x 64 KiB, no governor', flags: ['--no-govern'], boundBytes: 256 * 1024, queue: { max_sectors_kb: 64, nr_requests: 4 } },
  // The probes with no job (\`sleep 20\` in its place): the device's own floor.
  { key: 'idle', title: 'no job (the probes alone, 20 s)', flags: ['--no-govern'], idle: true },
];

/** LEVERS_QUEUE=16,4: the queue256k arm's upper queue as max_sectors_kb,nr_requests. */
function withQueue(arms, spec) {
  if (!spec) return arms;
  const m = /^(\d+),(\d+)$/.exec(spec);
  if (!m) throw new Error(`LEVERS_QUEUE must be MAX_SECTORS_KB,NR_REQUESTS like 16,4, got ${JSON.stringify(spec)}`);
  const [kb, n] = [Number(m[1]), Number(m[2])];
  return arms.map((a) => (a.queue ? { ...a, title: `bound 256 KiB + upper queue ${n} x ${kb} KiB, no governor`, queue: { max_sectors_kb: kb, nr_requests: n } } : a));
}

const BOUND_MODULE = new URL('../../dist/govern/backlog-bound.js', import.meta.url);

function readConfig(env = process.env) {
  const config = {};
  for (const [key, [name, fallback]] of Object.entries(KNOBS)) {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
    config[key] = value;
  }
  const pick = (v, all) => (v ? all.filter((x) => v.split(',').includes(x.key)) : all);
  // The job's write size (dd bs=): the backlog the bound leaves follows it (docs/governor.md, "the job's write size").
  const ddBs = env.LEVERS_DD_BS || '1M';
  if (!/^[1-9]\d*[KM]?$/.test(ddBs)) throw new Error(`LEVERS_DD_BS must be a dd block size like 64K or 1M, got ${JSON.stringify(ddBs)}`);
  const queue = env.LEVERS_QUEUE || undefined;
  return { ...config, ddBs, queue, scenarios: pick(env.LEVERS_SCENARIOS, SCENARIOS), arms: withQueue(pick(env.LEVERS_ARMS, ARMS), queue) };
}

function ioSomeTotalUs() {
  const line = readFileSync('/proc/pressure/io', 'utf8').split('\n').find((l) => l.startsWith('some'));
  return Number(/total=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/** Wait until io some over one second is below 5% (or the limit passes); returns the last figure. */
async function settle(maxS) {
  const until = Date.now() + maxS * 1000;
  for (;;) {
    const a = ioSomeTotalUs();
    const t = performance.now();
    await sleep(1000);
    const pct = ((ioSomeTotalUs() - a) / ((performance.now() - t) * 1000)) * 100;
    if (pct < 5 || Date.now() > until) return Math.round(pct * 10) / 10;
  }
}

function startDirectProbe(binary, file, intervalMs) {
  return collectProbe(spawn(binary, [file, String(intervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** One job under one arm: the probes run throughout; figures are taken over the job's lifetime. */
async function runOnce({ scenario, arm, rep, config, dev, scratch, source, probeBinary, signal }) {
  const out = join(dev.mountPoint, 'job.out');
  await rm(out, { force: true });
  await run('sync', []);
  const settledAt = await settle(config.settleMaxS);
  const name = `levers-${scenario.key}-${arm.key}-${rep}`;
  const logFile = join(scratch, 'ioguard.log');
  const commit = startDirectProbe(probeBinary, join(dev.mountPoint, 'commit.probe'), config.probeMs);
  const fsyncProbe = startProbe(join(dev.mountPoint, 'fsync.probe'), config.probeMs);
  await sleep(1000);
  const argv = [process.execPath, IOGUARD_BIN, 'run', '--name', name, '--lock-dir', join(scratch, 'locks'), '--log-file', logFile, '--no-gate', ...arm.flags,
    '--', ...(arm.idle ? ['sleep', '20'] : ['dd', `if=${source}`, `of=${out}`, `bs=${config.ddBs}`, 'status=none', ...scenario.dd])];
  // A fixed bound without the governor, set around the run (ioguard's own bound needs the governor on).
  const bound = arm.boundBytes ? await (await import(BOUND_MODULE.href)).boundBacklog({ paths: [dev.mountPoint], bytes: arm.boundBytes, ledgerDir: join(scratch, 'bounds'), job: name }) : undefined;
  if (bound && bound.problems.length > 0) throw new Error(`backlog bound: ${bound.problems.join('; ')}`);
  const queueDir = `/sys/block/${basename(dev.upper.device)}/queue`;
  const savedQueue = {};
  for (const [file, value] of Object.entries(arm.queue ?? {})) {
    savedQueue[file] = (await readFile(`${queueDir}/${file}`, 'utf8')).trim();
    await writeFile(`${queueDir}/${file}`, String(value));
  }
  const psi0 = ioSomeTotalUs();
  const t0 = Date.now();
  const job = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  job.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => job.on('close', (code, sig) => resolve(code ?? sig)));
  let capped = false;
  const cap = setTimeout(() => {
    capped = true;
    job.kill('SIGTERM');
  }, config.capS * 1000);
  const onAbort = () => job.kill('SIGTERM');
  signal.addEventListener('abort', onAbort, { once: true });
  const exitCode = await exited;
  clearTimeout(cap);
  signal.removeEventListener('abort', onAbort);
  const t1 = Date.now();
  const psi1 = ioSomeTotalUs();
  for (const b of bound?.bounds ?? []) await b.release();
  for (const [file, value] of Object.entries(savedQueue)) await writeFile(`${queueDir}/${file}`, value);
  await Promise.all([commit.stop(), fsyncProbe.stop()]);
  const intact = !capped && exitCode === 0 && (arm.idle || spawnSync('cmp', ['-s', source, out]).status === 0);
  const events = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.job === name);
  const leverEvent = events.find((e) => e.event === 'govern-lever');
  const within = (points) => points.filter((p) => p.atMs >= t0 && p.atMs <= t1).map((p) => Math.round(p.latencyMs * 10) / 10);
  return {
    scenario: scenario.key,
    arm: arm.key,
    rep,
    settledIoSome: settledAt,
    jobMs: t1 - t0,
    exitCode,
    capped,
    intact,
    ioSomePct: Math.round(((psi1 - psi0) / ((t1 - t0) * 1000)) * 1000) / 10,
    lever: leverEvent?.lever ?? null,
    boundDevices: bound?.bounds.map((b) => `${b.device} ${b.bytes}`) ?? [],
    leverNote: leverEvent?.fallback ?? null,
    backlogEvents: events.filter((e) => /^backlog-|^paused$|^resumed$|^pause-left/.test(e.event)).map((e) => `${e.time ?? ''} ${e.event}: ${e.msg}`),
    pauses: events.filter((e) => e.event === 'paused').length,
    pausedMs: events.filter((e) => e.event === 'resumed').reduce((s, e) => s + Number(e.pausedMs ?? 0), 0),
    commitMs: within(commit.points),
    fsyncMs: within(fsyncProbe.points),
    stderr: stderr.trim().slice(0, 500),
  };
}

async function main() {
  if (process.argv.includes('--help')) {
    process.stdout.write(`usage: sudo node bench/levers/run.mjs\nenvironment (default):\n${Object.values(KNOBS).map(([n, d, h]) => `  ${n.padEnd(22)} ${String(d).padEnd(6)} ${h}`).join('\n')}\n  LEVERS_SCENARIOS       all    comma list of: ${SCENARIOS.map((s) => s.key)}\n  LEVERS_ARMS            all    comma list of: ${ARMS.map((a) => a.key)}\n  LEVERS_DD_BS           1M     the job's write size (dd bs=)\n  LEVERS_QUEUE           64,4   the queue256k arm's upper request queue: max_sectors_kb,nr_requests\n  LEVERS_OUT             levers results file name in bench/results (for a run of some arms)\n`);
    return;
  }
  // Redraw levers.md from levers.json (after a change to the table), without measuring again.
  if (process.argv.includes('--report')) {
    const saved = JSON.parse(await readFile(join(RESULTS_DIR, `${OUT}.json`), 'utf8'));
    const config = {
      ...saved.config,
      scenarios: SCENARIOS.filter((x) => saved.config.scenarios.includes(x.key)),
      arms: withQueue(ARMS.filter((x) => saved.config.arms.includes(x.key)), saved.config.queue),
    };
    const summary = summarizeRuns(saved.runs, config);
    await writeFile(join(RESULTS_DIR, `${OUT}.md`), leverTable(summary, { machine: saved.machine, config, scenarios: config.scenarios, arms: config.arms, totalS: saved.wallS, date: saved.date }));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('needs root: loop device, mount, blkio throttle, the job\'s cgroups (run it with sudo)');
  const problems = checkPlatform();
  if (!existsSync('/sys/fs/cgroup/freezer')) problems.push('no cgroup v1 freezer at /sys/fs/cgroup/freezer');
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const config = readConfig();
  const controller = new AbortController();
  const cleanup = createCleanup();
  installSignalHandlers(controller, cleanup);
  const scratch = await mkdtemp('/var/tmp/ioguard-levers-');
  cleanup.add(`remove ${scratch}`, () => rm(scratch, { recursive: true, force: true }));
  cleanup.setRestoreScript(join(scratch, 'restore.sh'));
  cleanup.add('stop every process of this run', () => killAllMentioning(scratch, { graceMs: 3000 }));
  process.stderr.write(`bench:levers: scratch ${scratch}\n`);
  if (config.arms.some((a) => a.boundBytes) && !existsSync(fileURLToPath(BOUND_MODULE))) throw new Error('the bound arms need the build: npm run build');
  await mkdir(join(scratch, 'bounds'), { mode: 0o700 });
  const probeBinary = join(scratch, 'direct-probe');
  await run('gcc', ['-O2', '-o', probeBinary, PROBE_C]);
  const source = join(scratch, 'source.bin');
  await run('dd', ['if=/dev/urandom', `of=${source}`, 'bs=1M', `count=${config.jobMb}`, 'status=none']);

  const dev = await createSharedSlowDevice({
    scratch, cleanup, mbps: config.deviceMbps, writeIops: config.writeIops, dirtyBytes: config.dirtyMb * 1024 * 1024,
  });

  const runs = [];
  const started = Date.now();
  try {
    for (let rep = 0; rep < config.reps; rep++) {
      for (const scenario of config.scenarios) {
        const arms = config.arms.map((_, i) => config.arms[(i + rep) % config.arms.length]);
        for (const arm of arms) {
          if (controller.signal.aborted) throw controller.signal.reason;
          const r = await runOnce({ scenario, arm, rep, config, dev, scratch, source, probeBinary, signal: controller.signal });
          runs.push(r);
          const p99 = r.commitMs.length ? r.commitMs.slice().sort((a, b) => a - b)[Math.floor(r.commitMs.length * 0.99)] : null;
          process.stderr.write(`rep ${rep + 1} ${scenario.key.padEnd(8)} ${arm.key.padEnd(8)} job ${(r.jobMs / 1000).toFixed(1)}s exit ${r.exitCode} intact ${r.intact} pauses ${r.pauses} (${(r.pausedMs / 1000).toFixed(1)}s) commit p99 ${p99} ms lever ${r.lever}${r.leverNote ? ` (${r.leverNote})` : ''} [${Math.round((Date.now() - started) / 1000)}s]\n`);
        }
      }
    }
  } finally {
    await cleanup.runAll();
    const left = ['freezer', 'blkio'].flatMap((c) => (existsSync(`/sys/fs/cgroup/${c}/ioguard`) ? readdirSync(`/sys/fs/cgroup/${c}/ioguard`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${c}/ioguard/${d.name}`) : []));
    if (left.length > 0) process.stderr.write(`bench:levers: WARNING: cgroups left behind: ${left.join(', ')}\n`);
  }
  const summary = summarizeRuns(runs, config);
  const machine = { kernel: release(), cpus: cpus().length, memGiB: Math.round(totalmem() / 1024 ** 3), cgroup: 'v1 hybrid (freezer, blkio on v1; a v2 mount without the io controller)' };
  const { scenarios, arms, ...knobs } = config;
  await writeFile(join(RESULTS_DIR, `${OUT}.json`), `${JSON.stringify({ date: new Date().toISOString(), wallS: Math.round((Date.now() - started) / 1000), machine, config: { ...knobs, scenarios: scenarios.map((s) => s.key), arms: arms.map((a) => a.key) }, summary, runs }, null, 1)}\n`);
  await writeFile(join(RESULTS_DIR, `${OUT}.md`), leverTable(summary, { machine, config, scenarios, arms, totalS: Math.round((Date.now() - started) / 1000) }));
  process.stderr.write(`bench:levers: wrote bench/results/${OUT}.{json,md} in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:levers: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = process.exitCode || 1;
});
