import { EXIT } from '../../errors/exit-codes.ts';
import type { JobTermination } from '../../terminate/job-termination.ts';
import { formatDuration } from '../../util/duration.ts';
import { held, running, type RunState } from '../run-state.ts';
import type { JobExit } from '../spawn-job.ts';
import type { Supervisor } from '../supervisor.ts';

export interface JobEnd {
  /** The leader's exit; undefined when it survived SIGKILL. */
  exit: JobExit | undefined;
  termination: JobTermination;
  supervisor: Supervisor;
  /** "after 5s" or "by SIGALRM after 3s" when the job timed out. */
  timedOutAfter: string;
  /** Why the fleet lock was lost for good when --fleet-lost terminate ended the job; '' otherwise. */
  fleetLostLine: string;
  recordProblem: (message: string) => void;
}

/**
 * How the job ended, into the result: its status, signal and duration; 124 when it timed out;
 * survivors of SIGKILL keep the record (phase stuck, later runs exit 76) and each gets a line.
 */
export function endJob(state: RunState, end: JobEnd): void {
  const { ctx, result } = state;
  const { now } = ctx;
  const { lock, record } = held(state);
  const { exit, termination, supervisor } = end;
  result.durationMs = now() - running(state).startedAt;
  result.timedOut = termination.timedOut;
  result.isForcefullyTerminated = termination.forced;
  result.jobExitCode = exit?.exitCode ?? null;
  result.signal = exit?.signal ?? null;
  result.isTerminated = result.signal !== null || !exit;
  result.survivors = termination.survivors.map((s) => ({
    pid: s.pid,
    comm: s.comm,
    state: s.state,
    wchan: s.wchan ?? null,
  }));
  if (termination.timedOut) {
    result.outcome = 'timed-out';
    result.exitCode = EXIT.timedOut;
    result.reason = `timed out ${end.timedOutAfter}`;
  } else if (end.fleetLostLine) {
    result.outcome = 'failed';
    result.exitCode = EXIT.fleetLost;
    result.reason = end.fleetLostLine;
  } else {
    result.exitCode = exit ? exit.status : EXIT.stuck;
    result.outcome = exit && exit.status === 0 ? 'completed' : 'failed';
  }
  if (termination.survivors.length > 0) {
    state.keepRecord = true;
    record.phase = 'stuck';
    record.survivors = supervisor.evidenceFor(termination.survivors);
    record.updatedAt = now();
    lock.update(record, end.recordProblem);
    for (const s of result.survivors) {
      const how =
        `survived SIGKILL in state ${s.state}, wchan ${s.wchan ?? '-'}; ` +
        `recorded as stuck, later runs exit ${EXIT.stuck} until it is gone`;
      ctx.report(`ioguard: job "${ctx.name}": pid ${s.pid} (${s.comm}) ${how}`, 'alert');
    }
    ctx.log.log('error', 'survivors', 'processes survived SIGKILL; the job is recorded as stuck', { survivors: result.survivors });
  }
  ctx.log.log(result.timedOut ? 'warn' : 'info', 'finished', `finished: ${result.outcome}`, {
    outcome: result.outcome,
    exitCode: result.exitCode,
    jobExitCode: result.jobExitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    forced: result.isForcefullyTerminated,
  });
  const took = formatDuration(result.durationMs);
  ctx.report(`ioguard: job "${ctx.name}" finished: ${result.outcome}, exit ${result.exitCode}, ${took}`, 'info');
}
