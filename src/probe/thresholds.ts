import { invalidOption } from '../errors/ioguard-error.ts';
import { parseCount, parseNumber, parsePercent, parsePercentOrSize } from './parse-threshold-value.ts';

export type MinFree = { percent: number } | { bytes: number };

/** Limits the gate and `ioguard check` hold the system to. An absent field is not checked. */
export interface Thresholds {
  /** io `some` stall % over each look: some task waited on I/O this share of the time. */
  maxIoPressure?: number;
  /** io `full` stall %: every non-idle task waited on I/O. Off by default (see below). */
  maxIoFull?: number;
  /** %util of the path's devices (all disks without a path). */
  maxUtil?: number;
  /** dirty + writeback pages as % of the throttle point. */
  maxDirty?: number;
  /**
   * Dirty level rising this many points (of the throttle point) per second between two looks,
   * while already above half of it: a flood that will throttle writers within seconds.
   */
  maxDirtyRise?: number;
  /** D-state tasks (threads) on the whole machine. */
  maxBlocked?: number;
  /** Free space on the path, percent of the filesystem or bytes. */
  minFree?: MinFree;
  /** 1-minute load average per CPU. Off by default where PSI exists (CPU-bound tasks count too). */
  maxLoad?: number;
}

/**
 * Defaults from measurement (docs/pressure.md has the table). The gate takes two 500 ms looks
 * when the first trips and holds a job only for a signal that trips on both, so one busy instant
 * does not defer. io `some` p50 over a 500 ms look: quiet 1%, a fsync-per-write database burst
 * 77%, a bulk writer 93%, a dirty flood 95%; over 1-2 s, some > 30% flagged 3% of quiet windows
 * and every database burst.
 */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  // 30% of two consecutive looks: a database committing in bursts stalls 50-80%, a quiet host 0-3%.
  // The old 80% was nearly inert against a database (its bursts read 56-77%).
  maxIoPressure: 30,
  // maxIoFull off: system `full` collapses to 0% while the other CPU is busy (some 98.6% read as
  // full 0%), so it only ever agreed with `some` or said nothing.
  // Writers are throttled at 100%; background writeback starts near 67% with default ratios, so
  // 90% means a heavy writer is about to be throttled (CASES §3) and a new one would join it.
  // evaluate() also fails this check when a writer waits in balance_dirty_pages (per-device limits);
  // the gate's second look turns "one writer at one instant" (3 of 61 false holds) into "one in both".
  maxDirty: 90,
  // Above half the throttle point and climbing 10 points a second: throttled in about 4 s.
  maxDirtyRise: 10,
  // An idle or busy machine shows 0–3 D tasks at an instant; a pile-up (CASES §1: dozens of rsyncs)
  // or a hang (§2: 500) is far above, and 20 leaves room for a busy database server.
  maxBlocked: 20,
  // ext4 reserves 5% for root: below it unprivileged writers get ENOSPC and delalloc writers hang (§4).
  minFree: { percent: 5 },
  // maxLoad off while PSI is readable: a CPU-only neighbour at load 8.5 held an I/O job over 60 s
  // on an idle disk. Without PSI, evaluate() falls back to FALLBACK_MAX_LOAD.
  // maxUtil off while PSI is readable: %util reads ~100% on healthy SSD/RAID and ~0% under a
  // cgroup throttle. Without PSI, evaluate() falls back to FALLBACK_MAX_UTIL.
});

/** %util limit used only when the kernel has no PSI and no maxUtil was given: a disk busy ≥ 90% of the window. */
export const FALLBACK_MAX_UTIL = 90;
/** Load per CPU used only when the kernel has no PSI and no maxLoad was given: work waits 3× longer than it runs. */
export const FALLBACK_MAX_LOAD = 3;

type Kind = 'percent' | 'count' | 'number' | 'percentOrSize';
type Parser = (text: string, option: string) => number | MinFree;
const PARSERS: Record<Kind, Parser> = { percent: parsePercent, count: parseCount, number: parseNumber, percentOrSize: parsePercentOrSize };

/** CLI flag → field and kind of value. The same flags serve `check` and `run`. */
export const THRESHOLD_FIELDS: ReadonlyArray<[flag: string, key: keyof Thresholds, kind: Kind]> = [
  ['max-io-pressure', 'maxIoPressure', 'percent'],
  ['max-io-full', 'maxIoFull', 'percent'],
  ['max-util', 'maxUtil', 'percent'],
  ['max-dirty', 'maxDirty', 'percent'],
  ['max-dirty-rise', 'maxDirtyRise', 'number'],
  ['max-blocked', 'maxBlocked', 'count'],
  ['min-free', 'minFree', 'percentOrSize'],
  ['max-load', 'maxLoad', 'number'],
];

/** CLI flag → field and value parser (kept for callers of the older table). */
export const THRESHOLD_FLAGS: ReadonlyArray<[flag: string, key: keyof Thresholds, parse: Parser]> =
  THRESHOLD_FIELDS.map(([f, k, kind]) => [f, k, PARSERS[kind]]);

const EXPECTED: Record<Kind, string> = {
  percent: 'a percentage from 0 to 100',
  count: 'a whole number ≥ 0',
  number: 'a finite number ≥ 0',
  percentOrSize: '{ percent: 0-100 } or { bytes: whole number ≥ 0 }',
};

function valid(kind: Kind, v: unknown): boolean {
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  switch (kind) {
    case 'percent':
      return num(v) && v <= 100;
    case 'count':
      return num(v) && Number.isSafeInteger(v);
    case 'number':
      return num(v);
    case 'percentOrSize': {
      if (typeof v !== 'object' || v === null) return false;
      const m = v as Record<string, unknown>;
      if ('percent' in m) return num(m.percent) && m.percent <= 100;
      return num(m.bytes) && Number.isSafeInteger(m.bytes);
    }
  }
}

/**
 * The one validator of threshold values, for the library (`checkSystem`, `runCommand`, `guard`)
 * and, through the flag parsers' output, the CLI: the same ranges either way. Names the field.
 */
export function validateThresholds(t: unknown, prefix = 'thresholds'): Thresholds {
  if (typeof t !== 'object' || t === null) throw invalidOption(prefix, t, 'an object of limits');
  const known = new Set<string>(THRESHOLD_FIELDS.map(([, k]) => k));
  for (const key of Object.keys(t)) if (!known.has(key)) throw invalidOption(`${prefix}.${key}`, (t as Record<string, unknown>)[key], `one of the limits ${[...known].join(', ')}`);
  for (const [, key, kind] of THRESHOLD_FIELDS) {
    const v = (t as Record<string, unknown>)[key];
    if (v !== undefined && !valid(kind, v)) throw invalidOption(`${prefix}.${key}`, v, EXPECTED[kind]);
  }
  return t as Thresholds;
}

/**
 * Thresholds from CLI strings keyed by flag name (`{'max-io-pressure': '20%'}`), over `base`.
 * `off` (or `none`) switches one check off. Bad values throw invalidOption naming the flag.
 */
export function parseThresholdOptions(raw: Record<string, string | undefined>, base: Readonly<Thresholds> = DEFAULT_THRESHOLDS): Thresholds {
  const result: Thresholds = { ...base };
  for (const [flag, key, kind] of THRESHOLD_FIELDS) {
    const text = raw[flag];
    if (text === undefined) continue;
    if (/^(off|none)$/i.test(text.trim())) {
      delete result[key];
      continue;
    }
    (result as Record<string, unknown>)[key] = PARSERS[kind](text, `--${flag}`);
  }
  return validateThresholds(result);
}
