import { noteStarvedSkip, starvationPath } from '../../gate/starvation.ts';
import type { RunResult } from '../result.ts';
import type { RunState } from '../run-state.ts';

/**
 * One more skip for pressure (or a busy slot): once the streak passes --starve-after, one stderr
 * line; the run keeps the starvation line (state.starved) for its ending ping.
 */
export function noteStarved(state: RunState, last: string, figures: RunResult['figures']): void {
  const { ctx } = state;
  const starveAfterMs = ctx.o.gate.starveAfterMs;
  const { line, since, starved } = noteStarvedSkip(starvationPath(ctx.lockDir, ctx.name), ctx.name, ctx.now(), last, starveAfterMs);
  state.starved = starved;
  if (!line) return;
  ctx.report(line, 'alert');
  ctx.log.log('warn', 'starving', line.slice(9), { since, figures: figures ?? null, starveAfterMs });
}
