import { readStarvation, starvationPath } from '../gate/starvation.ts';
import type { JobOutput } from '../output/job-output.ts';
import type { RunPinger } from '../ping/run-pinger.ts';
import { formatDuration } from '../util/duration.ts';
import type { RunContext } from './context.ts';
import type { RunResult } from './result.ts';

/**
 * Glue of the monitoring pieces (src/ping, src/output, src/jitter) into today's run path, kept in
 * one file so each call becomes a step of the run pipeline. Each piece loads only when asked for.
 */
export interface RunMonitor {
  pinger: RunPinger | undefined;
  /** Pipes for the job's stdout/stderr: with --output on-failure, or a ping's output tail. */
  output: JobOutput | undefined;
}

export async function openMonitor(ctx: RunContext): Promise<RunMonitor> {
  const { o } = ctx;
  let pinger: RunPinger | undefined;
  if (o.ping) {
    const { RunPinger } = await import('../ping/run-pinger.ts');
    pinger = new RunPinger(o.ping, ctx.name, {
      log: (level, message, fields) => ctx.log.log(level, 'ping', message, fields),
      report: (line) => ctx.report(line, 'alert'),
    });
  }
  const tailMax = o.ping?.bodyMax ?? 0;
  let output: JobOutput | undefined;
  if (o.output === 'on-failure' || tailMax > 0) {
    const { JobOutput } = await import('../output/job-output.ts');
    output = new JobOutput({ mode: o.output, tailMax });
  }
  return { pinger, output };
}

/** --jitter: the random delay before the lock; a signal ends it, and the lock step then skips as interrupted. */
export async function jitterBeforeLock(ctx: RunContext): Promise<void> {
  const jitter = ctx.o.jitter;
  if (!jitter) return;
  const { jitterDelayMs, waitJitter } = await import('../jitter/start-jitter.ts');
  const delayMs = jitterDelayMs(jitter, ctx.name);
  ctx.log.log('info', 'jitter', `waiting ${formatDuration(delayMs)} before taking the lock (--jitter ${formatDuration(jitter.windowMs)}, seed ${jitter.seed})`, { delayMs, windowMs: jitter.windowMs, seed: jitter.seed });
  await waitJitter(delayMs, ctx.interrupts.signal, ctx.now);
}

/** The ending ping, after the history line: its cause, and the tail of the job's output. */
export async function pingEnding(ctx: RunContext, m: RunMonitor, result: RunResult): Promise<void> {
  if (!m.pinger) return;
  await m.pinger.finish({ ...result, starved: starvedLine(ctx, result) }, m.output?.tail() ?? '');
}

/** A pressure skip whose streak has passed --starve-after is starvation: the ping says so with /fail. */
function starvedLine(ctx: RunContext, result: RunResult): string | null {
  const starveAfterMs = ctx.o.gate.starveAfterMs;
  if (starveAfterMs <= 0 || (result.outcome !== 'skipped' && result.outcome !== 'deferred-then-skipped')) return null;
  const s = readStarvation(starvationPath(ctx.lockDir, ctx.name));
  const now = ctx.now();
  if (!s || now - s.since < starveAfterMs) return null;
  return `ioguard: job "${ctx.name}" starved by pressure: skipped ${s.skips} time${s.skips === 1 ? '' : 's'} in ${formatDuration(now - s.since)}, never started; last: ${s.last}`;
}
