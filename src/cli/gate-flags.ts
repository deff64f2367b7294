import { DEFAULT_GATE_WINDOW_MS, type GateOptions, type DeferThen, type OnPressure } from '../gate/gate-options.ts';
import { DEFAULT_THRESHOLDS, THRESHOLD_FLAGS, parseThresholdOptions, type Thresholds } from '../probe/thresholds.ts';
import { durationFlag, lastValue } from './flag-values.ts';
import type { FlagTable, FlagValues } from './flag-table.ts';

const d = DEFAULT_THRESHOLDS;

/** The thresholds, shared by `check` and `run`. */
export const THRESHOLD_OPTIONS: FlagTable = {
  'max-io-pressure': { type: 'string', describe: `Most io "some" stall % over the window (PSI); run holds a job only when two looks in a row trip it [default: ${d.maxIoPressure}]` },
  'max-io-full': { type: 'string', describe: 'Most io "full" stall % over the window [default: off: full reads 0% while another CPU is busy]' },
  'max-util': { type: 'string', describe: 'Most %util of the path\'s disks, or of any disk without --path [default: off with PSI, 90 without]' },
  'max-dirty': { type: 'string', describe: `Most dirty+writeback pages, % of the point where writers get throttled [default: ${d.maxDirty}]` },
  'max-dirty-rise': { type: 'string', describe: `Most rise of the dirty level, points of the throttle point per second, once above half of it [default: ${d.maxDirtyRise}]` },
  'max-blocked': { type: 'string', describe: `Most tasks in D state [default: ${d.maxBlocked}]` },
  'min-free': { type: 'string', describe: 'Least free space on --path, PCT% or SIZE (e.g. 10% or 20G) [default: 5%]' },
  'max-load': { type: 'string', describe: 'Most 1-minute load per CPU [default: off with PSI (CPU-bound tasks count too), 3 without]' },
  path: { type: 'string', option: 'gate.path', describe: 'The job\'s working path: its disks for util%, its filesystem for free space' },
  window: { type: 'string', option: 'gate.windowMs', describe: 'How long each look samples PSI and disk counters', default: `${DEFAULT_GATE_WINDOW_MS}ms` },
};

/** `run` only: what the gate does when a threshold trips. */
export const GATE_OPTIONS: FlagTable = {
  'on-pressure': { type: 'string', option: 'gate.onPressure', describe: 'Under pressure: defer (hold the lock, re-check every few seconds), skip (exit 75), throttle (start at idle I/O and CPU priority), run', default: 'defer' },
  'defer-max': { type: 'string', option: 'gate.deferMaxMs', describe: 'Longest deferral (then --defer-then), and longest wait for a --slot (then exit 75)', default: '1m' },
  'defer-then': { type: 'string', option: 'gate.deferThen', describe: 'Still under pressure at --defer-max: run (start it paced by the governor and the backlog bound) or skip (exit 75)', default: 'run' },
  'starve-after': { type: 'string', option: 'gate.starveAfterMs', describe: 'Skipped for pressure this long (tick after tick): say so once on stderr, with the figures; off for never', default: '3h' },
  slot: { type: 'string', option: 'slot', describe: 'Host-wide slot NAME[:N]: at most N runs holding it at once (default N=1); others wait, bounded by --defer-max' },
  govern: { type: 'boolean', option: 'govern.enabled', describe: 'While the job runs, pause it (see --govern-lever) when io pressure stays high and other processes wait on I/O, unless the backlog bound holds its writes [default: on with --on-pressure defer]; --no-govern: never pause it once started (e.g. a dump holding a database transaction)' },
  'govern-lever': { type: 'string', option: 'govern.lever', describe: 'How the governor holds the job back: auto (the measured best available: freeze), stop (SIGSTOP/SIGCONT of its process group), freeze (its own cgroup, frozen), throttle (its own cgroup, block I/O limited; v1 blkio holds back direct I/O only). Cgroup levers need root; otherwise SIGSTOP, with the reason in the log', default: 'auto' },
  'bound-backlog': { type: 'string', option: 'govern.boundBacklog', describe: 'While the job runs, hold the dirty + writeback backlog of the devices it writes (and of --path): auto sizes it to what the device drains in --backlog-wait; SIZE (1M, 256K) fixes it; off. Root; binds every writer of the device (docs/governor.md)', default: 'auto' },
  'backlog-wait': { type: 'string', option: 'govern.backlogWaitMs', describe: 'With --bound-backlog auto: the wait behind the job\'s backlog a foreground write may find (shared among stacked page-cache levels)', default: '100ms' },
  'max-pause': { type: 'string', option: 'govern.maxPauseMs', describe: 'Longest single pause by the governor; the job runs at least 5s between pauses', default: '15s' },
  gate: { type: 'boolean', option: 'gate.enabled', describe: 'Look at system pressure before starting', default: true },
  ionice: { type: 'string', option: 'ionice', describe: 'I/O priority of the job: idle, best-effort[:0-7], realtime[:0-7]' },
  nice: { type: 'string', option: 'nice', describe: 'CPU niceness of the job, -20..19' },
};

export function thresholdsFromFlags(args: FlagValues): Thresholds {
  const raw: Record<string, string | undefined> = {};
  for (const [flag] of THRESHOLD_FLAGS) raw[flag] = lastValue(args[flag]);
  return parseThresholdOptions(raw);
}

export function gateFromFlags(args: FlagValues): GateOptions {
  const gate: GateOptions = {
    enabled: args.gate !== false,
    thresholds: thresholdsFromFlags(args),
    onPressure: (lastValue(args['on-pressure']) ?? 'defer') as OnPressure,
    deferMaxMs: durationFlag(args, 'defer-max') as number,
    deferThen: (lastValue(args['defer-then']) ?? 'run') as DeferThen,
    windowMs: durationFlag(args, 'window') as number,
    starveAfterMs: /^(0|off|never)$/.test(lastValue(args['starve-after']) ?? '') ? 0 : (durationFlag(args, 'starve-after') as number),
  };
  const path = lastValue(args.path);
  if (path !== undefined) gate.path = path;
  return gate;
}
