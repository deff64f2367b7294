import { STARTED_OUTCOMES } from '../history/entry.ts';
import type { InvocationResult } from '../history/invocation-entry.ts';
import type { LockOutcome } from '../lock/acquire.ts';
import type { LiveState } from './render.ts';

/** What the metrics say is happening now: the run this invocation found, or its own survivors. `lock` undefined: it ended before the lock (--jitter). */
export function liveState(result: InvocationResult, lock: LockOutcome | undefined): LiveState {
  // A busy lock whose run this invocation then adopted and saw to its end (fleet) is not running.
  const found = (lock?.kind === 'busy' || lock?.kind === 'stuck') && !STARTED_OUTCOMES.has(result.outcome);
  return {
    running: found || result.survivors.length > 0,
    stuck: lock?.kind === 'stuck' || result.survivors.length > 0,
    runningForMs: found ? (result.holder?.ageMs ?? null) : null,
  };
}
