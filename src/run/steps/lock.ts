import { EXIT, SIGNAL_EXIT_BASE } from '../../errors/exit-codes.ts';
import { heldHolderReason } from '../../gate/holding.ts';
import type { LockOutcome } from '../../lock/acquire.ts';
import { signalNumber } from '../../terminate/signal-group.ts';
import { newRecord, takeLockFor, type RunContext } from '../context.ts';
import { busyLine, holderInfo, stuckLine } from '../describe-previous.ts';
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
export function lockNotTaken(ctx: RunContext, outcome: Exclude<LockOutcome, { kind: 'acquired' }>, result: RunResult): void {
  const now = ctx.now();
  result.holder = holderInfo(outcome.previous, now);
  result.waitedMs = outcome.waitedMs;
  if (outcome.kind === 'stuck') {
    const line = stuckLine(ctx.name, outcome.previous, now);
    result.outcome = 'stuck';
    result.exitCode = EXIT.stuck;
    result.reason = line.replace(/^ioguard: job "[^"]*" not started: /, '');
    ctx.report(line, 'alert');
    ctx.log.log('error', 'stuck', result.reason, { holder: result.holder, evidence: outcome.previous.evidence });
    return;
  }
  const reasons = {
    running: 'previous run still running',
    'another-waiter': 'previous run still running and another invocation is already waiting',
    'wait-expired': 'previous run still running after the wait',
    interrupted: `interrupted by ${ctx.interrupts.received ?? 'signal'} while waiting`,
  } as const;
  result.outcome = 'skipped';
  const record = 'record' in outcome.previous ? outcome.previous.record : null;
  result.reason = (outcome.reason === 'running' ? heldHolderReason(record) : undefined) ?? reasons[outcome.reason];
  const signal = ctx.interrupts.received;
  result.exitCode = outcome.reason === 'interrupted' && signal ? SIGNAL_EXIT_BASE + signalNumber(signal) : ctx.o.skipExitCode;
  ctx.report(busyLine(ctx.name, outcome.previous, result.reason, now), 'info');
  ctx.log.log('info', 'skipped', result.reason, { holder: result.holder, waitedMs: result.waitedMs, exitCode: result.exitCode });
}
