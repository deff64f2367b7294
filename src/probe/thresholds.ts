import { parseCount, parseNumber, parsePercent, parsePercentOrSize } from './parse-threshold-value.ts';

export type MinFree = { percent: number } | { bytes: number };

/** Limits the gate and `ioguard check` hold the system to. An absent field is not checked. */
export interface Thresholds {
  /** io `some` stall % over the probe window: some task waited on I/O this share of the time. */
  maxIoPressure?: number;
  /** io `full` stall %: every non-idle task waited on I/O. */
  maxIoFull?: number;
  /** %util of the path's devices (all disks without a path). */
  maxUtil?: number;
  /** dirty + writeback pages as % of the throttle point. */
  maxDirty?: number;
  /** D-state tasks (threads) on the whole machine. */
  maxBlocked?: number;
  /** Free space on the path, percent of the filesystem or bytes. */
  minFree?: MinFree;
  /** 1-minute load average per CPU. */
  maxLoad?: number;
}

/**
 * Defaults: let an idle or moderately busy machine run every job; hold a job back when I/O
 * stalls dominate or writers are throttled. Measured here on 2 vCPUs / virtio (1 s window):
 * idle 0–2% io some; one unthrottled streaming writer 50–71% some, 44–65% full; a cgroup-
 * throttled writer 99% some with util 0%.
 */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  // psi-notify warns at io full avg10 > 15 and systemd examples use 20% of avg300: averages meant
  // to alert a person. A 1 s window before a cron job sees one healthy streaming writer at 50–70%,
  // so the gate trips only when I/O waits fill nearly the whole window. System PSI weighs CPUs by
  // non-idle time: one stalled task on a 2-CPU box whose other CPU is busy reads 50%, not 100%.
  maxIoPressure: 80,
  // full ≤ some always; on a busy machine full stays low while others progress, so 70% full means
  // the machine as a whole is stalled on I/O.
  maxIoFull: 70,
  // Writers are throttled at 100%; background writeback starts near 67% with default ratios, so
  // 90% means a heavy writer is about to be throttled (CASES §3) and a new one would join it.
  // evaluate() also fails this check when any writer waits in balance_dirty_pages (per-device limits).
  maxDirty: 90,
  // An idle or busy machine shows 0–3 D tasks at an instant; a pile-up (CASES §1: dozens of rsyncs)
  // or a hang (§2: 500) is far above, and 20 leaves room for a busy database server.
  maxBlocked: 20,
  // ext4 reserves 5% for root: below it unprivileged writers get ENOSPC and delalloc writers hang (§4).
  minFree: { percent: 5 },
  // Linux load counts runnable and D tasks; 3 per CPU means work waits three times longer than it runs.
  maxLoad: 3,
  // maxUtil is off while PSI is readable: %util reads ~100% on healthy SSD/RAID and ~0% under a
  // cgroup throttle. Without PSI, evaluate() falls back to FALLBACK_MAX_UTIL.
});

/** %util limit used only when the kernel has no PSI and no maxUtil was given: a disk busy ≥ 90% of the window. */
export const FALLBACK_MAX_UTIL = 90;

type Parser = (text: string, option: string) => number | MinFree;

/** CLI flag → field and value parser. The same flags serve `check` and `run`. */
export const THRESHOLD_FLAGS: ReadonlyArray<[flag: string, key: keyof Thresholds, parse: Parser]> = [
  ['max-io-pressure', 'maxIoPressure', parsePercent],
  ['max-io-full', 'maxIoFull', parsePercent],
  ['max-util', 'maxUtil', parsePercent],
  ['max-dirty', 'maxDirty', parsePercent],
  ['max-blocked', 'maxBlocked', parseCount],
  ['min-free', 'minFree', parsePercentOrSize],
  ['max-load', 'maxLoad', parseNumber],
];

/**
 * Thresholds from CLI strings keyed by flag name (`{'max-io-pressure': '20%'}`), over `base`.
 * `off` (or `none`) switches one check off. Bad values throw invalidOption naming the flag.
 */
export function parseThresholdOptions(raw: Record<string, string | undefined>, base: Readonly<Thresholds> = DEFAULT_THRESHOLDS): Thresholds {
  const result: Thresholds = { ...base };
  for (const [flag, key, parse] of THRESHOLD_FLAGS) {
    const text = raw[flag];
    if (text === undefined) continue;
    if (/^(off|none)$/i.test(text.trim())) {
      delete result[key];
      continue;
    }
    (result as Record<string, unknown>)[key] = parse(text, `--${flag}`);
  }
  return result;
}
