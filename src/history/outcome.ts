/**
 * How a run ended, as a word a caller can switch on. 'conflict': the fleet lock showed the job
 * running on two hosts (exit 76 on the late side). Here, below run/, because the history records
 * it and reads it back (run/result.ts re-exports it with the result).
 */
export const RUN_OUTCOMES = ['completed', 'failed', 'skipped', 'deferred-then-skipped', 'timed-out', 'stuck', 'conflict'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
