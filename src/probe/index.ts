/** The I/O health probe: what the library exports. Re-exports only. */
export { probe, DEFAULT_WINDOW_MS, type ProbeOptions } from './probe.ts';
export { evaluate, type Check, type Reason, type ThresholdSignal, type Verdict } from './evaluate.ts';
export { DEFAULT_THRESHOLDS, FALLBACK_MAX_UTIL, THRESHOLD_FLAGS, parseThresholdOptions, type MinFree, type Thresholds } from './thresholds.ts';
export { formatCheck } from './format-check.ts';
export { toCheckJson } from './check-json.ts';
export { describeWchan } from './wchan-meanings.ts';
export type {
  DiskRates,
  DirtySignal,
  DStateCensus,
  DStateGroup,
  LoadSignal,
  PathSignal,
  ProbeSnapshot,
  PsiSignal,
  PsiSnapshot,
  PsiWindow,
  Unreadable,
} from './types.ts';
export type { DStateTask } from '../proc/d-state-tasks.ts';
export type { FsSpace } from '../proc/fs-space.ts';
export type { PathDevices } from '../proc/path-devices.ts';
