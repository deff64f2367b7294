import { invalidOption } from '../errors/ioguard-error.ts';
import { choice, milliseconds } from '../util/validate.ts';
import { DEFAULT_THRESHOLDS, validateThresholds, type Thresholds } from '../probe/thresholds.ts';

export type OnPressure = 'defer' | 'skip' | 'throttle' | 'run';
export type DeferThen = 'run' | 'skip';

/** The pressure gate of a run: whether to look, what limits, and what to do when one trips. */
export interface GateOptions {
  /** False turns the gate off (`--no-gate`). Default true. */
  enabled?: boolean;
  thresholds?: Thresholds;
  /** Default 'defer'. */
  onPressure?: OnPressure;
  /** Longest deferral (and slot wait). Default 1 minute: then the job starts paced (deferThen 'run'). */
  deferMaxMs?: number;
  /**
   * Still under pressure at `deferMaxMs`: 'run' starts the job under the governor and the backlog
   * bound (a deferred-then-paced run), 'skip' gives up with the skip status. Default 'run'.
   */
  deferThen?: DeferThen;
  /** Sampling window of each look. Default 500 ms. */
  windowMs?: number;
  /** The job's working path: its devices for util%, its filesystem for free space. */
  path?: string;
  /** Skipped or deferred-then-skipped for pressure this long: say so once on stderr. Default 3 hours; 0 turns it off. */
  starveAfterMs?: number;
}

export interface NormalizedGate {
  enabled: boolean;
  thresholds: Thresholds;
  onPressure: OnPressure;
  deferMaxMs: number;
  deferThen: DeferThen;
  windowMs: number;
  path: string | undefined;
  starveAfterMs: number;
}

export const ON_PRESSURE: readonly OnPressure[] = ['defer', 'skip', 'throttle', 'run'];
export const DEFER_THEN: readonly DeferThen[] = ['run', 'skip'];

/** 500 ms: long enough for a stable stall% (PSI totals are exact at read time), short enough for cron. */
export const DEFAULT_GATE_WINDOW_MS = 500;

/**
 * 1 minute: long enough for a burst to pass, short of a pile-up (cron's finest tick). Since a
 * deferral that runs out starts the job paced by the backlog bound (issue 18), a longer wait only
 * delays the work; it was 10 minutes, then a skip.
 */
export const DEFAULT_DEFER_MAX_MS = 60_000;

/** 3 hours: a job held back by pressure every tick for that long is a capacity problem someone should read about. */
export const DEFAULT_STARVE_AFTER_MS = 3 * 3600_000;

export function normalizeGate(g: GateOptions | undefined): NormalizedGate {
  const o = g ?? {};
  const onPressure = choice('gate.onPressure', o.onPressure ?? 'defer', ON_PRESSURE);
  const ms = (name: string, v: number | undefined, d: number): number => milliseconds(`gate.${name}`, v, d);
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path === '')) throw invalidOption('gate.path', o.path, 'a path');
  return {
    enabled: o.enabled ?? true,
    thresholds: o.thresholds === undefined ? { ...DEFAULT_THRESHOLDS } : validateThresholds(o.thresholds, 'gate.thresholds'),
    onPressure,
    deferMaxMs: ms('deferMaxMs', o.deferMaxMs, DEFAULT_DEFER_MAX_MS),
    deferThen: choice('gate.deferThen', o.deferThen ?? 'run', DEFER_THEN),
    windowMs: Math.max(50, ms('windowMs', o.windowMs, DEFAULT_GATE_WINDOW_MS)),
    path: o.path,
    starveAfterMs: ms('starveAfterMs', o.starveAfterMs, DEFAULT_STARVE_AFTER_MS),
  };
}
