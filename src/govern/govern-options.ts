import { invalidOption } from '../errors/ioguard-error.ts';
import { choice, integer, milliseconds, percent } from '../util/validate.ts';
import { LEVER_CHOICES, type LeverChoice } from './lever.ts';

/** The governor: watches pressure while the job runs and pauses its process group when others suffer. */
export interface GovernOptions {
  /** Default: on with onPressure 'defer' (the gate's default), off otherwise. */
  enabled?: boolean;
  /** io `some` stall % (per interval) over which, sustained, the job is paused. Default 50. */
  maxIoPressure?: number;
  /** Resume once io `some` falls below this % (hysteresis). Default 20. */
  resumeBelow?: number;
  /** Dirty + writeback as % of the throttle point that, sustained, pauses the job too. Default 90. */
  maxDirty?: number;
  /** How long the limit must be passed before a pause. Default 2 s. */
  sustainMs?: number;
  /** Longest single pause: the job always gets to run again. Default 15 s. */
  maxPauseMs?: number;
  /** Least running time between two pauses: at worst the job runs minRun of every minRun+maxPause. Default 5 s. */
  minRunMs?: number;
  /** Sampling interval. Default 1 s. */
  intervalMs?: number;
  /**
   * How to hold the job back: 'stop' (SIGSTOP of its process group), 'freeze' (its own cgroup,
   * frozen), 'throttle' (its own cgroup, block I/O limited), 'auto' (the measured best available).
   * The cgroup levers need root; otherwise, or without the controller, SIGSTOP with the reason logged. Default 'auto'.
   */
  lever?: LeverChoice;
  /**
   * Hold the dirty + writeback backlog of the devices the job writes (those under `gate.path`, and
   * those of the files its processes hold open for writing) while it runs: strict_limit 1 and
   * max_bytes of /sys/class/bdi (root; restored on every way out). 'auto' sizes each device's
   * bound to what it drains in `backlogWaitMs` at its recent peak write rate (at least 512 KiB); a
   * number of bytes fixes it; 'off' leaves the devices alone. It binds every writer of the
   * device, not only the job (docs/governor.md). Default 'auto'.
   */
  boundBacklog?: 'auto' | 'off' | number;
  /** With boundBacklog 'auto': the wait behind the job's backlog a foreground write may find, shared among stacked page-cache levels. Default 100 ms. */
  backlogWaitMs?: number;
}

export type NormalizedGovern = Required<GovernOptions>;

/** Smallest bound: one page (the kernel rounds max_bytes into a share of the dirty limit). */
export const MIN_BACKLOG_BYTES = 4096;
const MAX_BACKLOG_BYTES = 2 ** 50;

export const GOVERN_DEFAULTS: Readonly<Omit<NormalizedGovern, 'enabled'>> = Object.freeze({
  maxIoPressure: 50,
  resumeBelow: 20,
  maxDirty: 90,
  sustainMs: 2000,
  maxPauseMs: 15_000,
  minRunMs: 5000,
  intervalMs: 1000,
  lever: 'auto',
  boundBacklog: 'auto',
  backlogWaitMs: 100,
});

function backlogBound(v: unknown): 'auto' | 'off' | number {
  if (v === 'auto' || v === 'off') return v;
  if (typeof v === 'number') return integer('govern.boundBacklog', v, MIN_BACKLOG_BYTES, MAX_BACKLOG_BYTES);
  throw invalidOption('govern.boundBacklog', v, `'auto', 'off' or a number of bytes from ${MIN_BACKLOG_BYTES}`);
}

export function normalizeGovern(v: boolean | GovernOptions | undefined, defaultOn: boolean): NormalizedGovern {
  const o: GovernOptions = typeof v === 'boolean' ? { enabled: v } : (v ?? {});
  if (typeof o !== 'object' || o === null) throw invalidOption('govern', v, 'true, false or an object of governor options');
  const pct = (name: keyof GovernOptions, x: unknown, d: number): number => percent(`govern.${name}`, x, d);
  const ms = (name: keyof GovernOptions, x: unknown, d: number, min = 0): number => milliseconds(`govern.${name}`, x, d, { min });
  const g = GOVERN_DEFAULTS;
  const out: NormalizedGovern = {
    enabled: o.enabled ?? defaultOn,
    maxIoPressure: pct('maxIoPressure', o.maxIoPressure, g.maxIoPressure),
    resumeBelow: pct('resumeBelow', o.resumeBelow, g.resumeBelow),
    maxDirty: pct('maxDirty', o.maxDirty, g.maxDirty),
    sustainMs: ms('sustainMs', o.sustainMs, g.sustainMs),
    maxPauseMs: ms('maxPauseMs', o.maxPauseMs, g.maxPauseMs, 100),
    minRunMs: ms('minRunMs', o.minRunMs, g.minRunMs),
    intervalMs: ms('intervalMs', o.intervalMs, g.intervalMs, 50),
    lever: choice('govern.lever', o.lever ?? g.lever, LEVER_CHOICES),
    boundBacklog: backlogBound(o.boundBacklog ?? g.boundBacklog),
    backlogWaitMs: ms('backlogWaitMs', o.backlogWaitMs, g.backlogWaitMs, 10),
  };
  if (out.resumeBelow > out.maxIoPressure) throw invalidOption('govern.resumeBelow', out.resumeBelow, `at most maxIoPressure (${out.maxIoPressure})`);
  return out;
}
