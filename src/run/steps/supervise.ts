import { listGroupMembers } from '../../proc/processes.ts';
import { JobTermination } from '../../terminate/job-termination.ts';
import { signalGroup } from '../../terminate/signal-group.ts';
import { formatDuration } from '../../util/duration.ts';
import { setLongTimeout } from '../../util/long-timeout.ts';
import type { RunContext } from '../context.ts';
import type { StepResult } from '../pipeline.ts';
import { held, running, type RunState, type Step } from '../run-state.ts';
import { openLatch } from '../start-latch.ts';
import { Supervisor } from '../supervisor.ts';
import { endJob } from './job-ending.ts';

/**
 * Let the job go and watch it to its end: the supervisor samples it (and runs the governor),
 * signals sent to the wrapper go to its group, the deadline times it out, and what is left of
 * its group after the leader exits is swept. Then the result says how it ended (job-ending.ts).
 */
export const superviseStep: Step = {
  name: 'supervise',
  async enter(state): Promise<StepResult> {
    const { ctx } = state;
    const { o, now } = ctx;
    const { lock, record } = held(state);
    const job = running(state);
    const { pid, leaderStart } = job;
    openLatch(job.spawned.latch);
    job.released = true;
    const pacer = state.backlogPacer;
    // --ping: /start once the job runs its own code, sent beside it, never in its way.
    state.pinger?.start();
    const recordProblem = (message: string): void => {
      ctx.report(`ioguard: job "${ctx.name}": ${message}`, 'alert');
      ctx.log.log('warn', 'record-failed', message, {});
    };
    const supervisor = new Supervisor({
      lock,
      record,
      pgid: pid,
      leaderStarttime: leaderStart,
      intervalMs: o.sampleIntervalMs ?? Math.max(200, Math.min(5000, Math.floor(o.stuckAfterMs / 5))),
      stuckAfterMs: o.stuckAfterMs,
      roots: ctx.roots,
      now,
      govern: o.govern,
      ...(state.lever ? { lever: state.lever } : {}),
      // The governor leaves the pacing to the bound while it holds the job (BacklogPacer.holdsJob).
      ...(pacer ? { boundHolds: () => pacer.holdsJob(), jobFilesystems: () => pacer.writtenFilesystems() } : {}),
      log: ctx.log,
      onStuck: (c) => {
        ctx.log.log('warn', 'stuck', `pid ${c.pid} (${c.comm}) in D without progress, wchan ${c.wchan ?? '-'}`, { culprit: c });
      },
      onRecordProblem: recordProblem,
    });
    supervisor.start();
    pacer?.watch(pid, leaderStart, () => supervisor.usage.ioTotals());
    state.lease?.touch();
    const { command } = job.spawned;
    ctx.log.log('info', 'started', `started ${command}`, { jobPid: pid, argv: ctx.argv, command, timeoutMs: o.timeoutMs ?? null });
    const termination = newTermination(ctx, pid, leaderStart);
    const ends = watchEnds(state, supervisor, termination);
    const exit = await Promise.race([job.spawned.exited, termination.leaderSurvived.then(() => undefined)]);
    ends.jobEnded();
    supervisor.stop();
    const usage = supervisor.usage.finish();
    state.result.usage = supervisor.governor ? { ...usage, pausedMs: supervisor.governor.pausedMs } : usage;
    // kill(-pgid, 0) fails when nothing (not even a zombie) is left: the common case skips the /proc scan.
    if (exit && !termination.active && signalGroup(pid, 0) && listGroupMembers(pid, ctx.roots, leaderStart).length > 0) {
      ctx.log.log('info', 'swept', 'the leader exited; ending what is left of its process group', {});
      await termination.sweep();
    }
    await termination.done;
    if (!exit) job.spawned.unref();
    endJob(state, { exit, termination, supervisor, timedOutAfter: ends.timedOutAfter(), fleetLostLine: ends.fleetLostLine(), recordProblem });
    return 'proceed';
  },
};

/** The group's termination: --kill-signal, then SIGKILL after --kill-after, with one line when it escalates. */
function newTermination(ctx: RunContext, pid: number, leaderStart: number): JobTermination {
  const { o } = ctx;
  return new JobTermination({
    pgid: pid,
    leaderPid: pid,
    members: () => listGroupMembers(pid, ctx.roots, leaderStart),
    killSignal: o.killSignal,
    killAfterMs: o.killAfterMs,
    roots: ctx.roots,
    onEscalate: (left, after) => {
      const grace = formatDuration(o.killAfterMs);
      const line = `ioguard: job "${ctx.name}": ${left} process(es) still alive ${grace} after ${after}; sending SIGKILL`;
      ctx.report(line, 'alert');
      ctx.log.log('warn', 'escalated', line.slice(9), { remaining: left, after });
    },
  });
}

/**
 * What ends the job from outside: signals to the wrapper go to the job's group (TERM/INT/HUP/QUIT
 * end it, USR1/USR2 pass), the deadline or a SIGALRM times it out, and with --fleet-lost terminate
 * a fleet lock gone for good ends it (exit 76). Call jobEnded() once the job has exited.
 */
function watchEnds(
  state: RunState,
  supervisor: Supervisor,
  termination: JobTermination,
): { jobEnded: () => void; timedOutAfter: () => string; fleetLostLine: () => string } {
  const { ctx } = state;
  const { o, now } = ctx;
  const { record } = held(state);
  const { pid, startedAt } = running(state);
  let timedOutAfter = '';
  let jobEnded = false;
  const timeOut = (cause: 'deadline' | 'SIGALRM'): void => {
    // Once the job has exited, a late SIGALRM must not turn its status into a timeout; and a
    // forwarded TERM/QUIT already ending the job keeps its own status.
    if (termination.timedOut || jobEnded || termination.active) return;
    timedOutAfter =
      cause === 'deadline' ? `after ${formatDuration(o.timeoutMs as number)}` : `by SIGALRM after ${formatDuration(now() - startedAt)}`;
    record.phase = 'terminating';
    supervisor.releasePause();
    const line = `ioguard: job "${ctx.name}" timed out ${timedOutAfter}; sending ${o.killSignal} to process group ${pid}`;
    ctx.report(line, 'alert');
    ctx.log.log('warn', 'timed-out', line.slice(9), { timeoutMs: o.timeoutMs ?? null, signal: o.killSignal, cause });
    void termination.timeout();
  };
  ctx.interrupts.forwardTo(
    (signal) => {
      ctx.log.log('info', 'signal-forwarded', `forwarded ${signal} to process group ${pid}`, { signal });
      record.phase = 'terminating';
      supervisor.releasePause();
      termination.forward(signal);
    },
    (signal) => {
      ctx.log.log('info', 'signal-forwarded', `passed ${signal} to process group ${pid}`, { signal });
      signalGroup(pid, signal);
    },
    () => timeOut('SIGALRM'),
  );
  const timer = o.timeoutMs === undefined ? undefined : setLongTimeout(() => timeOut('deadline'), o.timeoutMs);
  // --fleet-lost terminate (src/fleet/fleet-lease.ts): the fleet lock is gone for good; end the group, exit 76.
  let fleetLostLine = '';
  state.lease?.onLostForGood((line) => {
    if (jobEnded || termination.active) return;
    fleetLostLine = line;
    record.phase = 'terminating';
    supervisor.releasePause();
    ctx.report(`ioguard: job "${ctx.name}": ${line}`, 'alert');
    ctx.log.log('error', 'fleet-lost-terminated', line, { signal: o.killSignal, killAfterMs: o.killAfterMs });
    void termination.end();
  });
  return {
    jobEnded: () => {
      jobEnded = true;
      timer?.clear();
    },
    timedOutAfter: () => timedOutAfter,
    fleetLostLine: () => fleetLostLine,
  };
}
