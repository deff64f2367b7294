import { madeProgress, findStuck, updateEvidence } from '../lock/evidence.ts';
import type { HeldLock } from '../lock/held-lock.ts';
import type { RunRecord } from '../lock/record.ts';
import { listGroupMembers, sampleProcess, type ProcessSample } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { JobUsage } from '../history/job-usage.ts';

export interface SupervisorOptions {
  lock: HeldLock;
  record: RunRecord;
  pgid: number;
  leaderStarttime: number;
  intervalMs: number;
  stuckAfterMs: number;
  roots: Pick<ProcRoots, 'procRoot'>;
  now: () => number;
  /** Called once when a process of the job first passes stuckAfter in D without progress. */
  onStuck?: (culprit: RunRecord['evidence'][number]) => void;
  /** A record write failed (folder full or removed): said once per new problem; supervision goes on. */
  onRecordProblem?: (message: string) => void;
}

/** The job's live group members, sampled (zombies and older processes excluded). */
export function sampleGroup(pgid: number, leaderStarttime: number, roots: Pick<ProcRoots, 'procRoot'>): ProcessSample[] {
  return listGroupMembers(pgid, roots, leaderStarttime)
    .map((stat) => sampleProcess(stat.pid, roots, stat))
    .filter((s): s is ProcessSample => s !== undefined);
}

/**
 * Samples the job's processes on an interval and keeps the evidence (state, wchan, counters,
 * unchanged-since) in the record, so that another invocation can tell "slow but moving" from
 * "not moving at all" at once, without sampling for minutes itself.
 */
export class Supervisor {
  private timer: NodeJS.Timeout | undefined;
  private reportedStuck = false;
  readonly o: SupervisorOptions;
  /** CPU, peak RSS and I/O bytes of the run (for its history line). */
  readonly usage: JobUsage;

  constructor(o: SupervisorOptions) {
    this.o = o;
    this.usage = new JobUsage(o.roots);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.o.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Evidence for processes that outlived SIGKILL, keeping what the samples already knew. */
  evidenceFor(samples: readonly ProcessSample[]): RunRecord['evidence'] {
    return updateEvidence(this.o.record.evidence, samples, this.o.now());
  }

  sample(): void {
    try {
      this.sampleOnce();
    } catch (error) {
      // Sampling is evidence for later ticks; it must never take the timeout or the sweep down.
      this.o.onRecordProblem?.(`sampling failed: ${(error as Error).message}`);
    }
  }

  private sampleOnce(): void {
    const { record, now } = this.o;
    const t = now();
    const samples = sampleGroup(this.o.pgid, this.o.leaderStarttime, this.o.roots);
    this.usage.add(samples);
    const evidence = updateEvidence(record.evidence, samples, t);
    if (madeProgress(record.evidence, evidence)) record.lastProgressAt = t;
    record.evidence = evidence;
    record.updatedAt = t;
    this.o.lock.update(record, this.o.onRecordProblem);
    const stuck = findStuck(evidence, t, this.o.stuckAfterMs);
    if (stuck && !this.reportedStuck) {
      this.reportedStuck = true;
      this.o.onStuck?.(stuck);
    }
  }
}
