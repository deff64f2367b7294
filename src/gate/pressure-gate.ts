import type { DecisionLog } from '../log/decision-log.ts';
import type { Verdict } from '../probe/evaluate.ts';
import type { ProbeSnapshot } from '../probe/types.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { formatDuration } from '../util/duration.ts';
import type { NormalizedGate } from './gate-options.ts';
import { holdingsOf, type Holding } from './holding.ts';
import { abortableSleep, jittered } from '../util/sleep.ts';
import { judge } from './look.ts';

export interface GateDecision {
  action: 'run' | 'throttle' | 'skip';
  /** The job was held back at least once. */
  deferred: boolean;
  deferredMs: number;
  /** What the last look saw, for the run's log line and result. */
  figures: Record<string, number | null>;
  /** The tripped limits in one line; null when healthy. */
  reason: string | null;
  /** The tripped limits, short (`io some 74%`); empty when healthy. */
  holdings: Holding[];
  snapshot: ProbeSnapshot;
  interrupted: boolean;
  /** The signals that tripped at the first look (what held a deferred job back). */
  heldBy: string[];
  /** Still under pressure at --defer-max and started anyway, under the governor (gate.deferThen 'run'). */
  paced: boolean;
}

/** Where a deferral stands, for the run record (and so `status`). */
export interface DeferralState {
  since: number;
  giveUpAt: number;
  holdings: Holding[];
}

export interface GateContext {
  roots: ProcRoots;
  now: () => number;
  log: DecisionLog;
  signal: AbortSignal;
  /** Called when the job starts deferring and after every look while it defers. */
  onDeferring: (state: DeferralState) => void;
  /** Mean delay between looks while deferring, spread ±50%. Default 3 s. */
  retryMs?: number;
  /** Longest deferral; default the gate's deferMaxMs (less when a slot wait used part of it). */
  deferMaxMs?: number;
  /** Whether a job started at --defer-max under pressure is paced (the governor is on for it). */
  paced?: boolean;
}

/** Mean re-check delay while deferring: pressure that ends is seen within a few seconds. */
export const DEFAULT_RETRY_MS = 3000;

/** The measured figures behind a verdict, one number per signal (throttled writers and dirty rise apart). */
export function figuresOf(verdict: Verdict): Record<string, number | null> {
  const figures: Record<string, number | null> = {};
  for (const c of verdict.checks) {
    const key = c.signal !== 'dirty' ? c.signal : c.unit === 'tasks' ? 'throttledWriters' : c.unit === '% per s' ? 'dirtyRise' : 'dirty';
    figures[key] = Math.round(c.value * 10) / 10;
  }
  return figures;
}

const reasonOf = (v: Verdict): string => v.reasons.map((r) => r.message).join('; ');
const thresholdsOf = (v: Verdict): Record<string, number> => Object.fromEntries(v.reasons.map((r) => [r.signal, r.threshold]));

/**
 * Look at the system before the job starts and act on what trips: run anyway, start at idle
 * priority, skip, or hold the lock and re-check every few seconds (jittered) until healthy or
 * --defer-max. Each judgement is two looks when the first trips (look.ts).
 */
export async function passGate(g: NormalizedGate, ctx: GateContext): Promise<GateDecision> {
  const lookNow = () => judge({ roots: ctx.roots, thresholds: g.thresholds, windowMs: g.windowMs, path: g.path });
  let { snapshot, verdict } = await lookNow();
  const base = { deferred: false, deferredMs: 0, interrupted: false, paced: false, heldBy: [...new Set(verdict.reasons.map((r) => r.signal))] };
  const decide = (action: GateDecision['action'], extra: Partial<GateDecision> = {}): GateDecision => ({
    ...base, action, figures: figuresOf(verdict), reason: verdict.healthy ? null : reasonOf(verdict), holdings: holdingsOf(verdict), snapshot, ...extra,
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

  const deferMaxMs = ctx.deferMaxMs ?? g.deferMaxMs;
  const start = ctx.now();
  const giveUpAt = start + deferMaxMs;
  // Which signals held the job, on how many looks, and their worst figure: the deferral-ended summary.
  const heldBy = new Map<string, { looks: number; worst: string }>();
  let looks = 0;
  const note = (): void => {
    looks++;
    for (const h of holdingsOf(verdict)) {
      const seen = heldBy.get(h.signal);
      const worse = !seen || parseFloat(h.figure) > parseFloat(seen.worst);
      heldBy.set(h.signal, { looks: (seen?.looks ?? 0) + 1, worst: worse ? h.figure : seen.worst });
    }
    ctx.onDeferring({ since: start, giveUpAt, holdings: holdingsOf(verdict) });
  };
  const summary = (): Record<string, unknown> => ({ looks, heldBy: Object.fromEntries(heldBy) });
  const heldText = (): string => [...heldBy].map(([s, x]) => `${s} (${x.looks} of ${looks} looks, worst ${x.worst})`).join(', ');
  note();
  ctx.log.log('info', 'deferred', `deferring for at most ${formatDuration(deferMaxMs)}: ${reasonOf(verdict)}`, { ...fields, deferMaxMs, giveUpAt: new Date(giveUpAt).toISOString() });
  for (;;) {
    const elapsed = ctx.now() - start;
    if (ctx.signal.aborted) return decide('skip', { deferred: true, deferredMs: elapsed, interrupted: true });
    if (elapsed >= deferMaxMs && g.deferThen === 'run') {
      const paced = ctx.paced === true;
      const how = paced ? 'starting paced (the governor and the backlog bound hold it back)' : 'starting anyway (nothing paces it: the governor is off)';
      const message = `still under pressure after ${formatDuration(elapsed)}: ${how}; held by ${heldText()}`;
      ctx.log.log('warn', 'deferral-ended', message, { figures: figuresOf(verdict), deferredMs: elapsed, outcome: paced ? 'defer-max-paced' : 'defer-max-run', ...summary() });
      return decide('run', { deferred: true, deferredMs: elapsed, paced });
    }
    if (elapsed >= deferMaxMs) {
      ctx.log.log('info', 'deferral-ended', `still under pressure after ${formatDuration(elapsed)}: skipping; held by ${heldText()}`, { figures: figuresOf(verdict), deferredMs: elapsed, outcome: 'defer-max', ...summary() });
      return decide('skip', { deferred: true, deferredMs: elapsed });
    }
    // Jitter: jobs deferred together look, and so resume, at different moments.
    await abortableSleep(Math.min(jittered(ctx.retryMs ?? DEFAULT_RETRY_MS), deferMaxMs - elapsed), ctx.signal);
    if (ctx.signal.aborted) continue;
    ({ snapshot, verdict } = await lookNow());
    if (verdict.healthy) {
      const deferredMs = ctx.now() - start;
      ctx.log.log('info', 'deferral-ended', `healthy again after ${formatDuration(deferredMs)}: starting; held by ${heldText()}`, { figures: figuresOf(verdict), deferredMs, outcome: 'healthy', ...summary() });
      return decide('run', { deferred: true, deferredMs });
    }
    note();
  }
}
