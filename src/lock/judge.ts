import { isSameProcessAlive, type GroupIndex, type ProcessSample } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { findStuck, updateEvidence } from './evidence.ts';
import { liveJobProcesses } from './job-processes.ts';
import type { ProcessEvidence, RecordRead, RunRecord } from './record.ts';

/** What became of the run before this one. */
export type PreviousRun =
  | { kind: 'none' }
  | { kind: 'stale'; reason: string; record: RunRecord | null; excerpt?: string }
  | { kind: 'running'; record: RunRecord | null; orphaned: boolean; processes: ProcessSample[]; evidence: ProcessEvidence[] }
  | {
      kind: 'stuck';
      record: RunRecord;
      orphaned: boolean;
      /** The process that shows it: D state without progress, or alive after SIGKILL. */
      culprit: ProcessEvidence;
      survivedKill: boolean;
      processes: ProcessSample[];
      evidence: ProcessEvidence[];
    };

export interface JudgeContext {
  /** True when another process holds the flock: a live wrapper (or waiter-turned-holder) owns the job. */
  lockHeldByOther: boolean;
  bootId: string;
  now: number;
  stuckAfterMs: number;
  roots: Pick<ProcRoots, 'procRoot'>;
  /** A prepared scan of /proc by process group, when judging many jobs at once. */
  groups?: GroupIndex;
}

/**
 * Judge the previous run by pid + start time + boot id, never by a pid alone. The flock says
 * whether a wrapper lives; the record says which processes were the job, so an orphaned job
 * (wrapper SIGKILLed, job alive) still counts as running.
 */
export function judgePrevious(read: RecordRead, ctx: JudgeContext): PreviousRun {
  if (read.kind !== 'ok') {
    // A live holder may be between taking the lock and writing its record.
    if (ctx.lockHeldByOther) return { kind: 'running', record: null, orphaned: false, processes: [], evidence: [] };
    if (read.kind === 'missing') return { kind: 'none' };
    return { kind: 'stale', reason: `record unreadable: ${read.problem}`, record: null, excerpt: read.excerpt };
  }
  const record = read.record;
  if (record.bootId !== ctx.bootId) {
    if (ctx.lockHeldByOther) return { kind: 'running', record: null, orphaned: false, processes: [], evidence: [] };
    return { kind: 'stale', reason: 'record is from a previous boot', record };
  }
  const processes = liveJobProcesses(record, ctx.roots, ctx.groups);
  const evidence = updateEvidence(record.evidence, processes, ctx.now);
  const orphaned = !ctx.lockHeldByOther;
  const survivor = evidence.find((e) => record.survivors.some((s) => s.pid === e.pid && s.starttime === e.starttime));
  if (survivor) return { kind: 'stuck', record, orphaned, culprit: survivor, survivedKill: true, processes, evidence };
  // A run whose live wrapper pauses it (the freezer shows its tasks in D, unchanged) is paused, not stuck.
  const pausedByItsGovernor = ctx.lockHeldByOther && record.hold?.kind === 'paused';
  const stuck = pausedByItsGovernor ? undefined : findStuck(evidence, ctx.now, ctx.stuckAfterMs);
  if (stuck) return { kind: 'stuck', record, orphaned, culprit: stuck, survivedKill: false, processes, evidence };
  if (ctx.lockHeldByOther) return { kind: 'running', record, orphaned: false, processes, evidence };
  if (processes.length > 0 || isSameProcessAlive(record.wrapper.pid, record.wrapper.starttime, ctx.roots)) {
    return { kind: 'running', record, orphaned: true, processes, evidence };
  }
  return { kind: 'stale', reason: 'no process of it is alive', record };
}

/**
 * An orphan (no wrapper) still running past its deadline plus the grace its wrapper would have
 * given before SIGKILL: nobody is left to end it, so the next start does.
 */
export function isOrphanPastDeadline(previous: PreviousRun, now: number, fallbackKillAfterMs: number): boolean {
  if (previous.kind !== 'running' || !previous.orphaned || !previous.record?.job || previous.record.deadline === null) return false;
  return now > previous.record.deadline + (previous.record.killAfterMs ?? fallbackKillAfterMs);
}
