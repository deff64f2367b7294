import { existsSync } from 'node:fs';
import { EXIT, SIGNAL_EXIT_BASE } from '../errors/exit-codes.ts';
import { invalidOption } from '../errors/ioguard-error.ts';
import type { LockOutcome } from '../lock/acquire.ts';
import type { HeldLock } from '../lock/held-lock.ts';
import { deriveJobName } from '../lock/job-key.ts';
import { listGroupMembers, readPidStat } from '../proc/processes.ts';
import { JobTermination } from '../terminate/job-termination.ts';
import { signalGroup, signalNumber } from '../terminate/signal-group.ts';
import { formatDuration } from '../util/duration.ts';
import { setLongTimeout } from '../util/long-timeout.ts';
import { devicesIgnoringPriority, priorityPrefix } from '../gate/io-priority.ts';
import { heldHolderReason } from '../gate/holding.ts';
import { listWholeDisks } from '../proc/block-devices.ts';
import { busyLine, holderInfo, stuckLine } from './describe-previous.ts';
import { createRunContext, newRecord, skippedByInterrupt, takeLockFor, type RunContext } from './context.ts';
import { gateStep } from './gate-step.ts';
import { normalizeRunOptions, type RunOptions } from './options.ts';
import { emptyResult, type RunResult } from './result.ts';
import { notStarted as spawnFailure, quoteCommand, spawnJob, type SpawnedJob, type SpawnOptions } from './spawn-job.ts';
import { closeGate, gatedArgv, openGate, resolveCommand } from './start-gate.ts';
import { Supervisor } from './supervisor.ts';
import { openLever } from '../govern/open-lever.ts';
import type { Lever } from '../govern/lever.ts';
import { recordInvocation } from '../history/record-invocation.ts';
import { fleetStep } from '../fleet/fleet-step.ts';
import { adoptOrphan } from '../fleet/adopt-orphan.ts';
import type { FleetLease } from '../fleet/fleet-lease.ts';
// Issue 19 (monitoring) wired into today's run path; to be ported onto the pipeline's steps.
import { jitterBeforeLock, openMonitor, pingEnding, type RunMonitor } from './monitor.ts';

/**
 * Everything `ioguard run` does, as a function: take the job's lock (judging the previous run),
 * run the command in its own process group, bound it, sweep it, and say how it ended. Never
 * throws for a skip or a job failure; throws IoguardError for bad options or an unusable lock folder.
 */
export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string') || argv[0] === '') {
    throw invalidOption('argv', argv, 'a non-empty array of strings (the command and its arguments)');
  }
  const o = normalizeRunOptions(options);
  const ctx = await createRunContext(o.name ?? deriveJobName(argv), argv, o, options);
  let monitor: RunMonitor | undefined;
  try {
    monitor = await openMonitor(ctx);
    await jitterBeforeLock(ctx);
    const outcome = await takeLockFor(ctx);
    const result = outcome.kind !== 'acquired'
      ? (outcome.kind === 'busy' && (await adoptOrphan(ctx, outcome))) || notStarted(ctx, outcome)
      : await runHeld(ctx, outcome.lock, outcome.waitedMs, options, monitor);
    recordInvocation(ctx, result, outcome);
    await pingEnding(ctx, monitor, result);
    return result;
  } finally {
    monitor?.output?.dispose();
    ctx.close();
  }
}

export function notStarted(ctx: RunContext, outcome: Exclude<LockOutcome, { kind: 'acquired' }>): RunResult {
  const now = ctx.now();
  const result = emptyResult(ctx.name);
  result.holder = holderInfo(outcome.previous, now);
  result.waitedMs = outcome.waitedMs;
  if (outcome.kind === 'stuck') {
    const line = stuckLine(ctx.name, outcome.previous, now);
    result.outcome = 'stuck';
    result.exitCode = EXIT.stuck;
    result.reason = line.replace(/^ioguard: job "[^"]*" not started: /, '');
    ctx.report(line, 'alert');
    ctx.log.log('error', 'stuck', result.reason, { holder: result.holder, evidence: outcome.previous.evidence });
    return result;
  }
  const reasons = {
    running: 'previous run still running',
    'another-waiter': 'previous run still running and another invocation is already waiting',
    'wait-expired': 'previous run still running after the wait',
    interrupted: `interrupted by ${ctx.interrupts.received ?? 'signal'} while waiting`,
  } as const;
  result.outcome = 'skipped';
  result.reason = (outcome.reason === 'running' ? heldHolderReason('record' in outcome.previous ? outcome.previous.record : null) : undefined) ?? reasons[outcome.reason];
  const signal = ctx.interrupts.received;
  result.exitCode = outcome.reason === 'interrupted' && signal ? SIGNAL_EXIT_BASE + signalNumber(signal) : ctx.o.skipExitCode;
  ctx.report(busyLine(ctx.name, outcome.previous, result.reason, now), 'info');
  ctx.log.log('info', 'skipped', result.reason, { holder: result.holder, waitedMs: result.waitedMs, exitCode: result.exitCode });
  return result;
}

async function runHeld(ctx: RunContext, lock: HeldLock, waitedMs: number, options: RunOptions, monitor: RunMonitor): Promise<RunResult> {
  const { o, now } = ctx;
  const record = newRecord(ctx);
  let keepRecord = false;
  let lease: FleetLease | undefined;
  let lever: Lever | undefined;
  const result = emptyResult(ctx.name);
  result.waitedMs = waitedMs;
  try {
    lock.write(record);
    const fleet = await fleetStep(ctx, record, result);
    if (!fleet.proceed) return result;
    lease = fleet.lease;
    if (skippedByInterrupt(ctx, result)) return result;
    const gate = await gateStep(ctx, lock, record, result, options.gateRetryMs);
    if (!gate.proceed) return result;
    const ionice = gate.throttled ? { class: 'idle' as const } : o.ionice;
    const nice = gate.throttled ? 19 : o.nice;
    const devices = gate.devices;
    const prefix = priorityPrefix(ionice, nice);
    if (ionice) {
      const ignoring = devicesIgnoringPriority(devices ?? [...(listWholeDisks(ctx.roots) ?? [])], ctx.roots);
      if (ignoring.length > 0) {
        ctx.log.log('warn', 'io-priority-ignored', `I/O scheduler ignores I/O priorities on ${ignoring.map((d) => `${d.device} (${d.scheduler})`).join(', ')}: --ionice has no effect there`, { devices: ignoring });
      }
    }
    const jobStartedAt = now();
    const env = lease ? { ...(options.env ?? process.env), IOGUARD_FENCING_TOKEN: lease.token } : options.env;
    const job = await startGated([...prefix, ...ctx.argv], ctx.argv, { cwd: options.cwd, env, stdio: monitor.output?.stdio });
    monitor.output?.attach(job.stdout, job.stderr);
    if (job.pid === undefined) {
      const exit = await job.exited;
      result.outcome = 'failed';
      result.exitCode = exit.status;
      result.errorCode = exit.spawnError;
      result.reason = exit.spawnReason ?? `cannot start ${ctx.argv[0]}`;
      ctx.report(`ioguard: ${result.reason}`, 'alert');
      ctx.log.log('error', 'finished', result.reason, { exitCode: result.exitCode, errorCode: exit.spawnError });
      return result;
    }
    const pid = job.pid;
    const leaderStart = readPidStat(pid, ctx.roots)?.starttime ?? 0;
    record.job = { pid, starttime: leaderStart, pgid: pid };
    record.phase = 'running';
    record.command = job.command;
    record.startedAt = jobStartedAt;
    record.deadline = o.timeoutMs === undefined ? null : jobStartedAt + o.timeoutMs;
    // A signal that arrived during the gate's look or execa's import: the command never runs a line.
    if (skippedByInterrupt(ctx, result)) {
      closeGate(job.gate);
      await job.exited;
      return result;
    }
    // The job waits at the gate until its identity is on disk: a run we cannot record never begins.
    try {
      lock.write(record);
    } catch (error) {
      closeGate(job.gate);
      await job.exited;
      throw error;
    }
    // The governor's lever: a cgroup lever puts the job in its own cgroup while it still waits at the gate.
    // Without io PSI the governor never starts (src/govern/governor.ts): no cgroup for it either.
    if (o.govern.enabled && existsSync(`${ctx.roots.procRoot}/pressure/io`)) {
      const opened = openLever({ choice: o.govern.lever, pgid: pid, name: ctx.name, devices, roots: ctx.roots });
      lever = opened.lever;
      const message = `governor lever ${lever.kind}: ${lever.describe()} when paused${opened.fallback ? ` (${opened.fallback})` : ''}`;
      ctx.log.log(opened.fallback && o.govern.lever !== 'auto' ? 'warn' : 'info', 'govern-lever', message, { lever: lever.kind, asked: o.govern.lever, ...(opened.fallback ? { fallback: opened.fallback } : {}) });
    }
    openGate(job.gate);
    monitor.pinger?.start();
    const recordProblem = (message: string): void => {
      ctx.report(`ioguard: job "${ctx.name}": ${message}`, 'alert');
      ctx.log.log('warn', 'record-failed', message, {});
    };
    const supervisor = new Supervisor({
      lock,
      record,
      pgid: pid,
      leaderStarttime: leaderStart,
      intervalMs: options.sampleIntervalMs ?? Math.max(200, Math.min(5000, Math.floor(o.stuckAfterMs / 5))),
      stuckAfterMs: o.stuckAfterMs,
      roots: ctx.roots,
      now,
      govern: o.govern,
      ...(lever ? { lever } : {}),
      log: ctx.log,
      onStuck: (c) => ctx.log.log('warn', 'stuck', `pid ${c.pid} (${c.comm}) in D without progress, wchan ${c.wchan ?? '-'}`, { culprit: c }),
      onRecordProblem: recordProblem,
    });
    supervisor.start();
    lease?.touch();
    ctx.log.log('info', 'started', `started ${job.command}`, { jobPid: pid, argv: ctx.argv, command: job.command, timeoutMs: o.timeoutMs ?? null });
    const termination = new JobTermination({
      pgid: pid,
      leaderPid: pid,
      members: () => listGroupMembers(pid, ctx.roots, leaderStart),
      killSignal: o.killSignal,
      killAfterMs: o.killAfterMs,
      roots: ctx.roots,
      onEscalate: (left, after) => {
        const line = `ioguard: job "${ctx.name}": ${left} process(es) still alive ${formatDuration(o.killAfterMs)} after ${after}; sending SIGKILL`;
        ctx.report(line, 'alert');
        ctx.log.log('warn', 'escalated', line.slice(9), { remaining: left, after });
      },
    });
    ctx.interrupts.forwardTo(
      (signal) => {
        ctx.log.log('info', 'signal-forwarded', `forwarded ${signal} to process group ${pid}`, { signal });
        record.phase = 'terminating';
        supervisor.releasePause();
        termination.forward(signal);
      },
      (signal) => {
        ctx.log.log('info', 'signal-forwarded', `passed ${signal} to process group ${pid}`, { signal });
        signalGroup(pid, signal);
      },
      () => timeOut('SIGALRM'),
    );
    let timedOutAfter = '';
    let jobEnded = false;
    const timeOut = (cause: 'deadline' | 'SIGALRM'): void => {
      // Once the job has exited, a late SIGALRM must not turn its status into a timeout; and a
      // forwarded TERM/QUIT already ending the job keeps its own status.
      if (termination.timedOut || jobEnded || termination.active) return;
      timedOutAfter = cause === 'deadline' ? `after ${formatDuration(o.timeoutMs as number)}` : `by SIGALRM after ${formatDuration(now() - jobStartedAt)}`;
      record.phase = 'terminating';
      supervisor.releasePause();
      const line = `ioguard: job "${ctx.name}" timed out ${timedOutAfter}; sending ${o.killSignal} to process group ${pid}`;
      ctx.report(line, 'alert');
      ctx.log.log('warn', 'timed-out', line.slice(9), { timeoutMs: o.timeoutMs ?? null, signal: o.killSignal, cause });
      void termination.timeout();
    };
    const timer = o.timeoutMs === undefined ? undefined : setLongTimeout(() => timeOut('deadline'), o.timeoutMs);
    const exit = await Promise.race([job.exited, termination.leaderSurvived.then(() => undefined)]);
    jobEnded = true;
    timer?.clear();
    supervisor.stop();
    result.usage = supervisor.governor ? { ...supervisor.usage.finish(), pausedMs: supervisor.governor.pausedMs } : supervisor.usage.finish();
    // kill(-pgid, 0) fails when nothing (not even a zombie) is left: the common case skips the /proc scan.
    if (exit && !termination.active && signalGroup(pid, 0) && listGroupMembers(pid, ctx.roots, leaderStart).length > 0) {
      ctx.log.log('info', 'swept', 'the leader exited; ending what is left of its process group', {});
      await termination.sweep();
    }
    await termination.done;
    if (!exit) job.unref();
    result.durationMs = now() - jobStartedAt;
    result.timedOut = termination.timedOut;
    result.isForcefullyTerminated = termination.forced;
    result.jobExitCode = exit?.exitCode ?? null;
    result.signal = exit?.signal ?? null;
    result.isTerminated = result.signal !== null || !exit;
    result.survivors = termination.survivors.map((s) => ({ pid: s.pid, comm: s.comm, state: s.state, wchan: s.wchan ?? null }));
    if (termination.timedOut) {
      result.outcome = 'timed-out';
      result.exitCode = EXIT.timedOut;
      result.reason = `timed out ${timedOutAfter}`;
    } else {
      result.exitCode = exit ? exit.status : EXIT.stuck;
      result.outcome = exit && exit.status === 0 ? 'completed' : 'failed';
    }
    // chronic's rule: the held output is printed only if the run failed, timed out or was killed.
    await monitor.output?.finish(result.outcome !== 'completed');
    if (termination.survivors.length > 0) {
      keepRecord = true;
      record.phase = 'stuck';
      record.survivors = supervisor.evidenceFor(termination.survivors);
      record.updatedAt = now();
      lock.update(record, recordProblem);
      for (const s of result.survivors) {
        const line = `ioguard: job "${ctx.name}": pid ${s.pid} (${s.comm}) survived SIGKILL in state ${s.state}, wchan ${s.wchan ?? '-'}; recorded as stuck, later runs exit ${EXIT.stuck} until it is gone`;
        ctx.report(line, 'alert');
      }
      ctx.log.log('error', 'survivors', 'processes survived SIGKILL; the job is recorded as stuck', { survivors: result.survivors });
    }
    ctx.log.log(result.timedOut ? 'warn' : 'info', 'finished', `finished: ${result.outcome}`, {
      outcome: result.outcome,
      exitCode: result.exitCode,
      jobExitCode: result.jobExitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      forced: result.isForcefullyTerminated,
    });
    ctx.report(`ioguard: job "${ctx.name}" finished: ${result.outcome}, exit ${result.exitCode}, ${formatDuration(result.durationMs)}`, 'info');
    return result;
  } finally {
    // Thaw, clear limits, move leftovers out and remove the job's cgroup, whatever happened.
    await lever?.release();
    await lease?.release(keepRecord ? 'stuck' : 'finished');
    lock.release(keepRecord);
  }
}

/** Start the command behind the start gate, or say at once why it cannot start (127, 126). */
async function startGated(argv: string[], shown: readonly string[], o: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined; stdio?: SpawnOptions['stdio'] }): Promise<SpawnedJob> {
  const command = shown[0] as string;
  const found = resolveCommand(command, o);
  if (found.ok === false) return { pid: undefined, command: quoteCommand(shown), exited: Promise.resolve(spawnFailure(found.code, '', command, o.cwd)), unref: () => {} };
  return spawnJob(gatedArgv(argv, found.ok === true ? found.path : undefined), { ...o, gatePipe: true, shown });
}
