import { randomBytes } from 'node:crypto';
import type { LockOutcome } from '../lock/acquire.ts';
import { readPsi } from '../proc/psi.ts';
import type { RunContext } from '../run/context.ts';
import type { RunResult } from '../run/result.ts';
import { renderJobMetrics, type LiveState } from '../metrics/render.ts';
import { writeMetricsFile } from '../metrics/write-metrics.ts';
import { appendEntry } from './append.ts';
import { STARTED_OUTCOMES, type HistoryEntry, type SkipCause } from './entry.ts';
import { forecast } from './forecast.ts';
import { invocationTime } from './invoked-at.ts';
import { historyPaths } from './paths.ts';
import { refreshSummary } from './summary-file.ts';

const BUSY_CAUSE: Record<Extract<LockOutcome, { kind: 'busy' }>['reason'], SkipCause> = {
  running: 'busy',
  'another-waiter': 'waiter',
  'wait-expired': 'wait-expired',
  interrupted: 'interrupted',
};

/** Why the job did not start, from the lock's answer and the result; null when it started. */
export function skipCause(result: RunResult, lock: LockOutcome, interrupted: boolean): SkipCause | null {
  if (lock.kind === 'stuck') return 'stuck';
  if (lock.kind === 'busy') return BUSY_CAUSE[lock.reason];
  if (result.outcome !== 'skipped' && result.outcome !== 'deferred-then-skipped') return null;
  if (interrupted) return 'interrupted';
  // The gate always leaves its figures, and a slot that stayed busy defers-then-skips; a plain skip
  // before the gate is the fleet lock's (busy on another host, or unreachable).
  return result.figures !== null || result.outcome === 'deferred-then-skipped' ? 'pressure' : 'fleet';
}

/** The history line of one invocation. */
export function entryFor(result: RunResult, lock: LockOutcome, o: { invokedAt: number; end: number; interrupted: boolean; ioPressure: number | null; pid: number }): HistoryEntry {
  const started = STARTED_OUTCOMES.has(result.outcome) && result.errorCode === null;
  const deferredMs = result.deferral?.ms ?? 0;
  return {
    v: 1,
    id: randomBytes(6).toString('base64url'),
    at: o.invokedAt,
    start: started ? o.end - result.durationMs : null,
    end: o.end,
    durationMs: result.durationMs,
    outcome: result.outcome,
    cause: started ? null : skipCause(result, lock, o.interrupted),
    reason: result.reason,
    exitCode: result.exitCode,
    jobExitCode: result.jobExitCode,
    signal: result.signal,
    waitedMs: Math.max(0, result.waitedMs - deferredMs),
    deferredMs,
    heldBy: result.deferral?.heldBy ?? null,
    cpuSeconds: result.usage?.cpuSeconds ?? null,
    peakRssBytes: result.usage?.peakRssBytes ?? null,
    readBytes: result.usage?.readBytes ?? null,
    writeBytes: result.usage?.writeBytes ?? null,
    pausedMs: result.usage?.pausedMs ?? null,
    ioPressure: o.ioPressure,
    pid: o.pid,
  };
}

/** What the metrics say is happening now: the run this invocation found, or its own survivors. */
export function liveState(result: RunResult, lock: LockOutcome): LiveState {
  // A busy lock whose run this invocation then adopted and saw to its end (fleet) is not running.
  const found = (lock.kind === 'busy' || lock.kind === 'stuck') && !STARTED_OUTCOMES.has(result.outcome);
  return {
    running: found || result.survivors.length > 0,
    stuck: lock.kind === 'stuck' || result.survivors.length > 0,
    runningForMs: found ? (result.holder?.ageMs ?? null) : null,
  };
}

/**
 * After every invocation, started or not: append its history line, bring the job's summary up to
 * date and, with metricsDir, rewrite its Prometheus file. Never throws and never changes the
 * result: a failure is one decision-log line, and the job's exit status stands.
 */
export function recordInvocation<R extends RunResult>(ctx: RunContext, result: R, lock: LockOutcome): R {
  try {
    const end = ctx.now();
    const figure = result.figures?.ioPressure;
    const psi = figure === undefined || figure === null ? readPsi('io', ctx.roots) : undefined;
    const ioPressure = figure ?? (psi?.ok ? psi.value.some.avg10 : null);
    const entry = entryFor(result, lock, { invokedAt: invocationTime(ctx.invokedAt, ctx.roots), end, interrupted: ctx.interrupts.received !== null, ioPressure, pid: process.pid });
    const paths = historyPaths(ctx.lockDir, ctx.name);
    appendEntry(paths, entry, undefined, ctx.now);
    const summary = refreshSummary(paths, ctx.name);
    if (ctx.o.metricsDir !== undefined) {
      const f = forecast(ctx.name, summary.recentAt, summary.recentDurations);
      writeMetricsFile(ctx.o.metricsDir, ctx.name, renderJobMetrics(ctx.name, summary, f, liveState(result, lock)));
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    ctx.log.log('warn', 'history-failed', `could not record the invocation's history or metrics: ${code ?? (error as Error)?.message ?? String(error)}`, { error: String(error) });
  }
  return result;
}
