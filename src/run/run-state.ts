import { IoguardError } from '../errors/ioguard-error.ts';
import type { FleetLease } from '../fleet/fleet-lease.ts';
import type { BacklogPacer } from '../govern/backlog-pacer.ts';
import type { Lever } from '../govern/lever.ts';
import type { LockOutcome } from '../lock/acquire.ts';
import type { HeldLock } from '../lock/held-lock.ts';
import type { RunRecord } from '../lock/record.ts';
import type { JobOutput } from '../output/job-output.ts';
import type { RunPinger } from '../ping/run-pinger.ts';
import type { RunContext } from './context.ts';
import { runPipeline, type RunStep } from './pipeline.ts';
import type { RunResult } from './result.ts';
import type { SpawnedJob } from './spawn-job.ts';

/** The started command, as the steps after spawn see it. */
export interface RunningJob {
  spawned: SpawnedJob;
  pid: number;
  /** The leader's start time (/proc), which tells it from a later process with the same pid. */
  leaderStart: number;
  startedAt: number;
  /** The start latch said "go": from here on the job runs its own code. */
  released: boolean;
}

/** What the steps of one run share beside the context: each field is set by the step that makes it. */
export interface RunState<R extends RunResult = RunResult> {
  readonly ctx: RunContext;
  /** Filled by the steps as they go; the run's answer. */
  readonly result: R;
  /** The lock's answer (lock step), which the record step files with the result. */
  lockOutcome: LockOutcome | undefined;
  lock: HeldLock | undefined;
  record: RunRecord | undefined;
  /** Processes survived SIGKILL: the record stays and says stuck (supervise step). */
  keepRecord: boolean;
  lease: FleetLease | undefined;
  /** Time spent waiting for a --slot, taken off the gate's --defer-max. */
  slotWaitedMs: number;
  /** The pressure gate's verdict for a job that may start. */
  gate: { throttled: boolean; devices: string[] | undefined } | undefined;
  /** ionice/nice in front of the command (priority step). */
  prefix: string[];
  lever: Lever | undefined;
  /** The backlog bound of this run (backlog bound step); supervise lets it watch the running job. */
  backlogPacer: BacklogPacer | undefined;
  job: RunningJob | undefined;
  /** --ping: the invocation's pings (ping step); /start goes when the job is let go. */
  pinger: RunPinger | undefined;
  /** The job's stdout/stderr through ioguard, with --output on-failure or a ping's output tail (spawn step). */
  output: JobOutput | undefined;
  /** --jitter: the delay waited before the lock (jitter step), for the history line. */
  jitterMs: number | undefined;
  /** --jitter: the file that shows the wait in status, removed when the step exits. */
  jitterFile: string | undefined;
  /** The starvation line when this run's skip passed --starve-after (noteStarved), for the ping. */
  starved: string | undefined;
}

/** A step of any run, command or function. */
export type Step = RunStep<RunState>;

/** The lock and its record, for the steps after the lock step. */
export function held(state: RunState): { lock: HeldLock; record: RunRecord } {
  if (!state.lock || !state.record) throw new IoguardError('ERR_INTERNAL', 'a run step that needs the lock runs before the lock step');
  return { lock: state.lock, record: state.record };
}

/** The started job, for the steps after the spawn step. */
export function running(state: RunState): RunningJob {
  if (!state.job) throw new IoguardError('ERR_INTERNAL', 'a run step that needs the job runs before the spawn step');
  return state.job;
}

/** Run `steps` over a fresh state for `ctx`, close the context whatever happens, and give the result. */
export async function runSteps<R extends RunResult>(ctx: RunContext, result: R, steps: readonly RunStep<RunState<R>>[]): Promise<R> {
  const state: RunState<R> = {
    ctx,
    result,
    lockOutcome: undefined,
    lock: undefined,
    record: undefined,
    keepRecord: false,
    lease: undefined,
    slotWaitedMs: 0,
    gate: undefined,
    prefix: [],
    lever: undefined,
    backlogPacer: undefined,
    job: undefined,
    pinger: undefined,
    output: undefined,
    jitterMs: undefined,
    jitterFile: undefined,
    starved: undefined,
  };
  try {
    await runPipeline(state, steps);
  } finally {
    ctx.close();
  }
  return state.result;
}
