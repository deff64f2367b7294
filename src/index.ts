/**
 * ioguard's public library API: the deliberate export list. Everything else is internal.
 * The CLI (yargs-free, in src/cli) is not reachable from here, so library users load none of it.
 */
export { runCommand } from './run/run-command.ts';
export type { RunOptions } from './run/options.ts';
export type { RunResult, RunOutcome, HolderInfo, SurvivorInfo } from './run/result.ts';
export type { OnBusy } from './lock/acquire.ts';

export { guard, type GuardOptions, type GuardResult, type GuardRun } from './guard/guard.ts';

export { listJobs, type JobStatus, type JobState, type ListJobsOptions } from './status/list-jobs.ts';
export { jobHistory, type JobHistory } from './history/job-history.ts';
export type { JobHistoryView } from './history/history-view.ts';
export type { HistoryEntry, SkipCause } from './history/entry.ts';
export type { Forecast } from './history/forecast.ts';
export type { RunUsage } from './proc/job-usage.ts';

export { listFleetJobs, checkFleet, type FleetJobStatus, type FleetJobState, type FleetReachability } from './fleet/list-fleet.ts';
export type { FleetOptions, FleetUnavailablePolicy } from './fleet/fleet-options.ts';
export type { FleetBackend, FleetHolder, FleetPhase, AcquireRequest, AcquireResult, RefreshRequest, RefreshResult } from './fleet/backend.ts';

export { probe, type ProbeOptions } from './probe/probe.ts';
export { checkSystem } from './probe/check-system.ts';
export { evaluate, type Verdict, type Check, type Reason, type ThresholdSignal } from './probe/evaluate.ts';
export { DEFAULT_THRESHOLDS, parseThresholdOptions, validateThresholds, type Thresholds, type MinFree } from './probe/thresholds.ts';
export type { ProbeSnapshot, PsiSnapshot, DiskRates, DirtySignal, DStateCensus, LoadSignal } from './probe/types.ts';
export type { GateOptions, OnPressure } from './gate/gate-options.ts';
export type { IoPriority } from './gate/io-priority.ts';
export type { GovernOptions } from './govern/govern-options.ts';
export type { LeverChoice } from './govern/lever.ts';
export type { Slot } from './slot/slot.ts';

export { IoguardError, isIoguardError, type IoguardErrorCode } from './errors/ioguard-error.ts';
export { EXIT, EXIT_MEANINGS } from './errors/exit-codes.ts';
export { parseDuration, formatDuration } from './util/duration.ts';
export { VERSION } from './version.ts';
