import { heldHolderReason } from '../../gate/holding.ts';
import type { LockOutcome } from '../../lock/acquire.ts';
import { newRecord, notStarted, skipStatus, takeLockFor, type RunContext } from '../context.ts';
import { busyLine, holderInfo, refuseStuck } from '../describe-previous.ts';
import type { RunResult } from '../result.ts';
import type { Step } from '../run-state.ts';
import { adoptOrphan } from './adopt-orphan.ts';

/**
 * Take the job's lock (judging the previous run) and write the record that says "starting"; the
 * exit releases it, keeping the record when processes survived SIGKILL. A busy or stuck lock
 * stops the run with a skip, unless `adoptOrphans` and the busy run is a fleet orphan this start
 * keeps (adopt-orphan.ts). `guard` does not adopt (it never has): it skips like any busy run.
 */
export function lockStep(o: { adoptOrphans: boolean }): Step {
  return {
    name: 'lock',
    async enter(state) {
      const { ctx, result } = state;
      const outcome = await takeLockFor(ctx);
      state.lockOutcome = outcome;
      if (outcome.kind !== 'acquired') {
        const adopted = o.adoptOrphans && outcome.kind === 'busy' ? await adoptOrphan(ctx, outcome) : undefined;
        if (adopted) Object.assign(result, adopted);
        else lockNotTaken(ctx, outcome, result);
        return 'stop';
      }
      state.lock = outcome.lock;
      state.record = newRecord(ctx);
      result.waitedMs = outcome.waitedMs;
      outcome.lock.write(state.record);
      return 'proceed';
    },
    exit(state) {
      state.lock?.release(state.keepRecord);
    },
  };
}

/** The previous run holds the lock (busy) or is stuck: fill `result` as skipped or stuck, and say so. */
function lockNotTaken(ctx: RunContext, outcome: Exclude<LockOutcome, { kind: 'acquired' }>, result: RunResult): void {
  const now = ctx.now();
  result.holder = holderInfo(outcome.previous, now);
  result.waitedMs = outcome.waitedMs;
  if (outcome.kind === 'stuck') {
    refuseStuck(ctx, result, outcome.previous, now);
    return;
  }
  const reasons = {
    running: 'previous run still running',
    'another-waiter': 'previous run still running and another invocation is already waiting',
    'wait-expired': 'previous run still running after the wait',
    interrupted: `interrupted by ${ctx.interrupts.received ?? 'signal'} while waiting`,
  } as const;
  const record = 'record' in outcome.previous ? outcome.previous.record : null;
  const reason = (outcome.reason === 'running' ? heldHolderReason(record) : undefined) ?? reasons[outcome.reason];
  const exitCode = skipStatus(ctx, outcome.reason === 'interrupted');
  const line = busyLine(ctx.name, outcome.previous, reason, now);
  notStarted(ctx, result, { outcome: 'skipped', reason, exitCode, line, fields: { holder: result.holder, waitedMs: result.waitedMs, exitCode } });
}
