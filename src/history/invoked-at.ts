import { CLOCK_TICKS_PER_SECOND, readPidStat } from '../proc/processes.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';

/** `btime` of /proc/stat: the boot time in epoch seconds. */
export function parseBootTime(procStat: string): number | undefined {
  const m = /^btime\s+(\d+)/m.exec(procStat);
  return m ? Number(m[1]) : undefined;
}

// A process younger than this at the invocation is taken to have been started for it (the CLI).
const FRESH_MS = 30_000;

/**
 * When the invocation began, for the forecast's "started every": the wrapper's fork time when the
 * process was started for this invocation (cron forked it; a slow start under load must not
 * bunch the starts together), else the moment the run was asked for (a library call in a service).
 */
export function invocationTime(invokedAt: number, roots: Pick<ProcRoots, 'procRoot'>): number {
  const btime = parseBootTime(readProcFile(`${roots.procRoot}/stat`) ?? '');
  const self = readPidStat(process.pid, roots);
  if (btime === undefined || !self) return invokedAt;
  const forkedAt = btime * 1000 + (self.starttime * 1000) / CLOCK_TICKS_PER_SECOND;
  return forkedAt <= invokedAt && invokedAt - forkedAt < FRESH_MS ? Math.round(forkedAt) : invokedAt;
}
