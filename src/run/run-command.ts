import { invalidOption } from '../errors/ioguard-error.ts';
import { deriveJobName } from '../lock/job-key.ts';
import { createRunContext } from './context.ts';
import { normalizeRunOptions, type RunOptions } from './options.ts';
import { emptyResult, type RunResult } from './result.ts';
import { runSteps, type Step } from './run-state.ts';
import { backlogBoundStep } from './steps/backlog-bound.ts';
import { fleetStep } from './steps/fleet.ts';
import { governStep } from './steps/govern.ts';
import { interruptedStep } from './steps/interrupted.ts';
import { jitterStep } from './steps/jitter.ts';
import { lockStep } from './steps/lock.ts';
import { pingStep } from './steps/ping.ts';
import { pressureGateStep } from './steps/pressure-gate.ts';
import { priorityStep } from './steps/priority.ts';
import { recordStep } from './steps/record.ts';
import { slotStep } from './steps/slot.ts';
import { spawnStep } from './steps/spawn.ts';
import { superviseStep } from './steps/supervise.ts';

/** The steps of a command's run, in order; each entered step exits in reverse order on every path. */
const COMMAND_STEPS: readonly Step[] = [
  pingStep, // --ping: its exit, last of all, sends the ending; /start goes when supervise lets the job go
  recordStep, // files the invocation in the history (and metrics)
  jitterStep, // --jitter: a random delay before the lock
  lockStep({ adoptOrphans: true }), // the job's lock, or a skip (a fleet orphan is kept to its end)
  fleetStep, // --fleet: one run across hosts
  interruptedStep, // a signal while the locks were taken
  slotStep, // --slot: one heavy job at a time
  pressureGateStep, // skip, defer or throttle under I/O pressure
  backlogBoundStep, // --bound-backlog: the --path device's writeback backlog, restored on every path
  priorityStep, // ionice/nice
  spawnStep, // its own process group, behind the start latch
  governStep, // the governor's lever (cgroup or SIGSTOP)
  superviseStep, // go; sample, forward signals, time out, sweep; the result
];

/**
 * Everything `ioguard run` does, as a function: take the job's lock (judging the previous run),
 * run the command in its own process group, bound it, sweep it, and say how it ended. Never
 * throws for a skip or a job failure; throws IoguardError for bad options or an unusable lock folder.
 */
export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string') || argv[0] === '') {
    throw invalidOption('argv', argv, 'a non-empty array of strings (the command and its arguments)');
  }
  const o = normalizeRunOptions(options);
  const ctx = await createRunContext(o.name ?? deriveJobName(argv), argv, o);
  return runSteps(ctx, emptyResult(ctx.name), COMMAND_STEPS);
}
