import type { RunOptions } from '../run/options.ts';
import type { RunResult } from '../run/result.ts';

/** Options of `guard`: those of `runCommand` that make sense for a function in this process (no process group to govern). */
export type GuardOptions = Omit<
  RunOptions,
  'name' | 'cwd' | 'env' | 'ionice' | 'nice' | 'killSignal' | 'killAfterMs' | 'forwardSignals' | 'sampleIntervalMs' | 'output' | 'govern'
>;

/** The same shape as a command's result, plus what the function returned or threw. */
export interface GuardResult<T> extends RunResult {
  /** The function's resolved value, when it completed. */
  value?: T;
  /** What the function threw or rejected with (outcome 'failed' or 'timed-out'). */
  error?: unknown;
}

/** What `fn` learns about its run besides the AbortSignal. */
export interface GuardRun {
  /** With the fleet lock: the fencing token of this acquisition (grows with every acquisition), else null. */
  fencingToken: string | null;
}
