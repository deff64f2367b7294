import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { invalidOption } from '../errors/ioguard-error.ts';
import { listWholeDisks, readInflight } from '../proc/block-devices.ts';
import { readFsSpace } from '../proc/fs-space.ts';
import { dirtyPercentOfThrottle, throttlePointPages } from '../proc/parse-vmstat.ts';
import { resolvePathDevices } from '../proc/path-devices.ts';
import { PSI_RESOURCES } from '../proc/psi.ts';
import { resolveRoots, type ProcRoots } from '../proc/roots.ts';
import { readCpuCount, readDirtyPages, readLoadAverage, readPageSize } from '../proc/system-counters.ts';
import { censusDState } from './d-state-census.ts';
import { iostatFigures } from './disk-rates.ts';
import { psiWindow } from './psi-window.ts';
import { sampleCounters, type CounterSample } from './sample-counters.ts';
import type { DiskRates, PathSignal, ProbeSnapshot, PsiSnapshot, Unreadable } from './types.ts';

export interface ProbeOptions {
  roots?: Partial<ProcRoots>;
  /** The job's working path: its devices are marked, its free space measured. */
  path?: string;
  /** Length of the sampling window for PSI stall% and disk rates. */
  windowMs?: number;
  /** Report partitions too (iostat -p); whole disks only by default, as iostat -x. */
  includePartitions?: boolean;
  /** Monotonic milliseconds; injectable so tests decide the window. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One second: long enough for util% to mean something, short enough for a gate before a cron job. */
export const DEFAULT_WINDOW_MS = 1000;

/** The path itself, or its nearest existing ancestor when a job creates it later. */
function existingAncestor(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function diskRates(
  first: CounterSample,
  second: CounterSample,
  roots: ProcRoots,
  elapsedMs: number,
  options: ProbeOptions,
  backing: ReadonlySet<string>,
): DiskRates[] {
  if (!first.diskstats.ok || !second.diskstats.ok) return [];
  const whole = listWholeDisks(roots);
  const before = new Map(first.diskstats.disks.map((d) => [d.name, d]));
  const rates: DiskRates[] = [];
  for (const after of second.diskstats.disks) {
    const prev = before.get(after.name);
    const partition = whole !== undefined && !whole.has(after.name);
    if (!prev || (partition && options.includePartitions !== true)) continue;
    const inflight = partition ? undefined : readInflight(after.name, roots);
    rates.push({
      name: after.name,
      major: after.major,
      minor: after.minor,
      partition,
      ...iostatFigures(prev, after, elapsedMs),
      inFlightReads: inflight?.reads,
      inFlightWrites: inflight?.writes,
      backsPath: backing.has(after.name),
    });
  }
  return rates.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Sample the system's I/O health: PSI totals and diskstats at both ends of a window, then dirty
 * pages, D-state tasks, load, and the path's devices and free space. A signal that cannot be read
 * is listed in `missing` or `unreadable`, never thrown: a guard must work on old kernels.
 */
export async function probe(options: ProbeOptions = {}): Promise<ProbeSnapshot> {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  if (!Number.isFinite(windowMs) || windowMs < 0) throw invalidOption('windowMs', windowMs, 'a number of milliseconds ≥ 0');
  const roots = resolveRoots(options.roots);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const missing: string[] = [];
  const unreadable: Unreadable[] = [];
  const note = (signal: string, r: { reason: 'missing' | 'unreadable'; path: string }): void => {
    if (r.reason === 'missing') missing.push(signal);
    else unreadable.push({ signal, path: r.path });
  };

  const first = sampleCounters(roots, now);
  await sleep(windowMs);
  const second = sampleCounters(roots, now);
  const elapsedMs = second.at - first.at;

  const psi: PsiSnapshot = { io: undefined, memory: undefined, cpu: undefined };
  for (const resource of PSI_RESOURCES) {
    const a = first.psi[resource];
    const b = second.psi[resource];
    if (a.ok && b.ok) psi[resource] = psiWindow(a.value, b.value, elapsedMs);
    else if (!a.ok) note(`psi.${resource}`, a);
    else if (!b.ok) note(`psi.${resource}`, b);
  }
  if (psi.io && !psi.io.full) missing.push('psi.io.full');
  if (!second.diskstats.ok) note('diskstats', second.diskstats);

  let path: PathSignal | undefined;
  let space: ProbeSnapshot['space'];
  if (options.path !== undefined) {
    const checkedPath = existingAncestor(options.path);
    path = { ...resolvePathDevices(checkedPath, roots), path: options.path, checkedPath };
    try {
      space = readFsSpace(checkedPath);
    } catch {
      unreadable.push({ signal: 'space', path: checkedPath });
    }
  }

  const dirtyRead = readDirtyPages(roots);
  if (!dirtyRead.ok) note('dirty', dirtyRead);
  const dirty = dirtyRead.ok
    ? {
        dirtyPages: dirtyRead.value.dirty,
        writebackPages: dirtyRead.value.writeback,
        thresholdPages: dirtyRead.value.threshold,
        backgroundThresholdPages: dirtyRead.value.backgroundThreshold,
        throttlePointPages: throttlePointPages(dirtyRead.value),
        percentOfThrottle: dirtyPercentOfThrottle(dirtyRead.value),
        pageSizeBytes: readPageSize(roots),
      }
    : undefined;

  const loadRead = readLoadAverage(roots);
  if (!loadRead.ok) note('load', loadRead);
  const cpus = readCpuCount(roots);
  const load = loadRead.ok
    ? (({ load1, load5, load15 }) => ({ load1, load5, load15, cpus, perCpu1: load1 / cpus, perCpu5: load5 / cpus, perCpu15: load15 / cpus }))(loadRead.value)
    : undefined;

  return {
    windowMs: elapsedMs,
    psi,
    disks: diskRates(first, second, roots, elapsedMs, options, new Set(path?.disks ?? [])),
    path,
    space,
    dirty,
    dState: censusDState(roots),
    load,
    missing,
    unreadable,
  };
}
