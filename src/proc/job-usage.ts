import type { ProcessSample } from './processes.ts';
import { CLOCK_TICKS_PER_SECOND } from './processes.ts';
import { readProcFile } from './read-file.ts';
import type { ProcRoots } from './roots.ts';
import { readPageSize } from './system-counters.ts';

/** What a run cost, from /proc. */
export interface RunUsage {
  /** User + system CPU of the job and every descendant it waited for (exact, from the kernel). */
  cpuSeconds: number | null;
  /** Largest resident set of the job's process group seen in a sample. */
  peakRssBytes: number | null;
  /** Storage bytes read and written by the group's processes, as of their last sample. */
  readBytes: number | null;
  writeBytes: number | null;
  /** Time the governor held the job paused; absent when the run was not governed. */
  pausedMs?: number;
  /** The backlog bound (bytes) the run held on its device; absent when it held none. */
  boundBytes?: number;
}

/** cutime + cstime (fields 16 and 17) of a /proc/PID/stat line: CPU of the waited-for children. */
function parseChildrenCpuTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close === -1) return undefined;
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  const cutime = Number(rest[16 - 3]);
  const cstime = Number(rest[17 - 3]);
  return Number.isFinite(cutime) && Number.isFinite(cstime) ? cutime + cstime : undefined;
}

function childrenCpuTicks(roots: Pick<ProcRoots, 'procRoot'>): number | undefined {
  const text = readProcFile(`${roots.procRoot}/${process.pid}/stat`);
  return text === undefined ? undefined : parseChildrenCpuTicks(text);
}

/**
 * Accumulates a job's usage from the supervisor's samples. CPU comes from the wrapper's own
 * cutime/cstime: when the job's leader is reaped the kernel adds its CPU and that of every
 * descendant it waited for, so even a job shorter than one sample interval is measured exactly.
 * Memory and I/O bytes can only be sampled (a process that lives between two samples is missed).
 */
export class JobUsage {
  private readonly roots: Pick<ProcRoots, 'procRoot'>;
  private readonly ticksAtStart: number | undefined;
  private peakPages = 0;
  private readonly io = new Map<string, { read: number; write: number }>();
  private sampled = false;

  /** Create right after the spawn, before the event loop can reap the job. */
  constructor(roots: Pick<ProcRoots, 'procRoot'>) {
    this.roots = roots;
    this.ticksAtStart = childrenCpuTicks(roots);
  }

  add(samples: readonly ProcessSample[]): void {
    this.sampled = true;
    let pages = 0;
    for (const s of samples) {
      pages += s.rssPages;
      if (s.readBytes !== undefined && s.writeBytes !== undefined) this.io.set(`${s.pid}/${s.starttime}`, { read: s.readBytes, write: s.writeBytes });
    }
    this.peakPages = Math.max(this.peakPages, pages);
  }

  /** Storage bytes read and written by the group's processes so far, as of their last sample. */
  ioTotals(): { read: number; write: number } {
    let read = 0;
    let write = 0;
    for (const v of this.io.values()) {
      read += v.read;
      write += v.write;
    }
    return { read, write };
  }

  /** Call after the job's leader was reaped. */
  finish(): RunUsage {
    const ticks = childrenCpuTicks(this.roots);
    const cpu = ticks !== undefined && this.ticksAtStart !== undefined ? (ticks - this.ticksAtStart) / CLOCK_TICKS_PER_SECOND : null;
    const { read, write } = this.ioTotals();
    return {
      cpuSeconds: cpu === null ? null : Math.round(cpu * 100) / 100,
      peakRssBytes: this.sampled ? this.peakPages * readPageSize(this.roots) : null,
      readBytes: this.io.size > 0 ? read : null,
      writeBytes: this.io.size > 0 ? write : null,
    };
  }
}
