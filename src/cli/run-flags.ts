import { IoguardError } from '../errors/ioguard-error.ts';
import type { OnBusy } from '../lock/acquire.ts';
import type { LeverChoice } from '../govern/lever.ts';
import { normalizeRunOptions, type RunOptions } from '../run/options.ts';
import { durationFlag, integerText, lastValue } from './flag-values.ts';
import type { FlagTable, FlagValues } from './flag-table.ts';
import { inFlagTerms } from './flag-errors.ts';
import { parseByteSize } from '../util/byte-size.ts';
import { GATE_OPTIONS, THRESHOLD_OPTIONS, gateFromFlags } from './gate-flags.ts';
import { FLEET_FLAGS, fleetFromFlags } from './fleet-flags.ts';
import { MONITOR_FLAGS, monitorFromFlags } from './monitor-flags.ts';

/** Every flag of `ioguard run`, with the library option it sets: the single source for parsing, --help, error names and docs/cli.md (test/docs/cli-doc.test.ts). */
export const RUN_FLAGS: FlagTable = {
  name: { type: 'string', option: 'name', describe: 'Job key, 1-128 of A-Za-z0-9._- (default: derived from the whole command line)' },
  'lock-dir': { type: 'string', option: 'lockDir', describe: 'Lock folder (default $IOGUARD_LOCK_DIR, /run/ioguard for root, /tmp/ioguard-<uid>)' },
  'on-busy': { type: 'string', option: 'onBusy', describe: 'Previous run still working: skip (exit 75), wait (bounded by --wait), replace (terminate it, then start)', default: 'skip' },
  wait: { type: 'string', option: 'waitMs', describe: 'With --on-busy wait: the longest wait, e.g. 5m; then skip' },
  'stuck-after': { type: 'string', option: 'stuckAfterMs', describe: 'A D-state process without progress this long makes the previous run stuck (exit 76)', default: '5m' },
  timeout: { type: 'string', option: 'timeoutMs', describe: 'Deadline for the whole run, e.g. 50m (default: none); exit 124' },
  'kill-signal': { type: 'string', option: 'killSignal', describe: 'First signal sent to the process group at the deadline', default: 'TERM' },
  'kill-after': { type: 'string', option: 'killAfterMs', describe: 'Grace between that signal and SIGKILL', default: '30s' },
  'skip-exit-code': { type: 'string', option: 'skipExitCode', describe: 'Exit status for a skip (e.g. 0 so cron stays quiet)', default: '75' },
  'log-file': { type: 'string', option: 'logFile', describe: 'Decision log, one JSON line per decision (default /var/log/ioguard/ioguard.log for root, else $XDG_STATE_HOME/ioguard/ioguard.log); "-" for none' },
  'metrics-dir': { type: 'string', option: 'metricsDir', describe: "Write Prometheus textfile metrics (ioguard_<name>.prom) to this folder after each run, e.g. node_exporter's --collector.textfile.directory" },
  verbose: { type: 'boolean', describe: 'Also print routine decisions (skipped, finished) on stderr', default: false },
  ...GATE_OPTIONS,
  ...THRESHOLD_OPTIONS,
  ...FLEET_FLAGS,
  ...MONITOR_FLAGS,
};

/**
 * Turn parsed flags into runCommand options: the flags are parsed (durations, numbers) and mapped
 * to options; the library validates them, and its errors name the flag (inFlagTerms).
 */
export function runOptionsFromFlags(args: FlagValues): RunOptions {
  const onBusy = (lastValue(args['on-busy']) ?? 'skip') as OnBusy;
  const waitMs = durationFlag(args, 'wait');
  // Usage rules between two flags, told in the flags' words.
  if (onBusy === 'wait' && waitMs === undefined) throw new IoguardError('ERR_USAGE', '--on-busy wait needs --wait DURATION (waiting must be bounded)', { option: '--wait' });
  const logFile = lastValue(args['log-file']);
  const o: RunOptions = {
    onBusy,
    stuckAfterMs: durationFlag(args, 'stuck-after') as number,
    killAfterMs: durationFlag(args, 'kill-after') as number,
    killSignal: lastValue(args['kill-signal']) ?? 'TERM',
    skipExitCode: integerText(lastValue(args['skip-exit-code']) ?? '75'),
    forwardSignals: true,
    gate: gateFromFlags(args),
  };
  const ionice = lastValue(args.ionice);
  if (ionice !== undefined) o.ionice = ionice;
  const nice = lastValue(args.nice);
  if (nice !== undefined) o.nice = integerText(nice);
  const bound = lastValue(args['bound-backlog']) ?? 'auto';
  // --govern / --no-govern (yargs' negation; the last one given wins); absent: the default.
  o.govern = {
    boundBacklog: bound === 'off' || bound === 'auto' ? bound : parseByteSize(bound, '--bound-backlog'),
    backlogWaitMs: durationFlag(args, 'backlog-wait') as number,
    maxPauseMs: durationFlag(args, 'max-pause') as number,
    lever: (lastValue(args['govern-lever']) ?? 'auto') as LeverChoice,
    ...(args.govern === undefined ? {} : { enabled: args.govern === true }),
  };
  const slot = lastValue(args.slot);
  if (slot !== undefined) o.slot = slot;
  const name = lastValue(args.name);
  if (name !== undefined) o.name = name;
  const lockDir = lastValue(args['lock-dir']);
  if (lockDir !== undefined) o.lockDir = lockDir;
  if (waitMs !== undefined) o.waitMs = waitMs;
  const timeoutMs = durationFlag(args, 'timeout');
  if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
  if (logFile !== undefined) o.logFile = logFile === '-' ? false : logFile;
  const metricsDir = lastValue(args['metrics-dir']);
  if (metricsDir !== undefined) o.metricsDir = metricsDir;
  const fleet = fleetFromFlags(args);
  if (fleet) o.fleet = fleet;
  Object.assign(o, monitorFromFlags(args));
  inFlagTerms(() => normalizeRunOptions(o), RUN_FLAGS, args);
  if (onBusy !== 'wait' && waitMs !== undefined) throw new IoguardError('ERR_USAGE', '--wait only applies with --on-busy wait', { option: '--wait' });
  return o;
}
