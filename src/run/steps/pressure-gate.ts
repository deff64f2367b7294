import { describeHoldings, holdingText } from '../../gate/holding.ts';
import { passGate } from '../../gate/pressure-gate.ts';
import { clearStarvation, starvationPath } from '../../gate/starvation.ts';
import { notStarted, skipStatus } from '../context.ts';
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
    const budget = Math.max(0, state.ctx.o.gate.deferMaxMs - state.slotWaitedMs);
    const verdict = await passPressureGate(state, budget);
    if (!verdict) return 'stop';
    state.gate = verdict;
    return 'proceed';
  },
};

async function passPressureGate(state: RunState, budget: number): Promise<RunState['gate']> {
  const { ctx, result } = state;
  const { lock, record } = held(state);
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
    onDeferring: (d) => {
      record.phase = 'deferring';
      record.hold = { kind: 'pressure', since: d.since, giveUpAt: d.giveUpAt, signals: d.holdings.map(holdingText), then: o.gate.deferThen };
      record.updatedAt = now();
      lock.update(record);
    },
    ...(o.gateRetryMs === undefined ? {} : { retryMs: o.gateRetryMs }),
    deferMaxMs: budget,
    paced: o.govern.enabled,
  });
  record.hold = null;
  result.figures = gate.figures;
  result.waitedMs += gate.deferredMs;
  if (gate.deferred) result.deferral = { ms: gate.deferredMs, heldBy: gate.heldBy, paced: gate.paced };
  if (gate.paced) record.pacedAfterDeferral = true;
  record.phase = 'starting';
  if (gate.action === 'skip') {
    const reason = gate.interrupted ? `interrupted by ${ctx.interrupts.received ?? 'signal'} while deferring` : `system under pressure: ${gate.reason}`;
    const exitCode = skipStatus(ctx, gate.interrupted);
    const outcome = gate.deferred ? 'deferred-then-skipped' : 'skipped';
    notStarted(ctx, result, { outcome, reason, exitCode, fields: { figures: gate.figures, deferredMs: gate.deferredMs, exitCode } });
    if (!gate.interrupted) noteStarved(state, describeHoldings(gate.holdings), gate.figures);
    return undefined;
  }
  clearStarvation(starvationPath(ctx.lockDir, ctx.name));
  return { throttled: gate.action === 'throttle', devices: gate.snapshot.path?.disks ?? gate.snapshot.disks.map((d) => d.name) };
}
