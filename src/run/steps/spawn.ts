import type { JobStdio } from '../../output/output-mode.ts';
import { readPidStat } from '../../proc/processes.ts';
import { skippedByInterrupt, type RunContext } from '../context.ts';
import { held, type RunState, type Step } from '../run-state.ts';
import { quoteCommand, spawnFailure, spawnJob, type SpawnedJob } from '../spawn-job.ts';
import { closeLatch, latchedArgv, resolveCommand } from '../start-latch.ts';

/**
 * Start the command in its own process group behind the start latch and record its identity
 * before it may run a line of its own. A command that cannot start fills the result (127, 126)
 * and stops the run. The exit closes the latch of a job that never got "go": its shell exits 125.
 * With --output on-failure or a ping's output tail the job's stdout/stderr are pipes through
 * ioguard (src/output); the exit prints the held output of a run that did not complete, and
 * removes the spill files on every path.
 */
export const spawnStep: Step = {
  name: 'spawn',
  async enter(state) {
    const { ctx, result } = state;
    const { o } = ctx;
    const { lock, record } = held(state);
    const startedAt = ctx.now();
    const env = state.lease ? { ...(o.env ?? process.env), IOGUARD_FENCING_TOKEN: state.lease.token } : o.env;
    state.output = await openOutput(ctx);
    const spawned = await startLatched([...state.prefix, ...ctx.argv], ctx.argv, { cwd: o.cwd, env, stdio: state.output?.stdio });
    state.output?.attach(spawned.stdout, spawned.stderr);
    if (spawned.pid === undefined) {
      const exit = await spawned.exited;
      result.outcome = 'failed';
      result.exitCode = exit.status;
      result.errorCode = exit.spawnError;
      result.reason = exit.spawnReason ?? `cannot start ${ctx.argv[0]}`;
      ctx.report(`ioguard: ${result.reason}`, 'alert');
      ctx.log.log('error', 'finished', result.reason, { exitCode: result.exitCode, errorCode: exit.spawnError });
      return 'stop';
    }
    const pid = spawned.pid;
    const leaderStart = readPidStat(pid, ctx.roots)?.starttime ?? 0;
    state.job = { spawned, pid, leaderStart, startedAt, released: false };
    record.job = { pid, starttime: leaderStart, pgid: pid };
    record.phase = 'running';
    record.command = spawned.command;
    record.startedAt = startedAt;
    record.deadline = o.timeoutMs === undefined ? null : startedAt + o.timeoutMs;
    // A signal that arrived during the gate's look or execa's import: the command never runs a line.
    if (skippedByInterrupt(ctx, result)) return 'stop';
    // The job waits at the latch until its identity is on disk: a run we cannot record never begins.
    lock.write(record);
    return 'proceed';
  },
  async exit(state, ending) {
    const job = state.job;
    if (job && !job.released) {
      closeLatch(job.spawned.latch);
      await job.spawned.exited;
    }
    await closeOutput(state, ending.kind === 'threw' || state.result.outcome !== 'completed');
  },
};

/** Pipes for the job's output only when ioguard must see it; loaded only then. */
async function openOutput(ctx: RunContext): Promise<RunState['output']> {
  const tailMax = ctx.o.ping?.bodyMax ?? 0;
  if (ctx.o.output !== 'on-failure' && tailMax === 0) return undefined;
  const { JobOutput } = await import('../../output/job-output.ts');
  return new JobOutput({ mode: ctx.o.output, tailMax });
}

/** chronic's rule: the held output is printed only if the run failed, timed out or was killed; the spill files go either way. */
async function closeOutput(state: RunState, failed: boolean): Promise<void> {
  const output = state.output;
  if (!output) return;
  if (!state.job?.released) return output.dispose();
  try {
    await output.finish(failed);
  } catch (error) {
    state.ctx.log.log('warn', 'output-failed', `could not pass on the job's output: ${(error as Error)?.message ?? String(error)}`, { error: String(error) });
  }
}

/** Start the command behind the start latch, or say at once why it cannot start (127, 126). */
async function startLatched(
  argv: string[],
  shown: readonly string[],
  o: { cwd: string | undefined; env: NodeJS.ProcessEnv | undefined; stdio: JobStdio | undefined },
): Promise<SpawnedJob> {
  const command = shown[0] as string;
  const found = resolveCommand(command, o);
  if (found.ok === false) {
    const exited = Promise.resolve(spawnFailure(found.code, '', command, o.cwd));
    return { pid: undefined, command: quoteCommand(shown), exited, unref: () => {} };
  }
  return spawnJob(latchedArgv(argv, found.ok === true ? found.path : undefined, o.env ?? process.env), { ...o, latchPipe: true, shown });
}
