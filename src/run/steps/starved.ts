import { noteStarvedSkip, starvationPath } from '../../gate/starvation.ts';
import type { RunContext } from '../context.ts';
import type { RunResult } from '../result.ts';

/** One more skip for pressure (or a busy slot): once the streak passes --starve-after, one stderr line. */
export function noteStarved(ctx: RunContext, last: string, figures: RunResult['figures']): void {
  const starveAfterMs = ctx.o.gate.starveAfterMs;
  const { line, since } = noteStarvedSkip(starvationPath(ctx.lockDir, ctx.name), ctx.name, ctx.now(), last, starveAfterMs);
  if (!line) return;
  ctx.report(line, 'alert');
  ctx.log.log('warn', 'starving', line.slice(9), { since, figures: figures ?? null, starveAfterMs });
}
