import type { RunUsage } from '../proc/job-usage.ts';
import type { RunOutcome } from '../history/outcome.ts';
export { RUN_OUTCOMES, type RunOutcome } from '../history/outcome.ts';

/** A process of the previous run, as shown when a run is skipped or refused. */
export interface HolderInfo {
  wrapperPid: number | null;
  jobPid: number | null;
  /** Process state letter of the job's most telling process (D wins). */
  state: string | null;
  wchan: string | null;
  ageMs: number | null;
  orphaned: boolean;
  /** For a stuck run: the culprit process and since when it made no progress. */
  stuckPid?: number;
  stuckComm?: string;
  stuckSince?: number;
  survivedKill?: boolean;
}

export interface SurvivorInfo {
  pid: number;
  comm: string;
  state: string;
  wchan: string | null;
}

/** One shape for every ending, success or not: callers read flags, never parse messages. */
export interface RunResult {
  name: string;
  outcome: RunOutcome;
  /** The exit status `ioguard run` exits with for this result (see the exit-code table). */
  exitCode: number;
  /** The job's own exit code; null when it did not run or a signal ended it. */
  jobExitCode: number | null;
  /** The signal that ended the job, if one did. */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The job was ended by a signal (ours or someone else's). */
  isTerminated: boolean;
  /** ioguard had to send SIGKILL. */
  isForcefullyTerminated: boolean;
  /** Time the job ran (0 when it did not start). */
  durationMs: number;
  /** Time spent waiting for the previous run or deferring for pressure. */
  waitedMs: number;
  /** Why it was skipped, refused or failed to start; null when it ran. */
  reason: string | null;
  holder: HolderInfo | null;
  /** Processes that outlived SIGKILL; the run is recorded as stuck while they live. */
  survivors: SurvivorInfo[];
  /** The measured figures behind a gate decision (issue: pressure gate). */
  figures: Record<string, number | null> | null;
  /** Set when the job could not be started: 'ENOENT', 'EACCES'... */
  errorCode: string | null;
  /** Time the pressure gate held the job back and the signals that held it; null when it did not. */
  /** The gate held the job back: how long, by what, and whether it then started under pressure, paced (gate.deferThen 'run'). */
  deferral: { ms: number; heldBy: string[]; paced: boolean } | null;
  /** CPU seconds, peak RSS and I/O bytes of the job, from /proc; null when it did not run as a command. */
  usage: RunUsage | null;
}

export function emptyResult(name: string): RunResult {
  return {
    name,
    outcome: 'completed',
    exitCode: 0,
    jobExitCode: null,
    signal: null,
    timedOut: false,
    isTerminated: false,
    isForcefullyTerminated: false,
    durationMs: 0,
    waitedMs: 0,
    reason: null,
    holder: null,
    survivors: [],
    figures: null,
    errorCode: null,
    deferral: null,
    usage: null,
  };
}
