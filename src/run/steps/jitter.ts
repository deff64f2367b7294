import { readdirSync, unlinkSync } from 'node:fs';
import { deadJitterWaits, jitterWaitPath, type JitterWait } from '../../jitter/jitter-wait.ts';
import { formatDuration } from '../../util/duration.ts';
import { writeAtomically } from '../../util/file-io.ts';
import { skippedByInterrupt, type RunContext } from '../context.ts';
import type { Step } from '../run-state.ts';

/** Show the wait in status; a file that cannot be written costs the display only, never the run. */
function showWait(ctx: RunContext, since: number, delayMs: number, windowMs: number): string | undefined {
  const path = jitterWaitPath(ctx.lockDir, ctx.name, ctx.self.pid);
  const wait: JitterWait = { name: ctx.name, ...ctx.self, bootId: ctx.bootId, since, until: since + delayMs, windowMs, argv: [...ctx.argv] };
  try {
    // A wait of this job whose wrapper died (SIGKILL mid-wait) would otherwise stay in the folder.
    for (const dead of deadJitterWaits(ctx.lockDir, readdirSync(ctx.lockDir), ctx.name, ctx.bootId, ctx.roots)) unlinkSync(dead);
    writeAtomically(path, `${JSON.stringify(wait)}\n`);
    return path;
  } catch (error) {
    ctx.log.log('warn', 'jitter', `cannot show the --jitter wait in status: ${(error as Error).message}`, {});
    return undefined;
  }
}

/**
 * --jitter (systemd's RandomizedDelaySec=): a random delay before the lock is taken, so one
 * crontab on many hosts does not start everywhere in the same second. A signal during the delay
 * ends the run before it takes any lock, as a skip interrupted before start (128+N); with
 * --on-busy replace a late lock step would otherwise end the previous run for a run that never starts.
 */
export const jitterStep: Step = {
  name: 'jitter',
  async enter(state) {
    const { ctx } = state;
    const jitter = ctx.o.jitter;
    if (!jitter) return 'proceed';
    const { jitterDelayMs, waitJitter } = await import('../../jitter/start-jitter.ts');
    const delayMs = jitterDelayMs(jitter, ctx.name);
    const message = `waiting ${formatDuration(delayMs)} before taking the lock (--jitter ${formatDuration(jitter.windowMs)}, seed ${jitter.seed})`;
    ctx.log.log('info', 'jitter', message, { delayMs, windowMs: jitter.windowMs, seed: jitter.seed });
    if (delayMs > 0) state.jitterFile = showWait(ctx, ctx.now(), delayMs, jitter.windowMs);
    state.jitterMs = await waitJitter(delayMs, ctx.interrupts.signal, ctx.now);
    endWait(state);
    return skippedByInterrupt(ctx, state.result) ? 'stop' : 'proceed';
  },
  // The wait's file goes when the wait ends; the exit only covers a wait that threw.
  exit: endWait,
};

function endWait(state: { jitterFile: string | undefined }): void {
  if (state.jitterFile === undefined) return;
  try {
    unlinkSync(state.jitterFile);
  } catch {
    // Already gone (the folder was removed): nothing to show any more.
  }
  state.jitterFile = undefined;
}
