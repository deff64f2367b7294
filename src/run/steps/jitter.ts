import { formatDuration } from '../../util/duration.ts';
import { skippedByInterrupt } from '../context.ts';
import type { Step } from '../run-state.ts';

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
    state.jitterMs = await waitJitter(delayMs, ctx.interrupts.signal, ctx.now);
    return skippedByInterrupt(ctx, state.result) ? 'stop' : 'proceed';
  },
};
