import { describeHoldings, holdingText } from '../../gate/holding.ts';
import { passGate } from '../../gate/pressure-gate.ts';
import { clearStarvation, starvationPath } from '../../gate/starvation.ts';
import type { HeldLock } from '../../lock/held-lock.ts';
import type { RunRecord } from '../../lock/record.ts';
import { notStarted, skipStatus, type RunContext } from '../context.ts';
import type { RunResult } from '../result.ts';
import { held, type RunState, type Step } from '../run-state.ts';
import { noteStarved } from './starved.ts';

/**
 * The pressure gate between taking the lock (and a --slot) and starting the job. A skip fills the
 * result (skipped or deferred-then-skipped, with the figures) and stops the run; deferring shows
 * in the record. A job that may start carries the verdict (throttled, the devices looked at).
 */
export const pressureGateStep: Step = {
  name: 'pressure gate',
  async enter(state) {
    const { lock, record } = held(state);
    const budget = Math.max(0, state.ctx.o.gate.deferMaxMs - state.slotWaitedMs);
    const verdict = await passPressureGate(state.ctx, lock, record, state.result, budget);
    if (!verdict) return 'stop';
    state.gate = verdict;
    return 'proceed';
  },
};

async function passPressureGate(
  ctx: RunContext,
  lock: HeldLock,
  record: RunRecord,
  result: RunResult,
  budget: number,
): Promise<RunState['gate']> {
  const { o, now } = ctx;
  if (!o.gate.enabled) {
    clearStarvation(starvationPath(ctx.lockDir, ctx.name));
    return { throttled: false, devices: undefined };
  }
  const gate = await passGate(o.gate, {
    roots: ctx.roots,
    now,
    log: ctx.log,
    signal: ctx.interrupts.signal,
    onDeferring: (state) => {
      record.phase = 'deferring';
      record.hold = { kind: 'pressure', since: state.since, giveUpAt: state.giveUpAt, signals: state.holdings.map(holdingText) };
      record.updatedAt = now();
      lock.update(record);
    },
    ...(o.gateRetryMs === undefined ? {} : { retryMs: o.gateRetryMs }),
    deferMaxMs: budget,
  });
  record.hold = null;
  result.figures = gate.figures;
  result.waitedMs += gate.deferredMs;
  if (gate.deferred) result.deferral = { ms: gate.deferredMs, heldBy: gate.heldBy };
  record.phase = 'starting';
  if (gate.action === 'skip') {
    const reason = gate.interrupted ? `interrupted by ${ctx.interrupts.received ?? 'signal'} while deferring` : `system under pressure: ${gate.reason}`;
    const exitCode = skipStatus(ctx, gate.interrupted);
    const outcome = gate.deferred ? 'deferred-then-skipped' : 'skipped';
    notStarted(ctx, result, { outcome, reason, exitCode, fields: { figures: gate.figures, deferredMs: gate.deferredMs, exitCode } });
    if (!gate.interrupted) noteStarved(ctx, describeHoldings(gate.holdings), gate.figures);
    return undefined;
  }
  clearStarvation(starvationPath(ctx.lockDir, ctx.name));
  return { throttled: gate.action === 'throttle', devices: gate.snapshot.path?.disks ?? gate.snapshot.disks.map((d) => d.name) };
}
