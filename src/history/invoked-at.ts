import { CLOCK_TICKS_PER_SECOND } from '../proc/processes.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';

/** The first figure of /proc/uptime: seconds since boot, to the centisecond, in milliseconds. */
export function parseUptimeMs(procUptime: string): number | undefined {
  const m = /^(\d+)\.(\d{2})\s/.exec(procUptime);
  return m ? Number(m[1]) * 1000 + Number(m[2]) * 10 : undefined;
}

// A process younger than this at the invocation is taken to have been started for it (the CLI).
const FRESH_MS = 30_000;

/**
 * When the invocation began, for the forecast's "started every": the wrapper's fork time when the
 * process was started for this invocation (cron forked it; a slow start under load must not
 * bunch the starts together), else the moment the run was asked for (a library call in a service).
 * The fork time is the clock now minus the process's age, both ends counted from boot in
 * centiseconds (/proc/uptime and the start ticks): within 10 ms. `btime` of /proc/stat is whole
 * seconds and put it up to a second early.
 */
export function invocationTime(invokedAt: number, self: { starttime: number }, roots: Pick<ProcRoots, 'procRoot'>, now: () => number = Date.now): number {
  const uptimeMs = parseUptimeMs(readProcFile(`${roots.procRoot}/uptime`) ?? '');
  const t = now();
  // starttime 0: /proc/self/stat could not be read (selfIdentity).
  if (uptimeMs === undefined || self.starttime <= 0) return invokedAt;
  const forkedAt = t - (uptimeMs - (self.starttime * 1000) / CLOCK_TICKS_PER_SECOND);
  return forkedAt <= invokedAt && invokedAt - forkedAt < FRESH_MS ? Math.round(forkedAt) : invokedAt;
}
