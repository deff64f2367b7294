import { normalizeSignal } from '../terminate/signal-group.ts';
import { formatDuration } from '../util/duration.ts';
import { terminateGroup, UNKILLABLE_WAIT_MS } from '../terminate/terminate-group.ts';
import { updateEvidence } from './evidence.ts';
import { liveJobProcesses } from './job-processes.ts';
import type { JudgeContext, PreviousRun } from './judge.ts';
import type { RunRecord } from './record.ts';

type Stuck = Extract<PreviousRun, { kind: 'stuck' }>;

/** What ending a recorded run needs of the lock's options (a subset of acquire's TakeLockOptions). */
export interface TerminateRecordedOptions {
  roots: JudgeContext['roots'];
  now: () => number;
}

export interface ReplaceOptions extends TerminateRecordedOptions {
  /** The grace between the previous run's TERM and KILL. */
  killAfterMs: number;
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/**
 * End a recorded run's process group from outside (TERM or its own kill signal, grace, KILL), the
 * same policy a live wrapper applies. A survivor of SIGKILL makes it stuck.
 */
export async function terminateRecorded(
  o: TerminateRecordedOptions,
  record: RunRecord,
  orphaned: boolean,
  policy: { signal: NodeJS.Signals; graceMs: number },
): Promise<{ kind: 'done' } | { kind: 'stuck'; previous: Stuck }> {
  if (!record.job || record.job.pgid === null) return { kind: 'done' };
  const result = await terminateGroup({
    pgid: record.job.pgid,
    members: () => liveJobProcesses(record, o.roots),
    signal: policy.signal,
    graceMs: policy.graceMs,
    unkillableWaitMs: UNKILLABLE_WAIT_MS,
    roots: o.roots,
  });
  const evidence = updateEvidence(record.evidence, result.survivors, o.now());
  const culprit = evidence[0];
  if (!culprit) return { kind: 'done' };
  return { kind: 'stuck', previous: { kind: 'stuck', record, orphaned, culprit, survivedKill: true, processes: result.survivors, evidence } };
}

/**
 * `--on-busy replace`: end the previous run's process group (TERM, grace, KILL). Its wrapper, if
 * alive, then sees its job die, sweeps and releases the lock. A survivor of SIGKILL makes it stuck.
 */
export async function replacePrevious(o: ReplaceOptions, previous: PreviousRun): Promise<{ kind: 'done' } | { kind: 'stuck'; previous: Stuck }> {
  if (previous.kind !== 'running' || !previous.record?.job || previous.record.job.pgid === null) return { kind: 'done' };
  o.onEvent?.('replacing', { holder: previous.record.wrapper, holderJob: previous.record.job, orphaned: previous.orphaned });
  return terminateRecorded(o, previous.record, previous.orphaned, { signal: 'SIGTERM', graceMs: o.killAfterMs });
}

/** The kill signal and grace an overdue orphan's own run would have used. */
export function recordedPolicy(record: RunRecord, fallbackKillAfterMs: number): { signal: NodeJS.Signals; graceMs: number } {
  return { signal: normalizeSignal(record.killSignal ?? 'SIGTERM') ?? 'SIGTERM', graceMs: record.killAfterMs ?? fallbackKillAfterMs };
}

/** What an overdue orphan's ending says on stderr. */
export function overdueLine(name: string, record: RunRecord, policy: { signal: NodeJS.Signals }, now: number): string {
  const late = formatDuration(Math.max(0, now - (record.deadline ?? 0)));
  return `ioguard: job "${name}": orphaned run (job pid ${record.job?.pid}, its wrapper ${record.wrapper.pid} gone) is ${late} past its deadline; sending ${policy.signal} to process group ${record.job?.pgid}`;
}
