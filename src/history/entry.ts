import { RUN_OUTCOMES, type RunOutcome } from './outcome.ts';

/** Why an invocation did not start the job; the labels of `ioguard_job_skips_total`, in their order. */
export const SKIP_CAUSES = ['busy', 'waiter', 'wait-expired', 'pressure', 'fleet', 'interrupted', 'stuck'] as const;
export type SkipCause = (typeof SKIP_CAUSES)[number];

/**
 * One invocation of a job, started or not: one JSON line of `NAME.history`. Field names are
 * stable (the `history --json` output). Times are epoch milliseconds.
 */
export interface HistoryEntry {
  v: 1;
  /** Random, so a line appended twice during a compaction is counted once. */
  id: string;
  /** When ioguard was invoked. */
  at: number;
  /** When the job itself started; null when it did not. */
  start: number | null;
  /** When the invocation ended. */
  end: number;
  /** Time the job ran (0 when it did not start). */
  durationMs: number;
  outcome: RunOutcome;
  /** Why it did not start; null when it did. */
  cause: SkipCause | null;
  reason: string | null;
  /** ioguard's exit status for this invocation. */
  exitCode: number;
  jobExitCode: number | null;
  signal: string | null;
  /** Time spent waiting for the previous run (--on-busy wait). */
  waitedMs: number;
  /** Time held back by the pressure gate, and the signals that held it. */
  deferredMs: number;
  heldBy: string[] | null;
  /** Deferred to --defer-max and then started under pressure, paced (absent in lines written before it was recorded). */
  pacedAfterDeferral?: boolean;
  cpuSeconds: number | null;
  peakRssBytes: number | null;
  readBytes: number | null;
  writeBytes: number | null;
  /** io PSI "some" stall % seen when the invocation looked at the system. */
  ioPressure: number | null;
  /** Time the governor held the running job paused (absent in lines written before it was recorded). */
  pausedMs?: number | null;
  /** The run's time over its time unpaused (`durationMs / (durationMs - pausedMs)`, 2 decimals): what the governor's pauses cost it; null when not paused. */
  slowdown?: number | null;
  /** With --jitter: the delay waited before the lock (absent without --jitter). */
  jitterMs?: number;
  /** The dirty + writeback bound (bytes) the run held on its device (--bound-backlog); null or absent when none. */
  backlogBoundBytes?: number | null;
  /** The invocation's wrapper pid. */
  pid: number;
}

/** Outcomes in which the job itself ran (the labels of `ioguard_job_runs_total`, in their order). */
export const STARTED_OUTCOME_LIST = ['completed', 'failed', 'timed-out'] as const satisfies readonly RunOutcome[];
export const STARTED_OUTCOMES: ReadonlySet<RunOutcome> = new Set(STARTED_OUTCOME_LIST);

// write(2) of a regular file is atomic against other writers on local filesystems whatever the
// size, but a line within one page can never be split across a page boundary copy by a short write.
export const MAX_LINE_BYTES = 3800;

/** One history line, `\n`-terminated and under MAX_LINE_BYTES (a long reason is cut). */
export function serializeEntry(entry: HistoryEntry): string {
  let line = JSON.stringify(entry);
  if (Buffer.byteLength(line) >= MAX_LINE_BYTES && entry.reason !== null) {
    line = JSON.stringify({ ...entry, reason: `${entry.reason.slice(0, 500)}...` });
  }
  return `${line}\n`;
}

const OUTCOMES: ReadonlySet<string> = new Set(RUN_OUTCOMES);

/** Parse one line; undefined for anything that is not a history entry (a corrupt line). */
export function parseEntry(line: string): HistoryEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<HistoryEntry>;
  if (e.v !== 1 || typeof e.at !== 'number' || typeof e.end !== 'number' || typeof e.outcome !== 'string' || !OUTCOMES.has(e.outcome)) return undefined;
  return e as HistoryEntry;
}
