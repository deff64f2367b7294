import { performance } from 'node:perf_hooks';
import type { PidStat } from '../proc/parse-pid-stat.ts';
import { parseVmRssKb } from '../proc/parse-pid-status.ts';
import { CLOCK_TICKS_PER_SECOND, readPidStat } from '../proc/processes.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';

/**
 * The shortest window between the two CPU readings. At USER_HZ=100 a reading is exact to one
 * tick (10 ms), so 150 ms keeps the figure within 7 points of the truth. The window overlaps
 * status's own work (the first reading is the /proc scan it does anyway), so with 1,000 records
 * it costs nothing extra; with no live job process there is no window at all.
 */
export const CPU_WINDOW_MS = 150;

/** CPU ticks of every process at one moment (the middle of a /proc scan). */
export interface CpuReading {
  atMs: number;
  ticks: Map<number, { starttime: number; ticks: number }>;
}

export function cpuReading(stats: readonly PidStat[], startedAtMs: number, endedAtMs: number): CpuReading {
  const ticks = new Map<number, { starttime: number; ticks: number }>();
  for (const s of stats) ticks.set(s.pid, { starttime: s.starttime, ticks: s.utime + s.stime });
  return { atMs: (startedAtMs + endedAtMs) / 2, ticks };
}

/** CPU% over a window from the two tick counts: 100 = one core busy the whole window. */
export function cpuPercent(ticksBefore: number, ticksAfter: number, windowMs: number): number {
  if (windowMs <= 0) return 0;
  const cpuMs = ((ticksAfter - ticksBefore) * 1000) / CLOCK_TICKS_PER_SECOND;
  return Math.max(0, (cpuMs / windowMs) * 100);
}

export interface Usage {
  /** null when the process was not in the first reading (started after it) or is gone. */
  cpuPercent: number | null;
  /** Resident memory from /proc/PID/status VmRSS; null when unreadable. */
  memoryBytes: number | null;
}

/**
 * The second reading: CPU% of each pid since `first`, after waiting for the rest of the window,
 * and its resident memory. A pid whose start time changed is another process: no CPU figure.
 */
export async function measureUsage(pids: readonly number[], first: CpuReading, roots: Pick<ProcRoots, 'procRoot'>, windowMs = CPU_WINDOW_MS): Promise<Map<number, Usage>> {
  const out = new Map<number, Usage>();
  if (pids.length === 0) return out;
  const wait = first.atMs + windowMs - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  for (const pid of pids) {
    const t0 = performance.now();
    const stat = readPidStat(pid, roots);
    const at = (t0 + performance.now()) / 2;
    if (!stat) continue;
    const before = first.ticks.get(pid);
    const cpu = before && before.starttime === stat.starttime ? cpuPercent(before.ticks, stat.utime + stat.stime, at - first.atMs) : null;
    const rssKb = parseVmRssKb(readProcFile(`${roots.procRoot}/${pid}/status`) ?? '');
    out.set(pid, { cpuPercent: cpu, memoryBytes: rssKb === undefined ? null : rssKb * 1024 });
  }
  return out;
}
