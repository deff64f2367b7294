import { EXIT } from '../errors/exit-codes.ts';
import { invalidOption } from '../errors/ioguard-error.ts';
import { validateJobName } from '../lock/job-key.ts';
import { selfIdentity } from '../proc/self.ts';
import { createRunContext, newRecord, skippedByInterrupt, takeLockFor } from '../run/context.ts';
import { gateStep } from '../run/steps/pressure-gate.ts';
import { normalizeRunOptions, type RunOptions } from '../run/options.ts';
import { emptyResult, type RunResult } from '../run/result.ts';
import { lockNotTaken } from '../run/run-command.ts';
import { recordInvocation } from '../run/steps/record.ts';
import { formatDuration } from '../util/duration.ts';
import { setLongTimeout } from '../util/long-timeout.ts';
import { fleetStep } from '../run/steps/fleet.ts';
import type { FleetLease } from '../fleet/fleet-lease.ts';

/** Options of `guard`: those of `runCommand` that make sense for a function in this process. */
export type GuardOptions = Omit<RunOptions, 'name' | 'cwd' | 'env' | 'ionice' | 'nice' | 'killSignal' | 'killAfterMs' | 'forwardSignals' | 'sampleIntervalMs'>;

/** The same shape as a command's result, plus what the function returned or threw. */
export interface GuardResult<T> extends RunResult {
  /** The function's resolved value, when it completed. */
  value?: T;
  /** What the function threw or rejected with (outcome 'failed' or 'timed-out'). */
  error?: unknown;
}

/**
 * Run `fn` under the job lock `name`, for scheduler callbacks (croner, node-cron, bree, timers).
 * The lock is the one `ioguard run --name NAME` takes, so a crontab entry and a Node service
 * exclude each other. A timeout aborts the AbortSignal given to `fn`; a function that ignores it is
 * reported as timed out when it settles, and the lock is held until then: a function cannot be
 * killed, and releasing early would let a second copy start beside it.
 * Never rejects for a skip or a failing `fn`; rejects only for bad arguments or an unusable lock folder.
 */
/** What `fn` learns about its run besides the AbortSignal. */
export interface GuardRun {
  /** With the fleet lock: the fencing token of this acquisition (grows with every acquisition), else null. */
  fencingToken: string | null;
}

export async function guard<T>(name: string, fn: (signal: AbortSignal, run: GuardRun) => T | Promise<T>, options: GuardOptions = {}): Promise<GuardResult<T>> {
  if (typeof name !== 'string') throw invalidOption('name', name, 'a string');
  validateJobName(name, 'name');
  if (typeof fn !== 'function') throw invalidOption('fn', fn, 'a function');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption('options', options, 'an object');
  const o = normalizeRunOptions({ ...options, name });
  const ctx = await createRunContext(name, ['(function)', name], o);
  try {
    const outcome = await takeLockFor(ctx);
    if (outcome.kind !== 'acquired') return recordInvocation(ctx, lockNotTaken(ctx, outcome), outcome);
    const { lock } = outcome;
    const record = newRecord(ctx);
    const result: GuardResult<T> = emptyResult(name);
    result.waitedMs = outcome.waitedMs;
    let lease: FleetLease | undefined;
    try {
      lock.write(record);
      const fleet = await fleetStep(ctx, record, result);
      if (!fleet.proceed) return recordInvocation(ctx, result, outcome);
      lease = fleet.lease;
      const gate = await gateStep(ctx, lock, record, result);
      if (!gate.proceed) return recordInvocation(ctx, result, outcome);
      const started = ctx.now();
      record.job = { ...selfIdentity(ctx.roots), pgid: null };
      record.phase = 'running';
      record.startedAt = started;
      record.deadline = o.timeoutMs === undefined ? null : started + o.timeoutMs;
      lock.write(record);
      // An already-aborted signal means "do not start", as for runCommand.
      if (skippedByInterrupt(ctx, result)) return recordInvocation(ctx, result, outcome);
      ctx.log.log('info', 'started', `started function ${name}`, { timeoutMs: o.timeoutMs ?? null });
      const controller = new AbortController();
      let timedOut = false;
      ctx.interrupts.forwardTo(() => controller.abort(new Error('ioguard: run interrupted')));
      const timer = o.timeoutMs === undefined ? undefined : setLongTimeout(() => {
        timedOut = true;
        record.phase = 'terminating';
        const line = `ioguard: job "${name}" timed out after ${formatDuration(o.timeoutMs as number)}; aborting its AbortSignal`;
        ctx.report(line, 'alert');
        ctx.log.log('warn', 'timed-out', line.slice(9), { timeoutMs: o.timeoutMs });
        controller.abort(Object.assign(new Error(`timed out after ${formatDuration(o.timeoutMs as number)}`), { name: 'TimeoutError' }));
      }, o.timeoutMs);
      try {
        result.value = await fn(controller.signal, { fencingToken: lease?.token ?? null });
        result.outcome = 'completed';
        result.exitCode = EXIT.ok;
      } catch (error) {
        result.error = error;
        result.outcome = 'failed';
        result.exitCode = 1;
      } finally {
        timer?.clear();
      }
      result.durationMs = ctx.now() - started;
      if (timedOut) {
        result.timedOut = true;
        result.outcome = 'timed-out';
        result.exitCode = EXIT.timedOut;
        result.reason = `timed out after ${formatDuration(o.timeoutMs as number)}; the function settled ${formatDuration(result.durationMs - (o.timeoutMs as number))} after its AbortSignal fired`;
      }
      ctx.log.log(timedOut ? 'warn' : 'info', 'finished', `finished: ${result.outcome}`, { outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs });
      return recordInvocation(ctx, result, outcome);
    } finally {
      await lease?.release();
      lock.release();
    }
  } finally {
    ctx.close();
  }
}
