import { readPidStat } from './processes.ts';
import { DEFAULT_ROOTS, type ProcRoots } from './roots.ts';

/** This process's identity (pid + start time), read once. */
export function selfIdentity(roots: Pick<ProcRoots, 'procRoot'> = DEFAULT_ROOTS): { pid: number; starttime: number } {
  const stat = readPidStat(process.pid, roots);
  return { pid: process.pid, starttime: stat?.starttime ?? 0 };
}
