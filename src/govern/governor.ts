import { spawn, type ChildProcess } from 'node:child_process';
import { readDirtyPercent } from '../proc/system-counters.ts';
import { stallPercent } from '../probe/psi-window.ts';
import { readPsi } from '../proc/psi.ts';
import type { ProcRoots } from '../proc/roots.ts';
import type { NormalizedGovern } from './govern-options.ts';
import type { Lever } from './lever.ts';
import { StopLever } from './stop-lever.ts';
import { othersWaiting } from './others-waiting.ts';

export interface PauseInfo {
  since: number;
  /** `io some 74%`, `dirty 95%`, and who waited: `2 others waiting (postgres)`. */
  signals: string[];
}

export interface ResumeInfo {
  pausedMs: number;
  reason: 'pressure-fell' | 'bounded' | 'ending';
  /** What the last sample read. */
  signals: string[];
}

export interface GovernorOptions {
  pgid: number;
  /** How the job is held back; SIGSTOP of the group when absent. */
  lever?: Lever;
  /** The watchdog's shell (default /bin/sh); tests name a missing one to see a pause refused. */
  watchdogShell?: string;
  /** Where the watchdog's errors go (an open fd); the wrapper's stderr by default, so a failed resume is never silent. */
  watchdogStderr?: number;
  o: NormalizedGovern;
  roots: ProcRoots;
  now: () => number;
  onPause: (p: PauseInfo) => void;
  onResume: (r: ResumeInfo) => void;
  /**
   * Does the backlog bound hold the job (BacklogPacer.holdsJob in backlog-pacer.ts)? Then the
   * job is already paced at the device's drain rate: a pause would only add its backlog's drain
   * to the neighbour's burst and cost the job its copy, so the governor does not pause.
   */
  boundHolds?: () => boolean;
  /** Called once per run, the first time a pause is left to the bound, with what the sample read. */
  onLeftToBound?: (signals: string[]) => void;
}

/**
 * While the job runs: every interval, io `some` stall % since the last sample (from PSI totals),
 * the dirty level, and whether processes outside the job wait on I/O. Sustained pressure with
 * others waiting (or dirty pages at the throttle point) → pause the job with its lever (SIGSTOP
 * of its group, the cgroup freezer, or a blkio/io.max throttle); io below `resumeBelow` and dirty
 * below the limit → resume. While the backlog bound holds every write of the job, it is left to
 * pace the job and no pause is taken. A pause never exceeds maxPauseMs and
 * two pauses are at least minRunMs apart, so the job always finishes. A detached watchdog sends
 * undoes the pause at the bound even if this wrapper dies while the job is stopped.
 */
export class Governor {
  private timer: NodeJS.Timeout | undefined;
  private last: { at: number; totalUs: number } | undefined;
  private overMs = 0;
  private othersSeen = false;
  private pausedAt: number | undefined;
  private resumedAt: number;
  private watchdog: ChildProcess | undefined;
  /** When a quiet reading may resume the job: a random 0-2 intervals after the first quiet one. */
  private resumeAfter: number | undefined;
  private leftToBound = false;
  /** Pauses so far and their total length, for the run's result and log. */
  pauses = 0;
  pausedMs = 0;
  readonly g: GovernorOptions;
  readonly lever: Lever;

  constructor(g: GovernorOptions) {
    this.g = g;
    this.lever = g.lever ?? new StopLever(g.pgid);
    this.resumedAt = g.now();
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  start(): void {
    this.last = this.readTotal();
    // No PSI (kernel < 4.20): nothing to govern by; dirty alone would pause blind to who suffers.
    if (this.last === undefined) return;
    this.timer = setInterval(() => this.tick(), this.g.o.intervalMs);
    this.timer.unref();
  }

  /** Stop sampling and let the job go: before termination (a stopped group ignores TERM handlers) and at the end. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.paused) this.resume('ending', []);
  }

  private readTotal(): { at: number; totalUs: number } | undefined {
    const r = readPsi('io', this.g.roots);
    return r.ok ? { at: this.g.now(), totalUs: r.value.some.totalUs } : undefined;
  }

  tick(): void {
    const { o, now } = this.g;
    const current = this.readTotal();
    if (!current || !this.last) return;
    const elapsed = current.at - this.last.at;
    const stall = stallPercent(this.last.totalUs, current.totalUs, elapsed) ?? 0;
    this.last = current;
    const dirty = readDirtyPercent(this.g.roots);
    const signals = [`io some ${Math.round(stall)}%`, ...(dirty === undefined ? [] : [`dirty ${Math.round(dirty)}%`])];
    const t = now();
    if (this.pausedAt !== undefined) {
      if (t - this.pausedAt >= o.maxPauseMs) return this.resume('bounded', signals);
      if (stall >= o.resumeBelow || (dirty !== undefined && dirty >= o.maxDirty)) {
        this.resumeAfter = undefined;
        return;
      }
      // Jobs paused together must not resume together (they would pause together again): each
      // waits a random 0-2 intervals of quiet, and one that resumed first makes the others wait.
      this.resumeAfter ??= t + Math.random() * 2 * o.intervalMs;
      if (t >= this.resumeAfter) this.resume('pressure-fell', signals);
      return;
    }
    const dirtyOver = dirty !== undefined && dirty >= o.maxDirty;
    if (stall > o.maxIoPressure || dirtyOver) {
      this.overMs += elapsed;
      const others = stall > o.maxIoPressure ? othersWaiting(this.g.pgid, this.g.roots) : [];
      if (others.length > 0) {
        this.othersSeen = true;
        signals.push(`${others.length} other${others.length === 1 ? '' : 's'} waiting (${[...new Set(others.map((p) => p.comm))].slice(0, 3).join(', ')})`);
      }
      if (this.overMs >= o.sustainMs && (this.othersSeen || dirtyOver) && t - this.resumedAt >= o.minRunMs) {
        if (this.g.boundHolds?.()) return this.leaveToBound(signals);
        this.pause(signals, t);
      }
    } else {
      this.overMs = 0;
      this.othersSeen = false;
    }
  }

  private leaveToBound(signals: string[]): void {
    if (this.leftToBound) return;
    this.leftToBound = true;
    this.g.onLeftToBound?.(signals);
  }

  private pause(signals: string[], t: number): void {
    const seconds = Math.ceil((this.g.o.maxPauseMs + 2000) / 1000);
    // Resume guarantee that outlives the wrapper: SIGKILL of ioguard must not leave the job stopped
    // forever. Started before the pause, by absolute path (no PATH lookup in a root wrapper); if it
    // cannot start, the job is not paused.
    let watchdog: ChildProcess;
    const undo = this.lever.undo();
    try {
      watchdog = spawn(this.g.watchdogShell ?? '/bin/sh', ['-c', `sleep "$1"; shift; ${undo.script}`, 'ioguard-watchdog', String(seconds), ...undo.args], { detached: true, stdio: ['ignore', 'ignore', this.g.watchdogStderr ?? 2], env: { PATH: '/usr/bin:/bin' } });
    } catch {
      return;
    }
    watchdog.on('error', () => {});
    watchdog.unref();
    // A failed spawn has no pid, and ChildProcess.kill() on it signalled an uninitialised pid here
    // (strace: kill(27262977, SIGKILL); 0 would be our own group): nothing started, nothing to kill.
    if (watchdog.pid === undefined) return;
    if (!this.lever.pause()) {
      try {
        process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      return;
    }
    this.watchdog = watchdog;
    this.pausedAt = t;
    this.pauses++;
    this.g.onPause({ since: t, signals });
  }

  private resume(reason: ResumeInfo['reason'], signals: string[]): void {
    if (this.pausedAt === undefined) return;
    this.lever.resume();
    const t = this.g.now();
    const pausedMs = t - this.pausedAt;
    this.pausedMs += pausedMs;
    this.pausedAt = undefined;
    this.resumeAfter = undefined;
    this.resumedAt = t;
    this.overMs = 0;
    this.othersSeen = false;
    if (this.watchdog?.pid !== undefined) {
      try {
        process.kill(-this.watchdog.pid, 'SIGKILL');
      } catch {}
    }
    this.watchdog = undefined;
    this.g.onResume({ pausedMs, reason, signals });
  }
}
