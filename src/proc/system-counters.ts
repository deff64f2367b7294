import { readFileSync } from 'node:fs';
import { availableParallelism, endianness } from 'node:os';
import { parseCpuinfoCount, parseLoadavg, type LoadAverage } from './parse-loadavg.ts';
import { dirtyPercentOfThrottle, parseVmstatDirty, type DirtyPages } from './parse-vmstat.ts';
import { readProcFile } from './read-file.ts';
import { readSignal, type SignalRead } from './read-signal.ts';
import type { ProcRoots } from './roots.ts';

type Roots = Pick<ProcRoots, 'procRoot'>;
type Failure = Extract<SignalRead, { ok: false }>;

/** Dirty and writeback pages with the kernel's thresholds, or why they could not be read. */
export function readDirtyPages(roots: Roots): { ok: true; value: DirtyPages } | Failure {
  const read = readSignal(`${roots.procRoot}/vmstat`);
  if (!read.ok) return read;
  const value = parseVmstatDirty(read.text);
  return value ? { ok: true, value } : { ok: false, reason: 'missing', path: `${roots.procRoot}/vmstat` };
}

/** The dirty level now, as % of the throttle point; undefined when /proc/vmstat cannot tell. */
export function readDirtyPercent(roots: Roots): number | undefined {
  const d = readDirtyPages(roots);
  return d.ok ? dirtyPercentOfThrottle(d.value) : undefined;
}

export function readLoadAverage(roots: Roots): { ok: true; value: LoadAverage } | Failure {
  const read = readSignal(`${roots.procRoot}/loadavg`);
  if (!read.ok) return read;
  const value = parseLoadavg(read.text);
  return value ? { ok: true, value } : { ok: false, reason: 'unreadable', path: `${roots.procRoot}/loadavg` };
}

/**
 * Online CPUs of the whole machine, since the load average counts tasks of the whole machine:
 * /proc/cpuinfo first (follows the proc root), os.availableParallelism() when it says nothing.
 */
export function readCpuCount(roots: Roots): number {
  const count = parseCpuinfoCount(readProcFile(`${roots.procRoot}/cpuinfo`) ?? '');
  return count > 0 ? count : availableParallelism();
}

/** AT_PAGESZ from the auxiliary vector: the kernel's page size without spawning getconf. */
const AT_PAGESZ = 6n;

/** The page size in bytes, from /proc/self/auxv (64-bit entries); 4096 when it cannot be read. */
export function readPageSize(roots: Roots): number {
  let buf: Buffer;
  try {
    buf = readFileSync(`${roots.procRoot}/self/auxv`);
  } catch {
    return 4096;
  }
  const word = (off: number): bigint => (endianness() === 'LE' ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off));
  for (let off = 0; off + 16 <= buf.length; off += 16) {
    if (word(off) === AT_PAGESZ) return Number(word(off + 8));
  }
  return 4096;
}
