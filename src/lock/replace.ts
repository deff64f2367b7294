import { terminateGroup, UNKILLABLE_WAIT_MS } from '../terminate/terminate-group.ts';
import { updateEvidence } from './evidence.ts';
import type { TakeLockOptions } from './acquire.ts';
import { liveJobProcesses } from './job-processes.ts';
import type { PreviousRun } from './judge.ts';

/**
 * `--on-busy replace`: end the previous run's process group (TERM, grace, KILL). Its wrapper, if
 * alive, then sees its job die, sweeps and releases the lock. A survivor of SIGKILL makes it stuck.
 */
export async function replacePrevious(
  o: TakeLockOptions,
  previous: PreviousRun,
): Promise<{ kind: 'done' } | { kind: 'stuck'; previous: Extract<PreviousRun, { kind: 'stuck' }> }> {
  if (previous.kind !== 'running' || !previous.record?.job || previous.record.job.pgid === null) return { kind: 'done' };
  const record = previous.record;
  const pgid = previous.record.job.pgid;
  o.onEvent?.('replacing', { holder: record.wrapper, holderJob: record.job, orphaned: previous.orphaned });
  const result = await terminateGroup({
    pgid,
    members: () => liveJobProcesses(record, o.roots),
    signal: 'SIGTERM',
    graceMs: o.killAfterMs,
    unkillableWaitMs: UNKILLABLE_WAIT_MS,
    roots: o.roots,
  });
  const evidence = updateEvidence(record.evidence, result.survivors, o.now());
  const culprit = evidence[0];
  if (!culprit) return { kind: 'done' };
  return { kind: 'stuck', previous: { kind: 'stuck', record, orphaned: previous.orphaned, culprit, survivedKill: true, processes: result.survivors, evidence } };
}
