import { waitsOnIo } from '../probe/wchan-meanings.ts';
import { listDStateTasks } from '../proc/d-state-tasks.ts';
import { parsePidStat } from '../proc/parse-pid-stat.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';

/**
 * User processes outside the job's process group waiting in D state right now: the governor acts
 * when someone other than the job suffers. The job's own waits (it is the writer), kernel
 * threads (flusher, journal: they work for everyone, the job included) and D states that wait on
 * no I/O (another job frozen by its governor, a vfork parent) do not count.
 */
export function othersWaiting(pgid: number, roots: Pick<ProcRoots, 'procRoot'>): Array<{ pid: number; comm: string; wchan: string | undefined }> {
  const out: Array<{ pid: number; comm: string; wchan: string | undefined }> = [];
  for (const t of listDStateTasks(roots)) {
    if (!waitsOnIo(t.wchan)) continue;
    const stat = parsePidStat(readProcFile(`${roots.procRoot}/${t.pid}/stat`) ?? '');
    if (!stat || stat.pgrp === pgid || stat.ppid === 2 || stat.pid === 2) continue;
    out.push({ pid: t.pid, comm: t.comm, wchan: t.wchan });
  }
  return out;
}
