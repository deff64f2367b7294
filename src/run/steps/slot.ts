import type { HeldLock } from '../../lock/held-lock.ts';
import type { RunRecord } from '../../lock/record.ts';
import { notStarted, skipStatus, type RunContext } from '../context.ts';
import type { RunResult } from '../result.ts';
import { held, type Step } from '../run-state.ts';
import { noteStarved } from './starved.ts';
import { formatDuration } from '../../util/duration.ts';
import { slotFiles, tryTakeSlot, waitForSlot, type Slot } from '../../slot/slot.ts';

/** The slot step: with --slot, wait (within --defer-max) for a slot before the gate looks. */
export const slotStep: Step = {
  name: 'slot',
  async enter(state) {
    const { ctx } = state;
    const slot = ctx.o.slot;
    if (!slot) return 'proceed';
    const { lock, record } = held(state);
    const got = await takeSlot(ctx, slot, lock, record, state.result, ctx.o.gate.deferMaxMs);
    state.slotWaitedMs = got.waitedMs;
    if (got.proceed) return 'proceed';
    // A slot that stays busy tick after tick starves the job as surely as pressure does.
    if (ctx.interrupts.received === null) noteStarved(state, `slot ${slot.name} still busy after ${formatDuration(got.waitedMs)}`, null);
    return 'stop';
  },
};

/**
 * Take a slot of `--slot` before the gate looks, holding the job's lock meanwhile (later ticks
 * skip): runs due the same minute then go one after another, and each gate look sees the system
 * after the previous heavy run. The slot is held with the lock and released with it.
 */
async function takeSlot(
  ctx: RunContext,
  slot: Slot,
  lock: HeldLock,
  record: RunRecord,
  result: RunResult,
  maxWaitMs: number,
): Promise<{ proceed: boolean; waitedMs: number }> {
  const { now } = ctx;
  const label = `slot ${slot.name} (${slot.count} of ${slot.count} busy)`;
  const fast = tryTakeSlot(slotFiles(ctx.lockDir, slot));
  if (fast) {
    lock.holdAlongside(fast.fd);
    return { proceed: true, waitedMs: 0 };
  }
  const since = now();
  record.phase = 'waiting-slot';
  record.hold = { kind: 'slot', since, giveUpAt: since + maxWaitMs, signals: [label] };
  record.updatedAt = since;
  lock.write(record);
  ctx.log.log('info', 'slot-waiting', `waiting at most ${formatDuration(maxWaitMs)} for ${label}`, { slot: slot.name, count: slot.count, maxWaitMs });
  const got = await waitForSlot(slot, { lockDir: ctx.lockDir, maxWaitMs, now, signal: ctx.interrupts.signal });
  record.hold = null;
  record.phase = 'starting';
  result.waitedMs += got.waitedMs;
  if (got.fd !== undefined) {
    lock.holdAlongside(got.fd);
    lock.write(record);
    ctx.log.log('info', 'slot-acquired', `took slot ${slot.name} #${got.index} after ${formatDuration(got.waitedMs)}`, { slot: slot.name, index: got.index, waitedMs: got.waitedMs });
    return { proceed: true, waitedMs: got.waitedMs };
  }
  const reason = got.interrupted ? `interrupted by ${ctx.interrupts.received ?? 'signal'} while waiting for slot ${slot.name}` : `slot ${slot.name} still busy after ${formatDuration(got.waitedMs)}`;
  const exitCode = skipStatus(ctx, got.interrupted);
  notStarted(ctx, result, { outcome: 'deferred-then-skipped', reason, exitCode, fields: { slot: slot.name, waitedMs: got.waitedMs, exitCode } });
  return { proceed: false, waitedMs: got.waitedMs };
}
