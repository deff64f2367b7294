import { invalidOption } from '../errors/ioguard-error.ts';
import { validateJobName } from '../lock/job-key.ts';
import { createRunContext } from '../run/context.ts';
import { normalizeRunOptions } from '../run/options.ts';
import { emptyResult } from '../run/result.ts';
import { runSteps } from '../run/run-state.ts';
import { fleetStep } from '../run/steps/fleet.ts';
import { interruptedStep } from '../run/steps/interrupted.ts';
import { jitterStep } from '../run/steps/jitter.ts';
import { lockStep } from '../run/steps/lock.ts';
import { pingStep } from '../run/steps/ping.ts';
import { pressureGateStep } from '../run/steps/pressure-gate.ts';
import { recordStep } from '../run/steps/record.ts';
import { slotStep } from '../run/steps/slot.ts';
import { callFunctionStep } from './call-function.ts';
import type { GuardOptions, GuardResult, GuardRun } from './guard-types.ts';

export type { GuardOptions, GuardResult, GuardRun } from './guard-types.ts';

/**
 * Run `fn` under the job lock `name`, for scheduler callbacks (croner, node-cron, bree, timers).
 * The lock is the one `ioguard run --name NAME` takes, so a crontab entry and a Node service
 * exclude each other. A timeout aborts the AbortSignal given to `fn`; a function that ignores it is
 * reported as timed out when it settles, and the lock is held until then: a function cannot be
 * killed, and releasing early would let a second copy start beside it.
 * Never rejects for a skip or a failing `fn`; rejects only for bad arguments or an unusable lock folder.
 */
export async function guard<T>(
  name: string,
  fn: (signal: AbortSignal, run: GuardRun) => T | Promise<T>,
  options: GuardOptions = {},
): Promise<GuardResult<T>> {
  if (typeof name !== 'string') throw invalidOption('name', name, 'a string');
  validateJobName(name, 'name');
  if (typeof fn !== 'function') throw invalidOption('fn', fn, 'a function');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption('options', options, 'an object');
  // A function has no process group to govern: nothing paces it (the gate says so at --defer-max).
  const o = normalizeRunOptions({ ...options, name, govern: false });
  const ctx = await createRunContext(name, ['(function)', name], o);
  const result: GuardResult<T> = emptyResult(name);
  // The steps of a command's run, with the call of `fn` for spawn, govern and supervise.
  return runSteps(ctx, result, [
    pingStep, // ping: its exit, last of all, sends the ending; /start goes when fn is called
    recordStep, // files the invocation in the history (and metrics)
    jitterStep, // jitterMs: a random delay before the lock
    lockStep({ adoptOrphans: false }), // the job's lock, or a skip
    fleetStep, // --fleet: one run across hosts
    interruptedStep, // a signal (an aborted AbortSignal) while the locks were taken
    slotStep, // a slot: one heavy job at a time
    pressureGateStep, // skip or defer under I/O pressure
    callFunctionStep(fn), // record this process as the job, call fn, bound it by the deadline
  ]);
}
