#!/usr/bin/env node
// Supervision cost: what the ioguard wrapper itself spends while it supervises a quiet job
// (`ioguard run -- sleep 60`): CPU seconds from /proc/PID/stat utime+stime of the wrapper, as % of
// one core, and its peak RSS (VmHWM). Startup and steady supervision are reported apart, since
// node's startup is paid once per run while supervision scales with the job's length.
// Targets (issue 5): under 1% of one core, RSS under 80 MB. Reported, not asserted.
// SUPERVISION_SECONDS=20 shortens the job for a quick run. No root needed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const BIN = process.env.IOGUARD_BIN ?? fileURLToPath(new URL('../bin/ioguard.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/supervision-cost.json', import.meta.url));
const JOB_S = Number(process.env.SUPERVISION_SECONDS ?? 60);
const STARTUP_S = 2; // samples before this are startup: node boot, bundle import, lock, spawn
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

if (!(JOB_S > STARTUP_S + 1)) {
  process.stderr.write(`supervision-cost: SUPERVISION_SECONDS must be more than ${STARTUP_S + 1}\n`);
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'ioguard-supervision-'));
try {
  const logFile = join(dir, 'ioguard.jsonl');
  const wrapper = spawn(process.execPath, [BIN, 'run', '--name', 'supervision-cost', '--lock-dir', join(dir, 'locks'), '--log-file', logFile, '--', 'sleep', String(JOB_S)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const t0 = performance.now();
  const exited = new Promise((resolve) => wrapper.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  exited.then(() => (done = true));

  /** @type {{t: number, cpuTicks: number, childTicks: number, hwmKiB: number, rssKiB: number, threads: number}[]} */
  const samples = [];
  while (!done) {
    const sample = await sampleProcess(wrapper.pid, (performance.now() - t0) / 1000);
    if (sample) samples.push(sample);
    await Promise.race([sleep(500), exited]);
  }
  const { code, signal } = await exited;
  const wallS = (performance.now() - t0) / 1000;

  const last = samples.at(-1);
  const steadyFrom = samples.find((s) => s.t >= STARTUP_S);
  if (!last || !steadyFrom || last === steadyFrom) throw new Error(`too few samples of the wrapper (exit ${code ?? signal}); is ${BIN} built?`);
  const steadyCpuS = (last.cpuTicks - steadyFrom.cpuTicks) / CLK_TCK;
  const steadyWallS = last.t - steadyFrom.t;
  const result = {
    benchmark: 'supervision-cost',
    command: `node bench/supervision-cost.mjs${process.env.SUPERVISION_SECONDS ? ` (SUPERVISION_SECONDS=${JOB_S})` : ''}`,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim(), node: process.version },
    jobSeconds: JOB_S,
    wrapperExit: code ?? signal,
    wallSeconds: round(wallS, 2),
    cpuSecondsTotal: round(last.cpuTicks / CLK_TCK, 2),
    cpuSecondsStartup: round(steadyFrom.cpuTicks / CLK_TCK, 2),
    cpuSecondsSupervising: round(steadyCpuS, 2),
    supervisingPctOfOneCore: round((steadyCpuS / steadyWallS) * 100, 3),
    wholeRunPctOfOneCore: round((last.cpuTicks / CLK_TCK / last.t) * 100, 3),
    reapedHelperCpuSeconds: round(last.childTicks / CLK_TCK, 2),
    peakRssMiB: round(last.hwmKiB / 1024, 1),
    rssAtEndMiB: round(last.rssKiB / 1024, 1),
    threads: last.threads,
    clockTicksPerSecond: CLK_TCK,
    targets: { pctOfOneCore: 1, peakRssMiB: 80 },
    note: `/proc counts CPU in ticks of ${1000 / CLK_TCK} ms, so ${round(100 / CLK_TCK / steadyWallS, 3)}% of one core is the resolution over this window`,
  };
  await mkdir(join(RESULTS, '..'), { recursive: true });
  await writeFile(RESULTS, JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(
    [
      `ioguard run -- sleep ${JOB_S}: wrapper exit ${result.wrapperExit}, ${result.wallSeconds} s`,
      `  CPU total       ${result.cpuSecondsTotal} s (${result.wholeRunPctOfOneCore}% of one core over the run)`,
      `  CPU startup     ${result.cpuSecondsStartup} s (first ${STARTUP_S} s: node, bundle, lock, spawn)`,
      `  CPU supervising ${result.cpuSecondsSupervising} s over ${round(steadyWallS, 1)} s = ${result.supervisingPctOfOneCore}% of one core (target < 1%)`,
      `  peak RSS        ${result.peakRssMiB} MiB (VmHWM; target < 80 MB), ${result.threads} threads`,
      `  ${result.note}`,
      `results: ${RESULTS}`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** utime+stime (fields 14, 15), cutime+cstime (16, 17), threads (20); VmHWM and VmRSS. */
async function sampleProcess(pid, t) {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'latin1'), readFile(`/proc/${pid}/status`, 'latin1')]);
    // Fields after the comm's closing ")" start at field 3 (state).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return undefined;
    return { t, cpuTicks: f[11] + f[12], childTicks: f[13] + f[14], hwmKiB: kib('VmHWM'), rssKiB: kib('VmRSS'), threads: f[17] };
  } catch {
    return undefined; // exited between two samples
  }
}

function round(x, digits) {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : null;
}
