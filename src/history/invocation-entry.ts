import { randomBytes } from 'node:crypto';
import type { LockOutcome } from '../lock/acquire.ts';
import type { RunOutcome } from './outcome.ts';
import { STARTED_OUTCOMES, type HistoryEntry, type SkipCause } from './entry.ts';

/** What history reads of a run's result: the run's RunResult fits it, and history need not know the run. */
export interface InvocationResult {
  outcome: RunOutcome;
  exitCode: number;
  jobExitCode: number | null;
  signal: string | null;
  durationMs: number;
  waitedMs: number;
  reason: string | null;
  errorCode: string | null;
  figures: Record<string, number | null> | null;
  deferral: { ms: number; heldBy: string[]; paced: boolean } | null;
  usage: {
    cpuSeconds: number | null;
    peakRssBytes: number | null;
    readBytes: number | null;
    writeBytes: number | null;
    pausedMs?: number | null;
    boundBytes?: number | null;
  } | null;
  survivors: readonly unknown[];
  holder: { ageMs: number | null } | null;
}

const BUSY_CAUSE: Record<Extract<LockOutcome, { kind: 'busy' }>['reason'], SkipCause> = {
  running: 'busy',
  'another-waiter': 'waiter',
  'wait-expired': 'wait-expired',
  interrupted: 'interrupted',
};

/** Why the job did not start, from the lock's answer (undefined: it ended before the lock) and the result; null when it started. */
export function skipCause(result: InvocationResult, lock: LockOutcome | undefined, interrupted: boolean): SkipCause | null {
  if (lock?.kind === 'stuck') return 'stuck';
  if (lock?.kind === 'busy') return BUSY_CAUSE[lock.reason];
  if (result.outcome !== 'skipped' && result.outcome !== 'deferred-then-skipped') return null;
  if (interrupted) return 'interrupted';
  // The gate always leaves its figures, and a slot that stayed busy defers-then-skips; a plain skip
  // before the gate is the fleet lock's (busy on another host, or unreachable).
  return result.figures !== null || result.outcome === 'deferred-then-skipped' ? 'pressure' : 'fleet';
}

/** What the governor's pauses cost a run: its time over its time unpaused, 2 decimals; null when it was not paused. */
export function slowdownOf(durationMs: number, pausedMs: number | null | undefined): number | null {
  if (!pausedMs || pausedMs <= 0 || durationMs <= pausedMs) return null;
  return Math.round((durationMs / (durationMs - pausedMs)) * 100) / 100;
}

/** The history line of one invocation. */
export function entryFor(
  result: InvocationResult,
  lock: LockOutcome | undefined,
  o: { invokedAt: number; end: number; interrupted: boolean; ioPressure: number | null; pid: number; jitterMs?: number | undefined },
): HistoryEntry {
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
    pacedAfterDeferral: result.deferral?.paced ?? false,
    cpuSeconds: result.usage?.cpuSeconds ?? null,
    peakRssBytes: result.usage?.peakRssBytes ?? null,
    readBytes: result.usage?.readBytes ?? null,
    writeBytes: result.usage?.writeBytes ?? null,
    pausedMs: result.usage?.pausedMs ?? null,
    slowdown: slowdownOf(result.durationMs, result.usage?.pausedMs),
    ...(o.jitterMs === undefined ? {} : { jitterMs: o.jitterMs }),
    backlogBoundBytes: result.usage?.boundBytes ?? null,
    ioPressure: o.ioPressure,
    pid: o.pid,
  };
}
