#!/usr/bin/env node
// bench:incident: the pile-up of CASES.md §1, measured. A scheduler tick launches an rsync of a
// tree of small files onto a deliberately slow device, in four arms run one after another
// (bare, flock -n, ioguard run, ioguard run with the pressure gate and idle I/O priority), while
// a foreground probe fsyncs on the same device. Writes bench/results/incident.{json.gz,md,svg}.
// Needs root (loop device, mount, blkio throttle); restores everything it changes, even on ^C.
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { ARMS, IOGUARD_BIN } from './arms.mjs';
import { runArm } from './arm-runner.mjs';
import { renderChart } from './chart.mjs';
import { createCleanup, installSignalHandlers } from './cleanup.mjs';
import { describeKnobs, readConfig } from './config.mjs';
import { killAllMentioning } from './exec.mjs';
import { checkPlatform, createSlowDevice } from './slow-device.mjs';
import { createSourceTree } from './source-tree.mjs';
import { summarize, tickOutcomes, timeline } from './summary.mjs';
import { SCENARIOS } from './scenarios.mjs';
import { scenarioFigures, scenarioTable } from './scenario-summary.mjs';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const SCRATCH_PARENT = '/var/tmp';
const TOOLS = ['rsync', 'flock', 'losetup', 'mkfs.ext4', 'mount', 'umount', 'sync'];

async function main() {
  if (process.argv.includes('--help')) {
    process.stdout.write(`usage: sudo node bench/incident/run.mjs\nenvironment (default):\n${describeKnobs()}\n  INCIDENT_ARMS            default     comma list of: ${ARMS.map((a) => a.key).join(',')}\n  INCIDENT_SCENARIOS       all         comma list of: ${SCENARIOS.map((s) => s.key).join(',')}\n  INCIDENT_IOGUARD_ARGS                extra flags for the ioguard arms\n  INCIDENT_KEEP            0           1 keeps the scratch folder\n  IOGUARD_BIN              bin/ioguard.js\n`);
    return;
  }
  if (process.getuid?.() !== 0) throw userError('needs root: it creates a loop device, mounts it and sets a blkio throttle (run it with sudo)');
  const problems = [...checkPlatform(), ...TOOLS.filter((t) => !onPath(t)).map((t) => `${t} not found (run scripts/install-bench-deps.sh)`)];
  if (problems.length > 0) throw userError(problems.join('\n'));

  const config = readConfig();
  const unknown = (config.arms ?? []).filter((k) => !ARMS.some((a) => a.key === k));
  if (unknown.length > 0) throw userError(`INCIDENT_ARMS: unknown arm ${unknown.join(', ')}`);
  const selected = ARMS.filter((a) => (config.arms ? config.arms.includes(a.key) : !a.optional));
  const unknownScenario = (config.scenarios ?? []).filter((k) => !SCENARIOS.some((s) => s.key === k));
  if (unknownScenario.length > 0) throw userError(`INCIDENT_SCENARIOS: unknown scenario ${unknownScenario.join(', ')}`);
  const scenarios = SCENARIOS.filter((s) => !config.scenarios || config.scenarios.includes(s.key));
  const help = ioguardHelp();
  const missing = (arm) => (arm.needsFlags ?? []).filter((flag) => !help.includes(flag));
  for (const arm of selected.filter((a) => missing(a).length > 0)) {
    process.stderr.write(`bench:incident: WARNING: ${IOGUARD_BIN} run --help lacks ${missing(arm).join(' ')} (npm run build?); arm ${arm.key} is NOT run\n`);
  }

  const controller = new AbortController();
  const cleanup = createCleanup();
  installSignalHandlers(controller, cleanup);
  const scratch = await mkdtemp(join(SCRATCH_PARENT, 'ioguard-incident-'));
  if (!config.keep) cleanup.add(`remove ${scratch}`, () => rm(scratch, { recursive: true, force: true }));
  cleanup.setRestoreScript(join(scratch, 'restore.sh'));
  // Whatever happens, no process of this run outlives it.
  cleanup.add('stop every process of this run', () => killAllMentioning(scratch));
  process.stderr.write(`bench:incident: scratch ${scratch} (if killed hard, run ${join(scratch, 'restore.sh')})\n`);

  const records = [];
  try {
    const source = join(scratch, 'source');
    process.stderr.write(`bench:incident: writing ${config.files} small files...\n`);
    const tree = await createSourceTree(source, { files: config.files });
    const device = await createSlowDevice({ scratch, sizeBytes: config.imageBytes, cleanup });
    process.stderr.write(`bench:incident: slow device ${device.device} (${device.majMin}): ${config.writeIops} write IOPS, ${config.dirtyBytes} B dirty allowance\n`);
    const ctx = { scratch, source, device, cleanup, config, signal: controller.signal };

    if (config.baselineS > 0) {
      process.stderr.write(`bench:incident: idle baseline (probe only, ${config.baselineS} s)\n`);
      const idle = { key: 'idle', title: 'idle (probe only)', idle: true, usesIoguard: false };
      records.push(await runArm(idle, { ...ctx, durationS: config.baselineS }));
    }
    const runnable = selected.filter((arm) => missing(arm).length === 0);
    for (const arm of selected.filter((a) => missing(a).length > 0)) records.push({ key: arm.key, title: arm.title, notRun: `ioguard run lacks ${missing(arm).join(' ')}` });
    const total = scenarios.length * config.reps * runnable.length;
    let n = 0;
    for (const scenario of scenarios) {
      for (let rep = 0; rep < config.reps; rep += 1) {
        // Interleaved: every repetition runs each arm once, in a rotated order, so drift in the
        // machine's load (other work on it) spreads over the arms instead of landing on one.
        const order = runnable.map((_, i) => runnable[(i + rep) % runnable.length]);
        for (const arm of order) {
          n += 1;
          process.stderr.write(`bench:incident: [${n}/${total}] ${scenario.key} rep ${rep + 1}: ${arm.title}, ${config.armS} s, tick ${scenario.tickS} s x ${scenario.jobs}\n`);
          const record = await runArm(arm, { ...ctx, durationS: config.armS, scenario, rep });
          records.push({ ...record, figures: scenarioFigures(record, scenario) });
        }
      }
    }

    const results = {
      benchmark: 'incident',
      command: 'sudo npm run bench:incident',
      machine: await machine(),
      config: { ...config, tree, ioguardBin: IOGUARD_BIN, scenarios: scenarios.map((s) => s.key) },
      scenarios,
      arms: records.map((r) => (r.notRun ? r : { ...r, summary: summarize(r), timeline: timeline(r), tickOutcomes: tickOutcomes(r) })),
    };
    await mkdir(RESULTS_DIR, { recursive: true });
    // INCIDENT_RESULTS=incident-bulk keeps a partial rerun from overwriting the full results.
    const base = process.env.INCIDENT_RESULTS || 'incident';
    // Gzipped: the raw samples of one run are megabytes; the .md and .svg are the summaries.
    const jsonPath = join(RESULTS_DIR, `${base}.json.gz`);
    const svgPath = join(RESULTS_DIR, `${base}.svg`);
    const mdPath = join(RESULTS_DIR, `${base}.md`);
    await writeFile(jsonPath, gzipSync(JSON.stringify(results, null, 1) + '\n', { level: 9 }));
    const pile = results.arms.filter((a) => a.key !== 'idle' && !a.notRun && a.scenario === 'pileup' && a.rep === 0);
    if (pile.length > 0) await writeFile(svgPath, renderChart({ ...results, arms: pile }));
    const tables = scenarios.map((s) => scenarioTable(s, records.filter((r) => r.scenario === s.key && r.figures))).join('\n\n');
    const header = `${results.machine.date}, kernel ${results.machine.kernel}, ${results.machine.cpus} CPUs; ${config.reps} interleaved repetition(s) of ${config.armS} s per arm (median shown); tree ${tree.files} files; slow device ${config.writeIops} write IOPS`;
    await writeFile(mdPath, `${header}\n\n${tables}\n`);
    process.stdout.write(`\n${header}\n\n${tables}\n\n`);
    process.stdout.write(`results: ${jsonPath}\ntables:  ${mdPath}\n`);
  } finally {
    await cleanup.runAll();
  }
}

/** The bin's `run --help`, or '' when it does not answer (not built yet). */
function ioguardHelp() {
  const r = spawnSync(process.execPath, [IOGUARD_BIN, 'run', '--help'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout + r.stderr : '';
}

function onPath(tool) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0;
}

async function machine() {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  return {
    kernel: (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    hasSwap: !/SwapTotal:\s+0 kB/.test(meminfo),
  };
}

function userError(message) {
  return Object.assign(new Error(message), { isUserError: true });
}

main().catch((error) => {
  if (error?.isUserError) process.stderr.write(`bench:incident: ${error.message}\n`);
  else if (error?.name === 'AbortError' || /interrupted by/.test(error?.message ?? '')) process.stderr.write('bench:incident: interrupted; settings restored\n');
  else process.stderr.write(`bench:incident: ${error?.stack ?? error}\n`);
  process.exitCode ||= 1;
});
