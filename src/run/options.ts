import { IoguardError, invalidOption } from '../errors/ioguard-error.ts';
import { EXIT } from '../errors/exit-codes.ts';
import { validateJobName } from '../lock/job-key.ts';
import type { OnBusy } from '../lock/acquire.ts';
import { normalizeGate, type GateOptions, type NormalizedGate } from '../gate/gate-options.ts';
import { parseIoPriority, validateNice, type IoPriority } from '../gate/io-priority.ts';
import { normalizeSignal } from '../terminate/signal-group.ts';
import { normalizeSlot, type Slot } from '../slot/slot.ts';
import { normalizeGovern, type GovernOptions, type NormalizedGovern } from '../govern/govern-options.ts';
import { normalizeFleet, type FleetOptions, type NormalizedFleet } from '../fleet/fleet-options.ts';
import { choice, integer, milliseconds } from '../util/validate.ts';
import { normalizePing, type NormalizedPing, type PingOptions } from '../ping/ping-options.ts';
import { normalizeOutputMode, type OutputMode } from '../output/output-mode.ts';
import { normalizeJitter, type JitterOptions, type JitterSeed } from '../jitter/jitter-options.ts';

/** Options of `runCommand` (and of `ioguard run`, which maps its flags onto these). */
export interface RunOptions {
  /** Job key; derived from the command line when absent. 1-128 of A-Za-z0-9._- */
  name?: string;
  /** Lock folder; default $IOGUARD_LOCK_DIR, else /run/ioguard (root) or /tmp/ioguard-<uid>, whatever the environment. */
  lockDir?: string;
  /** What to do when the previous run is still working. Default 'skip'. */
  onBusy?: OnBusy;
  /** With onBusy 'wait': how long to wait before skipping. */
  waitMs?: number;
  /** A D-state process without progress for this long makes the run stuck. Default 5 minutes. */
  stuckAfterMs?: number;
  /** Deadline of the run; none by default. */
  timeoutMs?: number;
  /** First signal at the deadline. Default SIGTERM. */
  killSignal?: NodeJS.Signals | string;
  /** Grace between the first signal and SIGKILL. Default 30 s. */
  killAfterMs?: number;
  /** Exit status reported for a skip. Default 75. */
  skipExitCode?: number;
  /** Decision log file; false for none. Default: a state folder (see docs). */
  logFile?: string | false;
  /** Write Prometheus textfile metrics (`ioguard_<name>.prom`) here after each invocation. */
  metricsDir?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Forward SIGTERM, SIGINT and SIGHUP received by this process to the job's group (the CLI does). */
  forwardSignals?: boolean;
  /** Aborting ends the run like a forwarded SIGTERM (or stops the wait before it starts). */
  signal?: AbortSignal;
  /** Person-facing one-line messages (the CLI prints them on stderr). */
  report?: (line: string, kind: 'alert' | 'info') => void;
  /** The pressure gate: thresholds and what to do when one trips. On by default. */
  gate?: GateOptions;
  /** I/O priority of the job, e.g. 'idle' or { class: 'best-effort', level: 7 }. Applies always. */
  ionice?: IoPriority | string;
  /** CPU niceness of the job (-20..19). Applies always. */
  nice?: number;
  /** How often the wrapper samples its job for progress. Default min(5 s, stuckAfter / 5). */
  sampleIntervalMs?: number;
  /** Mean delay between looks while deferring, spread ±50%. Default 3 s. */
  gateRetryMs?: number;
  /** Host-wide counting semaphore: 'heavy' (one run at a time) or 'heavy:2', or { name, count }. Waiting is bounded by gate.deferMaxMs. */
  slot?: string | Slot;
  /** Pause the job's process group under sustained I/O pressure while it runs. Default on with gate.onPressure 'defer'. */
  govern?: boolean | GovernOptions;
  /** The fleet lock: one run per job across hosts sharing a PostgreSQL server (docs/locking.md). Off by default. */
  fleet?: FleetOptions | string;
  // Monitoring (docs/monitoring.md): check-in pings, quiet output, spread starts.
  /** Check-in pings in the healthchecks.io protocol: the check's URL, or { url, timeoutMs, bodyMax }. Off by default. */
  ping?: string | PingOptions;
  /** 'on-failure': hold the job's output, print it only if the run failed, timed out or was killed. Default 'inherit'. */
  output?: OutputMode;
  /** A random delay in [0, jitterMs) before the lock is taken. None by default. */
  jitterMs?: number;
  /** 'host': the same delay every run on a host (a hash of the machine id and the job's name). Default 'random'. */
  jitterSeed?: JitterSeed;
  procRoot?: string;
  sysRoot?: string;
  /** Clock, for tests. */
  now?: () => number;
}

export interface NormalizedRunOptions {
  name: string | undefined;
  lockDir: string | undefined;
  onBusy: OnBusy;
  waitMs: number;
  stuckAfterMs: number;
  timeoutMs: number | undefined;
  killSignal: NodeJS.Signals;
  killAfterMs: number;
  skipExitCode: number;
  logFile: string | false | undefined;
  metricsDir: string | undefined;
  gate: NormalizedGate;
  ionice: IoPriority | undefined;
  nice: number | undefined;
  slot: Slot | undefined;
  govern: NormalizedGovern;
  fleet: NormalizedFleet | undefined;
  cwd: string | undefined;
  env: NodeJS.ProcessEnv | undefined;
  forwardSignals: boolean;
  signal: AbortSignal | undefined;
  report: ((line: string, kind: 'alert' | 'info') => void) | undefined;
  sampleIntervalMs: number | undefined;
  gateRetryMs: number | undefined;
  procRoot: string | undefined;
  sysRoot: string | undefined;
  now: () => number;
  ping: NormalizedPing | undefined;
  output: OutputMode;
  jitter: JitterOptions | undefined;
}

const ON_BUSY: readonly OnBusy[] = ['skip', 'wait', 'replace'];

const duration = (option: string, value: unknown, fallback: number | undefined): number | undefined => milliseconds(option, value, fallback);

function optional<T>(option: string, value: T | undefined, ok: (v: unknown) => boolean, expected: string): T | undefined {
  if (value === undefined || ok(value)) return value;
  throw invalidOption(option, value, expected);
}

const isString = (v: unknown): boolean => typeof v === 'string';
const isFunction = (v: unknown): boolean => typeof v === 'function';
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAbortSignal = (v: unknown): boolean => isObject(v) && typeof (v as AbortSignal).aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function';

/** A root folder for tests; '' means the real one, as it always has. */
function root(option: string, value: string | undefined): string | undefined {
  return optional(option, value, isString, 'a folder path') || undefined;
}

/** Check every option and fill defaults; errors name the option, the value and its type. */
export function normalizeRunOptions(o: RunOptions): NormalizedRunOptions {
  if (typeof o !== 'object' || o === null) throw new IoguardError('ERR_INVALID_OPTION', 'options must be an object');
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') throw invalidOption('name', o.name, 'a string');
    validateJobName(o.name, 'name');
  }
  if (o.lockDir !== undefined && (typeof o.lockDir !== 'string' || o.lockDir === '')) throw invalidOption('lockDir', o.lockDir, 'a folder path');
  const onBusy = choice('onBusy', o.onBusy ?? 'skip', ON_BUSY);
  const waitMs = duration('waitMs', o.waitMs, undefined);
  if (onBusy === 'wait' && waitMs === undefined) throw invalidOption('waitMs', o.waitMs, "a duration (onBusy 'wait' waits a bounded time)");
  const killSignal = normalizeSignal(String(o.killSignal ?? 'SIGTERM'));
  if (!killSignal) throw invalidOption('killSignal', o.killSignal, 'a signal name like TERM or SIGINT');
  const skipExitCode = integer('skipExitCode', o.skipExitCode ?? EXIT.skipped, 0, 255);
  if (o.logFile !== undefined && o.logFile !== false && (typeof o.logFile !== 'string' || o.logFile === '')) throw invalidOption('logFile', o.logFile, 'a file path or false');
  if (o.metricsDir !== undefined && (typeof o.metricsDir !== 'string' || o.metricsDir === '')) throw invalidOption('metricsDir', o.metricsDir, 'a folder path');
  const timeoutMs = duration('timeoutMs', o.timeoutMs, undefined);
  if (timeoutMs === 0) throw invalidOption('timeoutMs', 0, 'a duration above zero');
  const gate = normalizeGate(o.gate);
  return {
    name: o.name,
    lockDir: o.lockDir,
    onBusy,
    waitMs: waitMs ?? 0,
    stuckAfterMs: duration('stuckAfterMs', o.stuckAfterMs, 300_000) as number,
    timeoutMs,
    killSignal,
    killAfterMs: duration('killAfterMs', o.killAfterMs, 30_000) as number,
    skipExitCode,
    logFile: o.logFile,
    metricsDir: o.metricsDir,
    gate,
    govern: normalizeGovern(o.govern, gate.enabled && gate.onPressure === 'defer'),
    ionice: typeof o.ionice === 'string' ? parseIoPriority(o.ionice, 'ionice') : o.ionice === undefined ? undefined : parseIoPriority(`${o.ionice.class}${o.ionice.level === undefined ? '' : `:${o.ionice.level}`}`, 'ionice'),
    nice: o.nice === undefined ? undefined : validateNice(o.nice, 'nice'),
    slot: normalizeSlot(o.slot, 'slot'),
    fleet: normalizeFleet(o.fleet),
    cwd: optional('cwd', o.cwd, (v) => isString(v) && v !== '', 'a folder path'),
    env: optional('env', o.env, isObject, 'an object of environment variables'),
    forwardSignals: optional('forwardSignals', o.forwardSignals, (v) => typeof v === 'boolean', 'true or false') ?? false,
    signal: optional('signal', o.signal, isAbortSignal, 'an AbortSignal'),
    report: optional('report', o.report, isFunction, 'a function (line, kind) => void'),
    sampleIntervalMs: duration('sampleIntervalMs', o.sampleIntervalMs, undefined),
    gateRetryMs: duration('gateRetryMs', o.gateRetryMs, undefined),
    procRoot: root('procRoot', o.procRoot),
    sysRoot: root('sysRoot', o.sysRoot),
    now: optional('now', o.now, isFunction, 'a function returning epoch milliseconds') ?? Date.now,
    ping: normalizePing(o.ping),
    output: normalizeOutputMode(o.output),
    jitter: normalizeJitter(o.jitterMs, o.jitterSeed),
  };
}
