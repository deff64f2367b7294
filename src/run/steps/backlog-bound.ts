import { boundBacklog, listBounds, restoreOrphanedBounds, type HeldBound } from '../../govern/backlog-bound.ts';
import type { BdiLimits } from '../../govern/bdi-limits.ts';
import { formatBytes } from '../../util/format-units.ts';
import type { StepResult } from '../pipeline.ts';
import type { RunState, Step } from '../run-state.ts';

/** The bounds this run holds, kept beside the state so that the step's exit releases exactly them. */
const heldBy = new WeakMap<RunState, HeldBound[]>();

const describeLimits = (l: BdiLimits): string =>
  `strict_limit ${l.strictLimit ? 1 : 0}, max_ratio ${l.maxRatio}${l.maxBytes === undefined ? '' : `, max_bytes ${l.maxBytes}`}`;

/**
 * --bound-backlog: hold the dirty + writeback backlog of the --path device to a few bytes while
 * the job runs (docs/governor.md, "Bounding the backlog"). Every run first restores bounds left
 * by wrappers that died (SIGKILL); the exit releases this run's bound on every path, and the last
 * holder of a device restores what it had. A bound that cannot be set is one log line: the job runs.
 */
export const backlogBoundStep: Step = {
  name: 'backlog bound',
  async enter(state): Promise<StepResult> {
    const { ctx } = state;
    const { o, log } = ctx;
    for (const device of await restoreOrphanedBounds(ctx.lockDir, ctx.roots)) {
      log.log('warn', 'backlog-restored', `restored the writeback limits of ${device}: the run that bounded them ended without restoring them`, { device });
    }
    const bytes = o.govern.boundBacklogBytes;
    if (bytes === undefined) return 'proceed';
    const fields = { bytes, path: o.gate.path ?? null };
    if (!o.govern.enabled) {
      log.log('info', 'backlog-bound', '--bound-backlog not applied: the governor is off for this run (--no-govern, --no-gate or --on-pressure other than defer)', fields);
      return 'proceed';
    }
    if (o.gate.path === undefined) {
      log.log('info', 'backlog-bound', 'nothing to bound: --bound-backlog needs --path to know the device the job writes', fields);
      return 'proceed';
    }
    const { bounds, problems } = await boundBacklog({ paths: [o.gate.path], bytes, lockDir: ctx.lockDir, job: ctx.name, roots: ctx.roots });
    heldBy.set(state, bounds);
    for (const problem of problems) log.log('warn', 'backlog-bound', `backlog not bounded: ${problem}`, { ...fields, problem });
    const saved = new Map(listBounds(ctx.lockDir).map((l) => [l.device, l.saved]));
    for (const b of bounds) {
      const was = saved.get(b.device);
      const message = `backlog of ${b.device} held to ${formatBytes(b.bytes)} (strict_limit 1, max_bytes ${b.bytes}) while the job runs; was ${was ? describeLimits(was) : 'unknown'}`;
      log.log('info', 'backlog-bound', message, { ...fields, device: b.device, bound: b.bytes, was: was ?? null });
    }
    return 'proceed';
  },
  async exit(state) {
    const bounds = heldBy.get(state) ?? [];
    heldBy.delete(state);
    if (bounds.length === 0) return;
    await Promise.all(bounds.map((b) => b.release()));
    state.ctx.log.log('info', 'backlog-restored', `released the backlog bound on ${bounds.map((b) => b.device).join(', ')}`, { devices: bounds.map((b) => b.device) });
    const usage = state.result.usage;
    if (usage) state.result.usage = { ...usage, boundBytes: Math.min(...bounds.map((b) => b.bytes)) };
  },
};
