import { EXIT } from '../errors/exit-codes.ts';
import { skippedByInterrupt } from '../run/context.ts';
import type { RunStep } from '../run/pipeline.ts';
import { held, type RunState } from '../run/run-state.ts';
import { formatDuration } from '../util/duration.ts';
import { setLongTimeout } from '../util/long-timeout.ts';
import type { GuardResult, GuardRun } from './guard-types.ts';

/**
 * guard()'s stand-in for spawn, govern and supervise: record this process as the job, call `fn`
 * with an AbortSignal that the deadline and forwarded signals abort, and wait for it to settle.
 * A function cannot be killed: one that ignores its signal is timed out when it settles.
 */
export function callFunctionStep<T>(fn: (signal: AbortSignal, run: GuardRun) => T | Promise<T>): RunStep<RunState<GuardResult<T>>> {
  return {
    name: 'call function',
    async enter(state) {
      const { ctx, result } = state;
      const { o, name } = ctx;
      const { lock, record } = held(state);
      const started = ctx.now();
      record.job = { ...ctx.self, pgid: null };
      record.phase = 'running';
      record.startedAt = started;
      record.deadline = o.timeoutMs === undefined ? null : started + o.timeoutMs;
      lock.write(record);
      // An already-aborted signal means "do not start", as for runCommand.
      if (skippedByInterrupt(ctx, result)) return 'stop';
      ctx.log.log('info', 'started', `started function ${name}`, { timeoutMs: o.timeoutMs ?? null });
      state.pinger?.start();
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
        result.value = await fn(controller.signal, { fencingToken: state.lease?.token ?? null });
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
        const timeoutMs = o.timeoutMs as number;
        result.timedOut = true;
        result.outcome = 'timed-out';
        result.exitCode = EXIT.timedOut;
        const late = formatDuration(result.durationMs - timeoutMs);
        result.reason = `timed out after ${formatDuration(timeoutMs)}; the function settled ${late} after its AbortSignal fired`;
      }
      const fields = { outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs };
      ctx.log.log(timedOut ? 'warn' : 'info', 'finished', `finished: ${result.outcome}`, fields);
      return 'proceed';
    },
  };
}
