import type { DecisionLog } from '../log/decision-log.ts';
import { evaluate, type Verdict } from '../probe/evaluate.ts';
import { probe } from '../probe/probe.ts';
import type { ProbeSnapshot } from '../probe/types.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { formatDuration } from '../util/duration.ts';
import type { NormalizedGate } from './gate-options.ts';

export interface GateDecision {
  action: 'run' | 'throttle' | 'skip';
  /** The job was held back at least once. */
  deferred: boolean;
  deferredMs: number;
  /** What the last look saw, for the run's log line and result. */
  figures: Record<string, number | null>;
  /** The tripped limits in one line; null when healthy. */
  reason: string | null;
  snapshot: ProbeSnapshot;
  interrupted: boolean;
  /** The signals that tripped at the first look (what held a deferred job back). */
  heldBy: string[];
}

export interface GateContext {
  roots: ProcRoots;
  now: () => number;
  log: DecisionLog;
  signal: AbortSignal;
  /** Called once when the job starts deferring (the record's phase changes, so status shows it). */
  onDeferring: () => void;
  /** First re-check delay; doubles up to 30 s. */
  firstRetryMs?: number;
}

/** The measured figures behind a verdict, one number per signal (throttled writers apart). */
export function figuresOf(verdict: Verdict): Record<string, number | null> {
  const figures: Record<string, number | null> = {};
  for (const c of verdict.checks) {
    const key = c.signal === 'dirty' && c.unit === 'tasks' ? 'throttledWriters' : c.signal;
    figures[key] = Math.round(c.value * 10) / 10;
  }
  return figures;
}

const reasonOf = (v: Verdict): string => v.reasons.map((r) => r.message).join('; ');
const thresholdsOf = (v: Verdict): Record<string, number> => Object.fromEntries(v.reasons.map((r) => [r.signal, r.threshold]));

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Look at the system before the job starts and act on what trips: run anyway, start at idle
 * priority, skip, or hold the lock and re-check with backoff until healthy or --defer-max.
 */
export async function passGate(g: NormalizedGate, ctx: GateContext): Promise<GateDecision> {
  const look = async (): Promise<{ snapshot: ProbeSnapshot; verdict: Verdict }> => {
    const snapshot = await probe({ roots: ctx.roots, windowMs: g.windowMs, ...(g.path === undefined ? {} : { path: g.path }) });
    return { snapshot, verdict: evaluate(snapshot, g.thresholds) };
  };
  let { snapshot, verdict } = await look();
  const base = { deferred: false, deferredMs: 0, interrupted: false, heldBy: [...new Set(verdict.reasons.map((r) => r.signal))] };
  const decide = (action: GateDecision['action'], extra: Partial<GateDecision> = {}): GateDecision => ({
    ...base, action, figures: figuresOf(verdict), reason: verdict.healthy ? null : reasonOf(verdict), snapshot, ...extra,
  });
  const missing = verdict.missing.map((m) => m.message);
  if (verdict.healthy) {
    ctx.log.log('info', 'gate-passed', 'system healthy', { figures: figuresOf(verdict), missing, fallback: verdict.fallback });
    return decide('run');
  }
  const fields = { figures: figuresOf(verdict), thresholds: thresholdsOf(verdict), reasons: verdict.reasons.map((r) => r.message), missing };
  if (g.onPressure === 'run') {
    ctx.log.log('warn', 'gate-overridden', `under pressure, running anyway: ${reasonOf(verdict)}`, fields);
    return decide('run');
  }
  if (g.onPressure === 'throttle') {
    ctx.log.log('warn', 'gate-overridden', `under pressure, starting at idle I/O and lowest CPU priority: ${reasonOf(verdict)}`, fields);
    return decide('throttle');
  }
  if (g.onPressure === 'skip') return decide('skip');

  const start = ctx.now();
  ctx.onDeferring();
  ctx.log.log('info', 'deferred', `deferring for at most ${formatDuration(g.deferMaxMs)}: ${reasonOf(verdict)}`, { ...fields, deferMaxMs: g.deferMaxMs });
  let delay = ctx.firstRetryMs ?? 2000;
  for (;;) {
    const elapsed = ctx.now() - start;
    if (ctx.signal.aborted) return decide('skip', { deferred: true, deferredMs: elapsed, interrupted: true });
    if (elapsed >= g.deferMaxMs) {
      ctx.log.log('info', 'deferral-ended', `still under pressure after ${formatDuration(elapsed)}: skipping`, { figures: figuresOf(verdict), deferredMs: elapsed, outcome: 'defer-max' });
      return decide('skip', { deferred: true, deferredMs: elapsed });
    }
    await abortableSleep(Math.min(delay, g.deferMaxMs - elapsed), ctx.signal);
    delay = Math.min(delay * 2, 30_000);
    if (ctx.signal.aborted) continue;
    ({ snapshot, verdict } = await look());
    if (verdict.healthy) {
      const deferredMs = ctx.now() - start;
      ctx.log.log('info', 'deferral-ended', `healthy again after ${formatDuration(deferredMs)}: starting`, { figures: figuresOf(verdict), deferredMs, outcome: 'healthy' });
      return decide('run', { deferred: true, deferredMs });
    }
  }
}
