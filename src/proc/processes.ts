import { readdirSync } from 'node:fs';
import { parseCtxtSwitches } from './parse-pid-status.ts';
import { parsePidIo, type PidIo } from './parse-pid-io.ts';
import { parsePidStat, type PidStat } from './parse-pid-stat.ts';
import { readProcFile } from './read-file.ts';
import { DEFAULT_ROOTS, type ProcRoots } from './roots.ts';

type Roots = Pick<ProcRoots, 'procRoot'>;

/** USER_HZ: the unit of starttime/utime/stime in /proc. 100 on every architecture Linux still ships. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Numeric entries of /proc (or /proc/PID/task). */
export function listPids(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(name));
  }
  return pids;
}

export function readPidStat(pid: number, roots: Roots = DEFAULT_ROOTS): PidStat | undefined {
  const text = readProcFile(`${roots.procRoot}/${pid}/stat`);
  return text === undefined ? undefined : parsePidStat(text);
}

/** A process's I/O counters (/proc/PID/io), undefined when unreadable (another user's, or gone). */
export function readPidIo(pid: number, roots: Roots = DEFAULT_ROOTS): PidIo | undefined {
  return parsePidIo(readProcFile(`${roots.procRoot}/${pid}/io`) ?? '');
}

export function readWchan(path: string): string | undefined {
  const text = readProcFile(path);
  if (text === undefined) return undefined;
  const value = text.trim();
  // Another user's process (or a running one) shows 0.
  return value === '' || value === '0' ? undefined : value;
}

/** True when a process with this pid and start time exists and is not a zombie. */
export function isSameProcessAlive(pid: number, starttime: number, roots: Roots = DEFAULT_ROOTS): boolean {
  const stat = readPidStat(pid, roots);
  return stat !== undefined && stat.starttime === starttime && stat.state !== 'Z' && stat.state !== 'X';
}

/** One look at a process: its worst thread state, where D threads wait, and its progress counters. */
export interface ProcessSample {
  pid: number;
  starttime: number;
  comm: string;
  /** D if any thread is in D, else R if any runs, else the main thread's state. */
  state: string;
  ppid: number;
  pgrp: number;
  /** The kernel function a D thread waits in (the first D thread's), else the main thread's. */
  wchan: string | undefined;
  /** Threads in D state with their wchan. */
  dThreads: Array<{ tid: number; wchan: string | undefined }>;
  threads: number;
  cpuTicks: number;
  ctxtSwitches: number;
  /** rchar+wchar+read_bytes+write_bytes, when /proc/PID/io is readable. */
  ioBytes: number | undefined;
  /** read_bytes and write_bytes of /proc/PID/io (storage I/O), when readable. */
  readBytes?: number | undefined;
  writeBytes?: number | undefined;
  rssPages: number;
}

const STATE_RANK: Record<string, number> = { D: 5, R: 4, S: 3, I: 2, T: 2, t: 2, Z: 1, X: 0 };

/** Sample a process across all its threads (the /proc/PID line shows the main thread only). */
export function sampleProcess(pid: number, roots: Roots = DEFAULT_ROOTS, known?: PidStat): ProcessSample | undefined {
  const stat = known ?? readPidStat(pid, roots);
  if (!stat) return undefined;
  const base = `${roots.procRoot}/${pid}`;
  let state = stat.state;
  let ctxt = 0;
  const dThreads: ProcessSample['dThreads'] = [];
  const tids = stat.threads > 1 ? listPids(`${base}/task`) : [pid];
  for (const tid of tids) {
    const tbase = tids.length === 1 ? base : `${base}/task/${tid}`;
    const tstat = tid === pid && tids.length === 1 ? stat : parsePidStat(readProcFile(`${tbase}/stat`) ?? '');
    if (!tstat) continue;
    if ((STATE_RANK[tstat.state] ?? 0) > (STATE_RANK[state] ?? 0)) state = tstat.state;
    if (tstat.state === 'D') dThreads.push({ tid, wchan: readWchan(`${tbase}/wchan`) });
    const sw = parseCtxtSwitches(readProcFile(`${tbase}/status`) ?? '');
    if (sw) ctxt += sw.voluntary + sw.nonvoluntary;
  }
  const io = readPidIo(pid, roots);
  return {
    pid,
    starttime: stat.starttime,
    comm: stat.comm,
    state,
    ppid: stat.ppid,
    pgrp: stat.pgrp,
    wchan: dThreads[0]?.wchan ?? readWchan(`${base}/wchan`),
    dThreads,
    threads: stat.threads,
    cpuTicks: stat.utime + stat.stime,
    ctxtSwitches: ctxt,
    ioBytes: io ? io.rchar + io.wchar + io.readBytes + io.writeBytes : undefined,
    readBytes: io?.readBytes,
    writeBytes: io?.writeBytes,
    rssPages: stat.rssPages,
  };
}

/** The counters whose change means "this process did something" (the hung-task detector's idea, widened). */
export function progressSignature(sample: ProcessSample): string {
  return `${sample.cpuTicks}/${sample.ctxtSwitches}/${sample.ioBytes ?? '-'}`;
}

/**
 * Live members of a process group, zombies excluded (they stay in the group until reaped but do
 * no work). Scans /proc once; `minStarttime` drops processes older than the job, which cannot be its.
 */
export function listGroupMembers(pgid: number, roots: Roots = DEFAULT_ROOTS, minStarttime = 0, index?: GroupIndex): PidStat[] {
  const candidates = index ? (index.get(pgid) ?? []) : scanProcesses(roots).filter((s) => s.pgrp === pgid);
  return candidates.filter((s) => s.state !== 'Z' && s.state !== 'X' && s.starttime >= minStarttime);
}

/** Every process's stat line, one pass over /proc. */
export function scanProcesses(roots: Roots = DEFAULT_ROOTS): PidStat[] {
  const all: PidStat[] = [];
  for (const pid of listPids(roots.procRoot)) {
    const stat = readPidStat(pid, roots);
    if (stat) all.push(stat);
  }
  return all;
}

/** Processes by process group, from one scan: lets status judge 1,000 jobs without 1,000 scans. */
export type GroupIndex = Map<number, PidStat[]>;

export function indexByGroup(stats: readonly PidStat[]): GroupIndex {
  const index: GroupIndex = new Map();
  for (const s of stats) {
    const list = index.get(s.pgrp);
    if (list) list.push(s);
    else index.set(s.pgrp, [s]);
  }
  return index;
}
