import { readPidStat } from './processes.ts';
import { DEFAULT_ROOTS, type ProcRoots } from './roots.ts';

/** This process's pid and start time (clock ticks since boot; 0 when /proc cannot say). */
export interface SelfIdentity {
  pid: number;
  starttime: number;
}

/** This process's identity: read once per run (createRunContext keeps it as ctx.self). */
export function selfIdentity(roots: Pick<ProcRoots, 'procRoot'> = DEFAULT_ROOTS): SelfIdentity {
  const stat = readPidStat(process.pid, roots);
  return { pid: process.pid, starttime: stat?.starttime ?? 0 };
}
