import { formatBytes, formatPercent, formatSeconds } from '../util/format-units.ts';
import { ioWaitCount, ioWaitGroups } from './d-state-census.ts';
import { FALLBACK_MAX_LOAD, FALLBACK_MAX_UTIL, type Thresholds } from './thresholds.ts';
import type { ProbeSnapshot } from './types.ts';

export type ThresholdSignal = 'ioPressure' | 'ioFull' | 'util' | 'dirty' | 'blocked' | 'free' | 'load';

/** One threshold compared with one measured figure. */
export interface Check {
  signal: ThresholdSignal;
  value: number;
  threshold: number;
  unit: '%' | 'tasks' | 'bytes' | 'per CPU' | '% per s';
  ok: boolean;
  /** One line for a person, with the figure and the limit. */
  message: string;
  /** The device measured, for util. */
  device?: string;
}

export type Reason = Omit<Check, 'ok'>;

export interface Verdict {
  healthy: boolean;
  /** The checks that failed; empty when healthy. */
  reasons: Reason[];
  /** Every check made, for log lines that show the figures behind a decision. */
  checks: Check[];
  /** Thresholds that could not be checked because their signal is missing or unreadable. */
  missing: Array<{ signal: ThresholdSignal; message: string }>;
  /** True when the kernel has no io PSI and the verdict rests on util%, D state, dirty pages and load. */
  fallback: boolean;
  notes: string[];
}

/** The dirty level (% of the throttle point) read `msBefore` ms before the snapshot's own reading. */
export interface DirtyBefore {
  percentOfThrottle: number;
  msBefore: number;
}

/**
 * Compare a snapshot with thresholds. A missing signal never fails a verdict; it is listed instead.
 * With `dirtyBefore` (the dirty level read when the look began), its rate of rise is checked too.
 */
export function evaluate(snapshot: ProbeSnapshot, thresholds: Readonly<Thresholds>, dirtyBefore?: DirtyBefore): Verdict {
  const checks: Check[] = [];
  const missing: Verdict['missing'] = [];
  const notes: string[] = [];
  const over = (signal: ThresholdSignal, value: number, threshold: number, unit: Check['unit'], message: string, device?: string): void => {
    checks.push({ signal, value, threshold, unit, ok: value <= threshold, message, ...(device === undefined ? {} : { device }) });
  };
  const window = formatSeconds(snapshot.windowMs);
  const io = snapshot.psi.io;
  const fallback = io === undefined;

  if (thresholds.maxIoPressure !== undefined) {
    const v = io?.some.stallPercent;
    if (v === undefined) missing.push({ signal: 'ioPressure', message: 'io pressure (PSI) not available on this kernel' });
    else over('ioPressure', v, thresholds.maxIoPressure, '%', `io pressure: some task waited on I/O ${formatPercent(v)} of the last ${window} (limit ${thresholds.maxIoPressure}%)`);
  }
  if (thresholds.maxIoFull !== undefined) {
    const v = io?.full?.stallPercent;
    if (v === undefined) missing.push({ signal: 'ioFull', message: io ? 'io full pressure not reported by this kernel' : 'io pressure (PSI) not available on this kernel' });
    else over('ioFull', v, thresholds.maxIoFull, '%', `io full pressure: all non-idle tasks waited on I/O ${formatPercent(v)} of the last ${window} (limit ${thresholds.maxIoFull}%)`);
  }

  const maxUtil = thresholds.maxUtil ?? (fallback ? FALLBACK_MAX_UTIL : undefined);
  if (fallback) notes.push(`no io pressure (PSI) on this kernel: judged by disk util% (limit ${maxUtil ?? 'off'}), D-state tasks, dirty pages and load (limit ${thresholds.maxLoad ?? FALLBACK_MAX_LOAD} per CPU)`);
  if (maxUtil !== undefined) {
    const onPath = snapshot.disks.filter((d) => d.backsPath);
    const candidates = onPath.length > 0 ? onPath : snapshot.disks.filter((d) => !d.partition);
    if (snapshot.path && onPath.length === 0) notes.push(`${snapshot.path.path} is on no block device (${snapshot.path.fsType ?? 'unknown fs'}): util checked on all disks`);
    const busiest = candidates.reduce<(typeof candidates)[number] | undefined>((a, d) => (a === undefined || d.utilPercent > a.utilPercent ? d : a), undefined);
    if (busiest === undefined) missing.push({ signal: 'util', message: 'disk statistics not available' });
    else over('util', busiest.utilPercent, maxUtil, '%', `disk ${busiest.name} busy ${formatPercent(busiest.utilPercent)} of the last ${window} (limit ${maxUtil}%)`, busiest.name);
  }

  if (thresholds.maxDirty !== undefined) {
    const d = snapshot.dirty;
    if (d === undefined) missing.push({ signal: 'dirty', message: 'dirty page counters not available' });
    else over('dirty', d.percentOfThrottle, thresholds.maxDirty, '%', `dirty pages at ${formatPercent(d.percentOfThrottle)} of the point where writers get throttled (limit ${thresholds.maxDirty}%)`);
    // Per-device (FUSE, loop, bdi max_ratio) and cgroup dirty limits throttle writers while the
    // global ratio looks low: writers waiting in balance_dirty_pages are the direct evidence.
    const seconds = (dirtyBefore?.msBefore ?? 0) / 1000;
    if (thresholds.maxDirtyRise !== undefined && d !== undefined && dirtyBefore !== undefined && seconds > 0 && d.percentOfThrottle >= 50) {
      const rise = (d.percentOfThrottle - dirtyBefore.percentOfThrottle) / seconds;
      checks.push({ signal: 'dirty', value: rise, threshold: thresholds.maxDirtyRise, unit: '% per s', ok: rise <= thresholds.maxDirtyRise, message: `dirty pages at ${formatPercent(d.percentOfThrottle)} of the throttle point and rising ${rise.toFixed(1)} points a second (limit ${thresholds.maxDirtyRise})` });
    }
    const throttled = snapshot.dState.groups.find((g) => g.wchan === 'balance_dirty_pages')?.count ?? 0;
    if (throttled > 0) {
      checks.push({ signal: 'dirty', value: throttled, threshold: 0, unit: 'tasks', ok: false, message: `${throttled} writer${throttled === 1 ? '' : 's'} throttled in balance_dirty_pages right now` });
    }
  }
  if (thresholds.maxBlocked !== undefined) {
    // Frozen tasks (a governed job's pause) and vfork parents are in D without waiting on I/O.
    const groups = ioWaitGroups(snapshot.dState);
    const count = ioWaitCount(snapshot.dState);
    const top = groups[0] ? `, most in ${groups[0].wchan}` : '';
    over('blocked', count, thresholds.maxBlocked, 'tasks', `${count} tasks in D state${top} (limit ${thresholds.maxBlocked})`);
  }
  if (thresholds.minFree !== undefined && snapshot.path !== undefined) {
    const s = snapshot.space;
    const where = snapshot.path.path;
    if (s === undefined) missing.push({ signal: 'free', message: `free space on ${where} not readable` });
    else if ('percent' in thresholds.minFree) {
      const limit = thresholds.minFree.percent;
      checks.push({ signal: 'free', value: s.freePercent, threshold: limit, unit: '%', ok: s.freePercent >= limit, message: `${formatPercent(s.freePercent)} free on ${where} (minimum ${limit}%)` });
    } else {
      const limit = thresholds.minFree.bytes;
      checks.push({ signal: 'free', value: s.availableBytes, threshold: limit, unit: 'bytes', ok: s.availableBytes >= limit, message: `${formatBytes(s.availableBytes)} free on ${where} (minimum ${formatBytes(limit)})` });
    }
  }
  // Load counts CPU-runnable tasks: it stands in for I/O pressure only where PSI is missing.
  const maxLoad = thresholds.maxLoad ?? (fallback ? FALLBACK_MAX_LOAD : undefined);
  if (maxLoad !== undefined) {
    const l = snapshot.load;
    if (l === undefined) missing.push({ signal: 'load', message: 'load average not available' });
    else over('load', l.perCpu1, maxLoad, 'per CPU', `load ${l.perCpu1.toFixed(2)} per CPU over the last minute (limit ${maxLoad})`);
  }

  const reasons: Reason[] = checks.filter((c) => !c.ok).map(({ ok: _ok, ...reason }) => reason);
  return { healthy: reasons.length === 0, reasons, checks, missing, fallback, notes };
}

const key = (c: Pick<Check, 'signal' | 'unit'>): string => `${c.signal}/${c.unit}`;

/**
 * Two looks, one verdict: a check holds the job back only when it failed on both looks, so one
 * busy instant (a single fsync, one writer passing through balance_dirty_pages) does not defer.
 * A check only the second look can make (the dirty rise) stands on its own.
 */
export function confirmVerdict(first: Verdict, second: Verdict): Verdict {
  const failedFirst = new Set(first.checks.filter((c) => !c.ok).map(key));
  const checks = second.checks.map((c) => (c.ok || failedFirst.has(key(c)) || c.unit === '% per s' ? c : { ...c, ok: true }));
  const reasons: Reason[] = checks.filter((c) => !c.ok).map(({ ok: _ok, ...reason }) => reason);
  return { ...second, checks, reasons, healthy: reasons.length === 0 };
}
