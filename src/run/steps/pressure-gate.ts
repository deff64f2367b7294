import { SIGNAL_EXIT_BASE } from '../../errors/exit-codes.ts';
import { describeHoldings, holdingText } from '../../gate/holding.ts';
import { passGate } from '../../gate/pressure-gate.ts';
import { clearStarvation, noteStarvedSkip, starvationPath } from '../../gate/starvation.ts';
import type { HeldLock } from '../../lock/held-lock.ts';
import type { RunRecord } from '../../lock/record.ts';
import { slotStep } from './slot.ts';
import { signalNumber } from '../../terminate/signal-group.ts';
import { formatDuration } from '../../util/duration.ts';
import type { RunContext } from '../context.ts';
import type { RunResult } from '../result.ts';

export type GateStep = { proceed: false } | { proceed: true; throttled: boolean; devices: string[] | undefined };

/**
 * The pressure gate between taking the lock and starting the job. A skip fills `result` (skipped
 * or deferred-then-skipped, with the figures) and says not to proceed; deferring shows in the record.
 */
export async function gateStep(ctx: RunContext, lock: HeldLock, record: RunRecord, result: RunResult, retryMs?: number, deferMaxMs?: number): Promise<GateStep> {
  const { o, now } = ctx;
  let budget = deferMaxMs ?? o.gate.deferMaxMs;
  if (o.slot) {
    const slot = await slotStep(ctx, o.slot, lock, record, result, budget);
    if (!slot.proceed) {
      // A slot that stays busy tick after tick starves the job as surely as pressure does.
      if (ctx.interrupts.received === null) noteStarved(ctx, `slot ${o.slot.name} still busy after ${formatDuration(slot.waitedMs)}`, null);
      return { proceed: false };
    }
    budget = Math.max(0, budget - slot.waitedMs);
  }
  if (!o.gate.enabled) {
    clearStarvation(starvationPath(ctx.lockDir, ctx.name));
    return { proceed: true, throttled: false, devices: undefined };
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
    ...(retryMs === undefined ? {} : { retryMs }),
    deferMaxMs: budget,
  });
  record.hold = null;
  result.figures = gate.figures;
  result.waitedMs += gate.deferredMs;
  if (gate.deferred) result.deferral = { ms: gate.deferredMs, heldBy: gate.heldBy };
  record.phase = 'starting';
  if (gate.action === 'skip') {
    const received = ctx.interrupts.received;
    result.outcome = gate.deferred ? 'deferred-then-skipped' : 'skipped';
    result.reason = gate.interrupted ? `interrupted by ${received ?? 'signal'} while deferring` : `system under pressure: ${gate.reason}`;
    result.exitCode = gate.interrupted && received ? SIGNAL_EXIT_BASE + signalNumber(received) : o.skipExitCode;
    ctx.report(`ioguard: job "${ctx.name}" skipped: ${result.reason}`, 'info');
    ctx.log.log('info', 'skipped', result.reason, { figures: gate.figures, deferredMs: gate.deferredMs, exitCode: result.exitCode });
    if (!gate.interrupted) noteStarved(ctx, describeHoldings(gate.holdings), gate.figures);
    return { proceed: false };
  }
  clearStarvation(starvationPath(ctx.lockDir, ctx.name));
  return { proceed: true, throttled: gate.action === 'throttle', devices: gate.snapshot.path?.disks ?? gate.snapshot.disks.map((d) => d.name) };
}

/** One more skip for pressure (or a busy slot): once the streak passes --starve-after, one stderr line. */
function noteStarved(ctx: RunContext, last: string, figures: RunResult['figures']): void {
  const starveAfterMs = ctx.o.gate.starveAfterMs;
  const { line, since } = noteStarvedSkip(starvationPath(ctx.lockDir, ctx.name), ctx.name, ctx.now(), last, starveAfterMs);
  if (!line) return;
  ctx.report(line, 'alert');
  ctx.log.log('warn', 'starving', line.slice(9), { since, figures: figures ?? null, starveAfterMs });
}
