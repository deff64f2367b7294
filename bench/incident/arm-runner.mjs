// One arm: a fresh throttled filesystem, a tick every `tickS` launching the arm's command, the
// foreground probe, and a sampler of copies alive / D state / PSI; then a teardown that leaves
// nothing of the arm running.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { killAllMentioning } from './exec.mjs';
import { startProbe } from './probe-client.mjs';
import { countCopies, readCpuCounters, readIoPressure } from './sampler.mjs';
import { startTenant } from './tenant.mjs';

/**
 * @param {import('./arms.mjs').Arm | {key: string, title: string, idle: true, usesIoguard: false}} arm
 * @param {{scratch: string, source: string, device: any, cleanup: any, config: any, signal: AbortSignal, durationS: number}} ctx
 */
export async function runArm(arm, { scratch, source, device, cleanup, config, signal, durationS, scenario = { key: 'pileup', tickS: config.tickS, jobs: 1 }, rep = 0 }) {
  const armDir = join(scratch, 'arms', `${scenario.key}-${arm.key}-${rep}`);
  const paths = {
    source,
    lockDir: join(armDir, 'locks'),
    lockFile: join(armDir, 'flock.lock'),
    logFile: join(armDir, 'ioguard.jsonl'),
    mountPoint: device.mountPoint,
  };
  await mkdir(paths.lockDir, { recursive: true });

  const settle = await settlePressure(config, signal);
  await device.formatAndMount();
  const archive = join(device.mountPoint, 'archive');
  await mkdir(archive);
  const restoreScheduler = 'scheduler' in arm && arm.scheduler ? await device.useScheduler(arm.scheduler) : undefined;
  await device.throttle({ writeIops: config.writeIops, dirtyBytes: config.dirtyBytes });
  const stopEverything = cleanup.add(`stop the processes of arm ${arm.key}`, async () => {
    await device.unthrottle(); // D-state writers finish or die fast once the device is fast again
    const left = await killAllMentioning(scratch, { deadlineMs: 60_000 });
    if (left.length > 0) process.stderr.write(`bench:incident: still alive after SIGKILL: ${left.join(' ')}\n`);
  });

  const stderrFd = openSync(join(armDir, 'stderr.log'), 'a');
  const probe = startProbe(join(device.mountPoint, 'probe.log'), config.probeMs);
  const tenant = 'idle' in arm ? undefined : startTenant(scenario, { mountPoint: device.mountPoint, scratch, config });
  const t0 = performance.now();
  const wallStart = Date.now();
  const elapsedS = () => (performance.now() - t0) / 1000;
  const psiStart = await readIoPressure();
  const cpuStart = await readCpuCounters();

  /** @type {{index: number, job: number, t: number, wallMs: number, pid: number | undefined, exitCode: number | null, signal: string | null, endT: number | null}[]} */
  const ticks = [];
  /** @type {{t: number, copies: number, copiesInD: number, wrappers: number, someTotalUs: number, fullTotalUs: number}[]} */
  const samples = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const started = performance.now();
      const [copies, psi] = await Promise.all([countCopies(scratch), readIoPressure()]);
      const wrappers = ticks.filter((k) => k.endT === null).length;
      samples.push({ t: (started - t0) / 1000, ...copies, wrappers, someTotalUs: psi.someTotalUs, fullTotalUs: psi.fullTotalUs });
      await sleep(Math.max(0, config.sampleMs - (performance.now() - started)));
    }
  })();

  let wallEnd = wallStart;
  let psiEnd = psiStart;
  let cpuEnd = cpuStart;
  let started = [];
  let tenantResult;
  try {
    const tickS = scenario.tickS ?? config.tickS;
    const tickCount = 'idle' in arm ? 0 : Math.ceil((durationS * 1000) / (tickS * 1000));
    for (let index = 0; index < tickCount; index += 1) {
      await sleepUntil(t0 + index * tickS * 1000, signal);
      for (let job = 0; job < (scenario.jobs ?? 1); job += 1) {
      const argv = arm.argv({ ...paths, job, destination: join(archive, `tick-${String(index).padStart(2, '0')}-job-${job}`) });
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', stderrFd], detached: true });
      const tick = { index, job, t: elapsedS(), wallMs: Date.now(), pid: child.pid, exitCode: null, signal: null, endT: null };
      ticks.push(tick);
      child.on('error', (error) => {
        tick.endT = elapsedS();
        tick.exitCode = -1;
        process.stderr.write(`bench:incident: [${arm.key}] tick ${index}: ${error.message}\n`);
      });
      child.on('exit', (code, sig) => Object.assign(tick, { exitCode: code, signal: sig, endT: elapsedS() }));
      const last = samples.at(-1);
      process.stderr.write(
        `  [${arm.key}] t=${tick.t.toFixed(0).padStart(2)}s tick ${index + 1}/${tickCount}` +
          (last ? `  copies alive ${last.copies} (D ${last.copiesInD})` : '') + '\n',
      );
      }
    }
    await sleepUntil(t0 + durationS * 1000, signal);
  } finally {
    wallEnd = Date.now();
    psiEnd = await readIoPressure();
    cpuEnd = await readCpuCounters();
    sampling = false;
    await sampler;
    tenantResult = await tenant?.stop();
    const probeStopped = probe.stop();
    // Ask wrappers still running to stop first, so ioguard can log what it did; then kill the rest.
    const alive = ticks.filter((k) => k.endT === null && k.pid !== undefined);
    for (const tick of alive) tryKill(tick.pid, 'SIGTERM');
    const graceUntil = Date.now() + config.graceS * 1000;
    while (Date.now() < graceUntil && ticks.some((k) => k.endT === null)) await sleep(100);
    started = await readdir(archive).catch(() => []);
    await stopEverything();
    await probeStopped;
    closeSync(stderrFd);
    await restoreScheduler?.();
    await device.unmount();
  }

  const armS = (wallEnd - wallStart) / 1000;
  return {
    key: arm.key,
    title: arm.title,
    scenario: scenario.key,
    rep,
    tenant: tenantResult
      ? {
        ...tenantResult,
        commits: tenantResult.commits
          ?.filter((p) => p.atMs >= wallStart && p.atMs <= wallEnd)
          .map((p) => ({ t: (p.atMs - wallStart) / 1000, latencyMs: p.latencyMs })),
      }
      : null,
    scheduler: 'scheduler' in arm && arm.scheduler ? arm.scheduler : 'unchanged',
    durationS: armS,
    pressureAtStart: settle,
    psi: {
      somePct: pct(psiEnd.someTotalUs - psiStart.someTotalUs, armS * 1e6),
      fullPct: pct(psiEnd.fullTotalUs - psiStart.fullTotalUs, armS * 1e6),
    },
    // Other work on the box shows here: the pile-up's own CPU cost, or a neighbour's.
    cpu: {
      psiSomePct: pct(cpuEnd.someTotalUs - cpuStart.someTotalUs, armS * 1e6),
      busyPct: pct(cpuEnd.busy - cpuStart.busy, cpuEnd.total - cpuStart.total),
      iowaitPct: pct(cpuEnd.iowait - cpuStart.iowait, cpuEnd.total - cpuStart.total),
    },
    ticks,
    copiesStarted: started.length,
    samples,
    probe: probe.points.filter((p) => p.atMs >= wallStart && p.atMs <= wallEnd).map((p) => ({ t: (p.atMs - wallStart) / 1000, latencyMs: p.latencyMs })),
    ioguardLog: arm.usesIoguard ? await readJsonLines(paths.logFile) : [],
    windowMs: { start: wallStart, end: wallEnd },
  };
}

/**
 * PSI avg10 lags by tens of seconds; wait until the last arm's pressure has faded so an arm
 * that gates on pressure is not judged by its predecessor's load.
 */
async function settlePressure(config, signal) {
  const until = performance.now() + config.settleMaxS * 1000;
  let psi = await readIoPressure();
  while (psi.someAvg10 > config.settleAvg10 && performance.now() < until) {
    await sleep(1000, undefined, { signal });
    psi = await readIoPressure();
  }
  return { someAvg10: psi.someAvg10 };
}

async function sleepUntil(deadline, signal) {
  signal.throwIfAborted();
  const wait = deadline - performance.now();
  if (wait > 0) await sleep(wait, undefined, { signal });
}

async function readJsonLines(file) {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

function tryKill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const pct = (part, whole) => (whole > 0 ? (part / whole) * 100 : 0);
