import { formatBytes, formatPercent, formatSeconds } from './format-units.ts';
import { FALLBACK_MAX_UTIL, type Thresholds } from './thresholds.ts';
import type { ProbeSnapshot } from './types.ts';

export type ThresholdSignal = 'ioPressure' | 'ioFull' | 'util' | 'dirty' | 'blocked' | 'free' | 'load';

/** One threshold compared with one measured figure. */
export interface Check {
  signal: ThresholdSignal;
  value: number;
  threshold: number;
  unit: '%' | 'tasks' | 'bytes' | 'per CPU';
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

/** Compare a snapshot with thresholds. A missing signal never fails a verdict; it is listed instead. */
export function evaluate(snapshot: ProbeSnapshot, thresholds: Readonly<Thresholds>): Verdict {
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
  if (fallback) notes.push(`no io pressure (PSI) on this kernel: judged by disk util% (limit ${maxUtil ?? 'off'}), D-state tasks, dirty pages and load`);
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
    const throttled = snapshot.dState.groups.find((g) => g.wchan === 'balance_dirty_pages')?.count ?? 0;
    if (throttled > 0) {
      checks.push({ signal: 'dirty', value: throttled, threshold: 0, unit: 'tasks', ok: false, message: `${throttled} writer${throttled === 1 ? '' : 's'} throttled in balance_dirty_pages right now` });
    }
  }
  if (thresholds.maxBlocked !== undefined) {
    const { count, groups } = snapshot.dState;
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
  if (thresholds.maxLoad !== undefined) {
    const l = snapshot.load;
    if (l === undefined) missing.push({ signal: 'load', message: 'load average not available' });
    else over('load', l.perCpu1, thresholds.maxLoad, 'per CPU', `load ${l.perCpu1.toFixed(2)} per CPU over the last minute (limit ${thresholds.maxLoad})`);
  }

  const reasons: Reason[] = checks.filter((c) => !c.ok).map(({ ok: _ok, ...reason }) => reason);
  return { healthy: reasons.length === 0, reasons, checks, missing, fallback, notes };
}
