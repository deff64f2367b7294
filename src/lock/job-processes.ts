import { isSameProcessAlive, listGroupMembers, readPidStat, sampleProcess, type GroupIndex, type ProcessSample } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import type { RunRecord } from './record.ts';

/**
 * The live processes of a recorded run: its process group (members no older than the leader),
 * plus any survivor named in the record. A process whose pid equals the pgid but with another
 * start time proves the group id was freed and reused: then nothing in that group is ours.
 */
export function liveJobProcesses(record: RunRecord, roots: Pick<ProcRoots, 'procRoot'>, index?: GroupIndex): ProcessSample[] {
  const found = new Map<number, ProcessSample>();
  const job = record.job;
  if (job && job.pgid === null) {
    if (isSameProcessAlive(job.pid, job.starttime, roots)) add(found, job.pid, roots);
  } else if (job && job.pgid !== null) {
    const holder = readPidStat(job.pgid, roots);
    const reused = holder !== undefined && job.pgid === job.pid && holder.starttime !== job.starttime;
    if (!reused) for (const stat of listGroupMembers(job.pgid, roots, job.starttime, index)) add(found, stat.pid, roots, stat);
  }
  for (const s of record.survivors) {
    if (!found.has(s.pid) && isSameProcessAlive(s.pid, s.starttime, roots)) add(found, s.pid, roots);
  }
  return [...found.values()];
}

function add(found: Map<number, ProcessSample>, pid: number, roots: Pick<ProcRoots, 'procRoot'>, stat?: Parameters<typeof sampleProcess>[2]): void {
  const sample = sampleProcess(pid, roots, stat);
  if (sample && sample.state !== 'Z') found.set(pid, sample);
}
