import { parseDiskstats, type DiskCounters } from '../proc/parse-diskstats.ts';
import { PSI_RESOURCES, readPsi, type PsiRead, type PsiResourceName } from '../proc/psi.ts';
import { readSignal } from '../proc/read-signal.ts';
import type { ProcRoots } from '../proc/roots.ts';

/** The cumulative counters read at both ends of the probe window. */
export interface CounterSample {
  at: number;
  psi: Record<PsiResourceName, PsiRead>;
  diskstats: { ok: true; disks: DiskCounters[] } | { ok: false; reason: 'missing' | 'unreadable'; path: string };
}

/** Read PSI totals and diskstats back to back, so both ends of the window line up. */
export function sampleCounters(roots: Pick<ProcRoots, 'procRoot'>, now: () => number): CounterSample {
  const psi = {} as Record<PsiResourceName, PsiRead>;
  for (const resource of PSI_RESOURCES) psi[resource] = readPsi(resource, roots);
  const read = readSignal(`${roots.procRoot}/diskstats`);
  const diskstats: CounterSample['diskstats'] = read.ok ? { ok: true, disks: parseDiskstats(read.text) } : read;
  return { at: now(), psi, diskstats };
}
