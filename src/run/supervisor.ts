import { madeProgress, findStuck, updateEvidence } from '../lock/evidence.ts';
import type { HeldLock } from '../lock/held-lock.ts';
import type { RunRecord } from '../lock/record.ts';
import { listGroupMembers, sampleProcess, type ProcessSample } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import type { DecisionLog } from '../log/decision-log.ts';
import type { NormalizedGovern } from '../govern/govern-options.ts';
import { Governor } from '../govern/governor.ts';
import type { Lever } from '../govern/lever.ts';
import { formatDuration } from '../util/duration.ts';
import { JobUsage } from '../proc/job-usage.ts';
import { PACE_WINDOW_MS } from '../govern/pace.ts';

export interface SupervisorOptions {
  lock: HeldLock;
  record: RunRecord;
  pgid: number;
  leaderStarttime: number;
  intervalMs: number;
  stuckAfterMs: number;
  roots: ProcRoots;
  now: () => number;
  /** The governor (pause the group under sustained pressure); off when absent or disabled. */
  govern?: NormalizedGovern;
  /** How the governor holds the job back (src/govern/open-lever.ts); SIGSTOP of the group when absent. */
  lever?: Lever;
  log?: DecisionLog;
  /** Does the backlog bound hold the job (BacklogPacer.holdsJob)? Then the governor leaves the pacing to it. */
  boundHolds?: () => boolean;
  /** The filesystems (st_dev) the job writes: the governor holds a bound job only for a neighbour's sync on one of them. */
  jobFilesystems?: () => ReadonlySet<number>;
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
  readonly governor: Governor | undefined;
  /** CPU, peak RSS and I/O bytes of the run (for its history line). */
  readonly usage: JobUsage;

  constructor(o: SupervisorOptions) {
    this.o = o;
    this.usage = new JobUsage(o.roots);
    if (o.govern?.enabled) {
      const { record, lock, log } = o;
      record.pausedSpans = [];
      const governor: Governor = new Governor({
        pgid: o.pgid,
        ...(o.lever ? { lever: o.lever } : {}),
        o: o.govern,
        roots: o.roots,
        now: o.now,
        ...(o.boundHolds ? { boundHolds: o.boundHolds } : {}),
        ...(o.jobFilesystems ? { jobFilesystems: o.jobFilesystems } : {}),
        onLeftToBound: (signals) => {
          log?.log('info', 'pause-left-to-bound', `not paused: the backlog bound holds every write of the job (${signals.join(', ')})`, { signals });
        },
        onPause: (p) => {
          record.hold = { kind: 'paused', since: p.since, giveUpAt: null, signals: p.signals, lever: governor.lever.kind };
          record.updatedAt = p.since;
          // The job runs: a failing record write is reported, never thrown out of the governor's timer.
          lock.update(record, o.onRecordProblem);
          log?.log('info', 'paused', `paused for pressure (${governor.lever.describe()}, at most ${formatDuration(o.govern?.maxPauseMs ?? 0)}): ${p.signals.join(', ')}`, { signals: p.signals, maxPauseMs: o.govern?.maxPauseMs, lever: governor.lever.kind });
        },
        onResume: (r) => {
          const t = o.now();
          record.hold = null;
          record.updatedAt = t;
          // Only the last minute: status shows the share of it the job ran.
          record.pausedSpans = [...(record.pausedSpans ?? []).filter(([, to]) => to > t - PACE_WINDOW_MS), [t - r.pausedMs, t]];
          lock.update(record, o.onRecordProblem);
          log?.log('info', 'resumed', `resumed after ${formatDuration(r.pausedMs)} (${r.reason}): ${r.signals.join(', ')}`, { pausedMs: r.pausedMs, reason: r.reason, signals: r.signals });
        },
      });
      this.governor = governor;
    }
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.o.intervalMs);
    this.governor?.start();
  }

  /** Let a paused job go before it is signalled: a stopped process runs no TERM handler. */
  releasePause(): void {
    this.governor?.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.governor?.stop();
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
    // Frozen by its own governor, the job shows D without progress: that is the pause, not a hang.
    const stuck = record.hold?.kind === 'paused' ? undefined : findStuck(evidence, t, this.o.stuckAfterMs);
    if (stuck && !this.reportedStuck) {
      this.reportedStuck = true;
      this.o.onStuck?.(stuck);
    }
  }
}
