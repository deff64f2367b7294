import type { PathDevices } from '../proc/path-devices.ts';
import type { FsSpace } from '../proc/fs-space.ts';
import type { PsiLine } from '../proc/parse-psi.ts';
import type { DStateTask } from '../proc/d-state-tasks.ts';
import type { IostatFigures } from './disk-rates.ts';

/** A PSI line plus the stall measured over the probe's own window (avgN lag a step load by seconds). */
export interface PsiWindow extends PsiLine {
  /** Δtotal / Δwall × 100 over the window; undefined when the counter went backwards. */
  stallPercent: number | undefined;
}

export interface PsiSignal {
  some: PsiWindow;
  /** Absent when the kernel prints no `full` line for this resource. */
  full: PsiWindow | undefined;
}

export interface PsiSnapshot {
  io: PsiSignal | undefined;
  memory: PsiSignal | undefined;
  cpu: PsiSignal | undefined;
}

/** One device over the window, computed as `iostat -x` does. */
export interface DiskRates extends IostatFigures {
  name: string;
  major: number;
  minor: number;
  partition: boolean;
  /** From /sys/block/<dev>/inflight at the end of the window (undefined for partitions). */
  inFlightReads: number | undefined;
  inFlightWrites: number | undefined;
  /** True when the probed path's reads and writes end up on this device. */
  backsPath: boolean;
}

export interface DirtySignal {
  dirtyPages: number;
  writebackPages: number;
  thresholdPages: number;
  backgroundThresholdPages: number;
  /** (threshold + background threshold) / 2: above it writers wait in balance_dirty_pages. */
  throttlePointPages: number;
  /** (dirty + writeback) / throttle point × 100. */
  percentOfThrottle: number;
  pageSizeBytes: number;
}

export interface DStateGroup {
  /** The kernel function the tasks wait in; `?` when the kernel did not say. */
  wchan: string;
  meaning: string | undefined;
  count: number;
  tasks: DStateTask[];
}

export interface DStateCensus {
  count: number;
  /** Largest group first. */
  groups: DStateGroup[];
}

export interface LoadSignal {
  load1: number;
  load5: number;
  load15: number;
  cpus: number;
  perCpu1: number;
  perCpu5: number;
  perCpu15: number;
}

export interface Unreadable {
  signal: string;
  path: string;
}

export interface PathSignal extends PathDevices {
  /** The nearest existing ancestor, when the path itself does not exist yet (a job's output folder). */
  checkedPath: string;
}

/** Everything one probe saw. Signals that could not be read are undefined and listed in `missing`/`unreadable`. */
export interface ProbeSnapshot {
  /** Measured length of the sampling window in ms. */
  windowMs: number;
  psi: PsiSnapshot;
  /** Whole disks (dm, md, loop included), by name; partitions only when asked for. */
  disks: DiskRates[];
  path: PathSignal | undefined;
  space: FsSpace | undefined;
  dirty: DirtySignal | undefined;
  dState: DStateCensus;
  load: LoadSignal | undefined;
  /** Signals this kernel does not provide (e.g. `psi.io` before 4.20): normal, never fatal. */
  missing: string[];
  /** Signals present but not readable (permissions, garbage). */
  unreadable: Unreadable[];
}
