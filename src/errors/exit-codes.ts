/**
 * The one exit-code table. The CLI turns every outcome and every error into one of these;
 * the README's table is generated from the same meanings.
 */
export const EXIT = {
  /** The job's own status passes through; 0 is shown here for completeness. */
  ok: 0,
  /** Usage error: unknown flag, bad value, missing command. */
  usage: 2,
  /** `--timeout` reached; the job's process group was terminated. */
  timedOut: 124,
  /** ioguard's own failure (lock folder unusable, internal error). */
  internal: 125,
  /** The command exists but could not be executed (permission, not a binary). */
  notExecutable: 126,
  /** The command was not found. */
  notFound: 127,
  /** Skipped: the previous run is still working, or the system is under pressure. Override with --skip-exit-code. */
  skipped: 75,
  /** Refused: the previous run is stuck in D state without progress, or survived SIGKILL. */
  stuck: 76,
  /** `--fleet-lost terminate`: the fleet lock was lost while the job ran and not retaken; the job was ended. Same number as `stuck`: a run refused or ended because it is not safe to go on. */
  fleetLost: 76,
} as const;

/** 128 + N when signal N ended the job, as shells report it. */
export const SIGNAL_EXIT_BASE = 128;

export const EXIT_MEANINGS: ReadonlyArray<{ code: string; meaning: string }> = [
  { code: '0..255', meaning: "the job's own exit status, passed through" },
  { code: '128+N', meaning: 'the job was ended by signal N (e.g. 137 for SIGKILL, 143 for SIGTERM)' },
  { code: String(EXIT.usage), meaning: 'usage error: unknown flag, bad value, missing command (one line on stderr names the flag)' },
  { code: String(EXIT.skipped), meaning: 'skipped: previous run still working, waiting was bounded, or the system is under I/O pressure (change with --skip-exit-code)' },
  { code: String(EXIT.stuck), meaning: 'refused: the previous run is stuck in D state without progress or survived SIGKILL; a fleet conflict (the job ran on two hosts); or the fleet lock was lost (--fleet-lost terminate)' },
  { code: String(EXIT.timedOut), meaning: 'timed out: --timeout reached, the process group was terminated' },
  { code: String(EXIT.internal), meaning: "ioguard's own failure: unusable lock folder, unreadable state, internal error" },
  { code: String(EXIT.notExecutable), meaning: 'the command was found but cannot be executed' },
  { code: String(EXIT.notFound), meaning: 'the command was not found' },
];
