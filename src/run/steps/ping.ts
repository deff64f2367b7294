import type { PingableEnding } from '../../ping/ping-event.ts';
import type { Ending, StepResult } from '../pipeline.ts';
import type { RunState, Step } from '../run-state.ts';

/**
 * --ping (docs/monitoring.md): first in, so its exit runs last, after the history line, and sees
 * the final result of every path (skip, stuck refusal, fleet conflict, timeout, completion,
 * failure, starvation, an error of the run). /start is sent by the step that lets the job go
 * (supervise, or guard's call of its function). The exit never throws and never changes the
 * result: each request is bounded by --ping-timeout and its retries.
 */
export const pingStep: Step = {
  name: 'ping',
  async enter(state): Promise<StepResult> {
    const { ctx } = state;
    if (!ctx.o.ping) return 'proceed';
    // Loaded only when a URL is given: runs without --ping pay nothing for it.
    const { RunPinger } = await import('../../ping/run-pinger.ts');
    state.pinger = new RunPinger(ctx.o.ping, ctx.name, {
      log: (level, message, fields) => ctx.log.log(level, 'ping', message, fields),
      report: (line) => ctx.report(line, 'alert'),
    });
    return 'proceed';
  },
  async exit(state, ending) {
    const { ctx, pinger } = state;
    if (!pinger) return;
    try {
      await pinger.finish(pingable(state, ending), state.output?.tail() ?? '');
    } catch (error) {
      ctx.log.log('warn', 'ping', `could not send the ending ping: ${(error as Error)?.message ?? String(error)}`, { error: String(error) });
    }
  },
};

/** The result as the ping reads it; a run that threw (an unusable lock folder...) is ioguard's alarm: /fail with the error. */
function pingable(state: RunState, ending: Ending): PingableEnding {
  const { result } = state;
  if (ending.kind === 'threw') {
    const message = (ending.error as Error)?.message ?? String(ending.error);
    return { ...result, outcome: 'error', reason: message.replace(/^ioguard: /, ''), starved: null };
  }
  return { ...result, starved: state.starved ?? null };
}
