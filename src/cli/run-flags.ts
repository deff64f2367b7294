import { IoguardError, invalidOption } from '../errors/ioguard-error.ts';
import { validateJobName } from '../lock/job-key.ts';
import type { RunOptions } from '../run/options.ts';
import { parseIoPriority } from '../gate/io-priority.ts';
import { parseSlot } from '../slot/slot.ts';
import { LEVER_CHOICES } from '../govern/lever.ts';
import { choiceFlag, durationFlag, intFlag, lastValue } from './flag-values.ts';
import type { FlagTable, FlagValues } from './flag-table.ts';
import { GATE_OPTIONS, THRESHOLD_OPTIONS, gateFromFlags } from './gate-flags.ts';
import { FLEET_FLAGS, fleetFromFlags } from './fleet-flags.ts';

/** Every flag of `ioguard run`: the single source for parsing, --help and docs/cli.md. */
export const RUN_FLAGS: FlagTable = {
  name: { type: 'string', describe: 'Job key, 1-128 of A-Za-z0-9._- (default: derived from the whole command line)' },
  'lock-dir': { type: 'string', describe: 'Lock folder (default $IOGUARD_LOCK_DIR, /run/ioguard for root, /tmp/ioguard-<uid>)' },
  'on-busy': { type: 'string', describe: 'Previous run still working: skip (exit 75), wait (bounded by --wait), replace (terminate it, then start)', default: 'skip' },
  wait: { type: 'string', describe: 'With --on-busy wait: the longest wait, e.g. 5m; then skip' },
  'stuck-after': { type: 'string', describe: 'A D-state process without progress this long makes the previous run stuck (exit 76)', default: '5m' },
  timeout: { type: 'string', describe: 'Deadline for the whole run, e.g. 50m (default: none); exit 124' },
  'kill-signal': { type: 'string', describe: 'First signal sent to the process group at the deadline', default: 'TERM' },
  'kill-after': { type: 'string', describe: 'Grace between that signal and SIGKILL', default: '30s' },
  'skip-exit-code': { type: 'string', describe: 'Exit status for a skip (e.g. 0 so cron stays quiet)', default: '75' },
  'log-file': { type: 'string', describe: 'Decision log, one JSON line per decision (default /var/log/ioguard/ioguard.log for root, else $XDG_STATE_HOME/ioguard/ioguard.log); "-" for none' },
  'metrics-dir': { type: 'string', describe: "Write Prometheus textfile metrics (ioguard_<name>.prom) to this folder after each run, e.g. node_exporter's --collector.textfile.directory" },
  verbose: { type: 'boolean', describe: 'Also print routine decisions (skipped, finished) on stderr', default: false },
  ...GATE_OPTIONS,
  ...THRESHOLD_OPTIONS,
  ...FLEET_FLAGS,
};

/** Turn parsed flags into runCommand options; every bad value names its flag. */
export function runOptionsFromFlags(args: FlagValues): RunOptions {
  const onBusy = choiceFlag(args, 'on-busy', ['skip', 'wait', 'replace'] as const) ?? 'skip';
  const waitMs = durationFlag(args, 'wait');
  if (onBusy === 'wait' && waitMs === undefined) throw new IoguardError('ERR_USAGE', '--on-busy wait needs --wait DURATION (waiting must be bounded)', { option: '--wait' });
  if (onBusy !== 'wait' && waitMs !== undefined) throw new IoguardError('ERR_USAGE', '--wait only applies with --on-busy wait', { option: '--wait' });
  const timeoutMs = durationFlag(args, 'timeout');
  if (timeoutMs === 0) throw invalidOption('--timeout', lastValue(args.timeout), 'a duration above zero');
  const logFile = lastValue(args['log-file']);
  const o: RunOptions = {
    onBusy,
    stuckAfterMs: durationFlag(args, 'stuck-after') as number,
    killAfterMs: durationFlag(args, 'kill-after') as number,
    killSignal: lastValue(args['kill-signal']) ?? 'TERM',
    skipExitCode: intFlag(args, 'skip-exit-code', 0, 255) as number,
    forwardSignals: true,
    gate: gateFromFlags(args),
  };
  const ionice = lastValue(args.ionice);
  if (ionice !== undefined) o.ionice = parseIoPriority(ionice, '--ionice');
  const nice = lastValue(args.nice);
  if (nice !== undefined) {
    if (!/^-?\d+$/.test(nice.trim()) || Number(nice) < -20 || Number(nice) > 19) throw invalidOption('--nice', nice, 'an integer from -20 to 19');
    o.nice = Number(nice);
  }
  // --govern / --no-govern (yargs' negation; the last one given wins); absent: the default.
  o.govern = {
    maxPauseMs: durationFlag(args, 'max-pause') as number,
    lever: choiceFlag(args, 'govern-lever', LEVER_CHOICES) ?? 'auto',
    ...(args.govern === undefined ? {} : { enabled: args.govern === true }),
  };
  const slot = lastValue(args.slot);
  if (slot !== undefined) o.slot = parseSlot(slot, '--slot');
  const name = lastValue(args.name);
  if (name !== undefined) o.name = validateJobName(name, '--name');
  const lockDir = lastValue(args['lock-dir']);
  if (lockDir !== undefined) o.lockDir = lockDir;
  if (waitMs !== undefined) o.waitMs = waitMs;
  if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
  if (logFile !== undefined) o.logFile = logFile === '-' ? false : logFile;
  const metricsDir = lastValue(args['metrics-dir']);
  if (metricsDir !== undefined) o.metricsDir = metricsDir;
  const fleet = fleetFromFlags(args);
  if (fleet) o.fleet = fleet;
  return o;
}
