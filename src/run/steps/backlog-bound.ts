import { boundLedgerDir, restoreOrphanedBounds } from '../../govern/backlog-bound.ts';
import { BacklogPacer } from '../../govern/backlog-pacer.ts';
import type { BdiLimits } from '../../govern/bdi-limits.ts';
import { commandPaths } from '../../govern/command-paths.ts';
import { formatBytes } from '../../util/format-units.ts';
import type { StepResult } from '../pipeline.ts';
import type { Step } from '../run-state.ts';

/** How often the job's open files and the devices' write rates are read. */
const PACER_INTERVAL_MS = 500;
/** How long a device the command names keeps its bound without the job seen writing there. */
const GUESS_HOLD_MS = 10_000;

const describeLimits = (l: BdiLimits): string =>
  `strict_limit ${l.strictLimit ? 1 : 0}, max_ratio ${l.maxRatio}${l.maxBytes === undefined ? '' : `, max_bytes ${l.maxBytes}`}`;

/**
 * --bound-backlog (default auto): hold the dirty + writeback backlog of the devices the job
 * writes while it runs (docs/governor.md, "Bounding the backlog"). A run that may bound (root,
 * governor on) first restores bounds left by wrappers that died (SIGKILL). Here the devices of
 * --path and of the paths the command names are bounded before the job starts; once it runs, the
 * supervise step lets the pacer follow the files it writes. The exit releases the bounds on every
 * path; the last holder of a device restores what it had. A bound that cannot be set is one log
 * line: the job runs.
 */
export const backlogBoundStep: Step = {
  name: 'backlog bound',
  async enter(state): Promise<StepResult> {
    const { ctx } = state;
    const { o, log } = ctx;
    const ledgerDir = boundLedgerDir(ctx.roots.runRoot);
    const bound = o.govern.boundBacklog;
    if (bound === 'off') return 'proceed';
    const fields = { bound, path: o.gate.path ?? null };
    if (!o.govern.enabled) {
      if (bound !== 'auto') log.log('info', 'backlog-bound', '--bound-backlog not applied: the governor is off for this run (--no-govern, --no-gate or --on-pressure other than defer)', fields);
      return 'proceed';
    }
    if (process.getuid?.() !== 0) {
      if (bound !== 'auto') log.log('warn', 'backlog-bound', 'backlog not bounded: not root (/sys/class/bdi/*/max_bytes is root\'s to write)', fields);
      return 'proceed';
    }
    // A run that may bound first restores what wrappers killed with SIGKILL left bounded.
    for (const device of await restoreOrphanedBounds(ledgerDir, ctx.roots)) {
      log.log('warn', 'backlog-restored', `restored the writeback limits of ${device}: the run that bounded them ended without restoring them`, { device });
    }
    state.backlogPacer = new BacklogPacer({
      bytes: bound,
      waitMs: o.govern.backlogWaitMs,
      paths: o.gate.path === undefined ? [] : [o.gate.path],
      guessedPaths: commandPaths(ctx.argv, o.cwd ?? process.cwd()),
      guessHoldMs: GUESS_HOLD_MS,
      ledgerDir,
      job: ctx.name,
      holder: { ...ctx.self, bootId: ctx.bootId },
      roots: ctx.roots,
      now: ctx.now,
      intervalMs: PACER_INTERVAL_MS,
      onBound: (b, why, levels) => {
        const message = `backlog of ${b.device} held to ${formatBytes(b.bytes)} (strict_limit 1, max_bytes ${b.bytes}; ${why}${stacked(levels)}); was ${describeLimits(b.was)}`;
        log.log('info', 'backlog-bound', message, { ...fields, device: b.device, bytes: b.bytes, why, levels, was: b.was });
      },
      onResize: (b, from, rate, levels) => {
        const message = `backlog bound of ${b.device} ${formatBytes(from)} -> ${formatBytes(b.bytes)} (recent peak write rate ${formatBytes(rate)}/s: the device's, or the machine's page-cache writeback where lower${stacked(levels)})`;
        log.log('info', 'backlog-resized', message, { device: b.device, from, bytes: b.bytes, bytesPerSecond: Math.round(rate), levels });
      },
      onRelease: (b) => log.log('info', 'backlog-released', `released the backlog bound on ${b.device}: the job has not written there`, { device: b.device }),
      onProblem: (problem) => log.log('info', 'backlog-bound', `backlog not bounded: ${problem}`, { ...fields, problem }),
    });
    await state.backlogPacer.start();
    return 'proceed';
  },
  async exit(state) {
    const pacer = state.backlogPacer;
    state.backlogPacer = undefined;
    if (pacer === undefined) return;
    const { devices, smallestBytes } = await pacer.stop();
    if (devices.length === 0) return;
    state.ctx.log.log('info', 'backlog-restored', `released the backlog bound on ${devices.join(', ')}`, { devices });
    const usage = state.result.usage;
    if (usage && smallestBytes !== undefined) state.result.usage = { ...usage, boundBytes: smallestBytes };
  },
};

/** `; one of 2 page-cache levels under the path, each sized to an equal share of --backlog-wait`; nothing for one level. */
function stacked(levels: number): string {
  return levels > 1 ? `; one of ${levels} page-cache levels under the path, each sized to an equal share of --backlog-wait` : '';
}
