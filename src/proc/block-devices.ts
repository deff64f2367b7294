import { readdirSync } from 'node:fs';
import { readProcFile } from './read-file.ts';
import type { ProcRoots } from './roots.ts';

/**
 * Names of whole block devices, as iostat picks them: entries of /sys/block (disks, dm-N, mdN,
 * loopN, zram). Partitions live only under their disk. sysfs writes `/` in names as `!`.
 */
export function listWholeDisks(roots: Pick<ProcRoots, 'sysRoot'>): Set<string> | undefined {
  try {
    return new Set(readdirSync(`${roots.sysRoot}/block`).map((name) => name.replaceAll('!', '/')));
  } catch {
    return undefined;
  }
}

/** Reads and writes in flight now, from /sys/block/<dev>/inflight. */
export function readInflight(name: string, roots: Pick<ProcRoots, 'sysRoot'>): { reads: number; writes: number } | undefined {
  const text = readProcFile(`${roots.sysRoot}/block/${name.replaceAll('/', '!')}/inflight`);
  if (text === undefined) return undefined;
  const [reads, writes] = text.trim().split(/\s+/).map(Number);
  if (reads === undefined || writes === undefined || !Number.isFinite(reads) || !Number.isFinite(writes)) return undefined;
  return { reads, writes };
}

/** The scheduler in use (`[mq-deadline]`), which decides whether I/O priorities (ionice) matter. */
export function readScheduler(name: string, roots: Pick<ProcRoots, 'sysRoot'>): string | undefined {
  const text = readProcFile(`${roots.sysRoot}/block/${name.replaceAll('/', '!')}/queue/scheduler`);
  const m = text === undefined ? null : /\[([^\]]+)\]/.exec(text);
  return m ? m[1] : text?.trim() || undefined;
}
