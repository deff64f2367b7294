/** How the governor slows a job under pressure (docs/pressure.md, "Which lever"). */
export type LeverKind = 'stop' | 'freeze' | 'throttle';
export type LeverChoice = 'auto' | LeverKind;
export const LEVER_CHOICES: readonly LeverChoice[] = ['auto', 'stop', 'freeze', 'throttle'];

/**
 * One way to hold a job back and let it go again. `pause` stops (SIGSTOP, freezer) or throttles
 * (blkio, io.max) the job; `resume` undoes it. The detached watchdog runs `undo` if the wrapper
 * dies mid-pause. `release` undoes everything after the run and removes the job's cgroup.
 */
export interface Lever {
  readonly kind: LeverKind;
  /** False when nothing was paused (the job is gone, the cgroup cannot be written). */
  pause(): boolean;
  resume(): void;
  /** A /bin/sh script and its arguments that undo a pause; never a string built from values. */
  undo(): { script: string; args: string[] };
  /** For the log: `SIGSTOP to group 123`, `freezer.state FROZEN in /sys/fs/cgroup/freezer/ioguard/x-123`. */
  describe(): string;
  /** After the run: resume, clear limits, move leftovers out and remove the job's cgroup. Never throws. */
  release(): Promise<void>;
}
