import { existsSync } from 'node:fs';
import { openLever } from '../../govern/open-lever.ts';
import { running, type Step } from '../run-state.ts';

/**
 * The governor's lever: a cgroup lever puts the job in its own cgroup while it still waits at the
 * start latch. The exit thaws, clears limits, moves leftovers out and removes the job's cgroup,
 * whatever happened. The governor itself runs with the supervisor (supervise step).
 */
export const governStep: Step = {
  name: 'govern',
  enter(state) {
    const { ctx } = state;
    const { o } = ctx;
    // Without io PSI the governor never starts (src/govern/governor.ts): no cgroup for it either.
    if (!o.govern.enabled || !existsSync(`${ctx.roots.procRoot}/pressure/io`)) return 'proceed';
    const pgid = running(state).pid;
    const opened = openLever({ choice: o.govern.lever, pgid, name: ctx.name, devices: state.gate?.devices, roots: ctx.roots });
    const lever = opened.lever;
    state.lever = lever;
    const message = `governor lever ${lever.kind}: ${lever.describe()} when paused${opened.fallback ? ` (${opened.fallback})` : ''}`;
    const fields = { lever: lever.kind, asked: o.govern.lever, ...(opened.fallback ? { fallback: opened.fallback } : {}) };
    ctx.log.log(opened.fallback && o.govern.lever !== 'auto' ? 'warn' : 'info', 'govern-lever', message, fields);
    return 'proceed';
  },
  async exit(state) {
    await state.lever?.release();
  },
};
