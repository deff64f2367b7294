import { spawn, type ChildProcess } from 'node:child_process';
import { readDirtyPercent } from '../proc/system-counters.ts';
import { stallPercent } from '../probe/psi-window.ts';
import { holdsFileOn } from '../proc/open-files.ts';
import { readPsi } from '../proc/psi.ts';
import type { ProcRoots } from '../proc/roots.ts';
import type { NormalizedGovern } from './govern-options.ts';
import type { Lever } from './lever.ts';
import { StopLever } from './stop-lever.ts';
import { othersWaiting } from './others-waiting.ts';
import { callsPerSecond, isSyncWait, relieved, SyncWaitWatch, type SyncWaiter } from './sync-waiters.ts';
import { readPidIo } from '../proc/processes.ts';

export interface PauseInfo {
  since: number;
  /** `io some 74%`, `dirty 95%`, and who waited: `2 others waiting (postgres)`. */
  signals: string[];
}

export interface ResumeInfo {
  pausedMs: number;
  reason: 'pressure-fell' | 'sync-done' | 'no-relief' | 'bounded' | 'ending';
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
   * to the neighbour's burst and cost the job its copy, so the governor does not pause for
   * pressure. It still holds the job while a neighbour waits on a sync look after look
   * (sync-waiters.ts): what such a wait carries is not bounded.
   */
  boundHolds?: () => boolean;
  /**
   * The filesystems (st_dev) the job writes (BacklogPacer.writtenFilesystems): a neighbour's sync
   * holds the job only when the neighbour holds a file open on one of them. Absent: any neighbour.
   */
  jobFilesystems?: () => ReadonlySet<number>;
  /** Called once per run, the first time a pause is left to the bound, with what the sample read. */
  onLeftToBound?: (signals: string[]) => void;
}

/** While the bound holds the job: how often the governor looks for a neighbour waiting on a sync. */
export const SYNC_LOOK_MS = 250;
/** Looks in a row a neighbour must be seen in a sync wait before the job is held: half a second at least. */
export const SYNC_LOOKS_TO_HOLD = 3;
/**
 * Looks in a row without any neighbour in a sync wait before a job held for one is let go, with io
 * `some` below resumeBelow; or SYNC_LOOKS_TO_RESUME_UNDER_PRESSURE looks at any pressure: a
 * committer between two commits is not gone, and a neighbour who waits behind another writer must
 * not hold the job for long.
 */
export const SYNC_LOOKS_TO_RESUME = 2;
export const SYNC_LOOKS_TO_RESUME_UNDER_PRESSURE = 6;

/**
 * A second into a hold, the waiter's read and write calls per second must be RELIEF_RATIO times
 * what they were before it, or the hold ends (`no-relief`) and that process is not held for again
 * for SYNC_BACKOFF_MS: it waits behind someone else, and holding the job only costs the job.
 */
export const RELIEF_WINDOW_MS = 1000;
export const RELIEF_RATIO = 1.5;
export const SYNC_BACKOFF_MS = 30_000;

/** How long a waiter's "holds a file where the job writes" stands before it is looked up again. */
const FS_LOOKUP_MS = 5000;

/** A hold for a neighbour's sync: who, its calls per second before, and the reading the relief check starts from. */
interface SyncHold {
  pid: number;
  comm: string;
  before: number | undefined;
  at: number;
  calls: number | undefined;
  checked: boolean;
}

/**
 * While the job runs: every interval, io `some` stall % since the last sample (from PSI totals),
 * the dirty level, and whether processes outside the job wait on I/O. Sustained pressure with
 * others waiting (or dirty pages at the throttle point) → pause the job with its lever (SIGSTOP
 * of its group, the cgroup freezer, or a blkio/io.max throttle); io below `resumeBelow` and dirty
 * below the limit → resume. While the backlog bound holds every write of the job, it is left to
 * pace the job and no pause is taken for pressure; only a neighbour waiting on a sync, look after
 * look, on a filesystem the job writes, holds it then (look()). A pause never exceeds maxPauseMs and
 * two pauses are at least minRunMs apart, so the job always finishes. A detached watchdog
 * undoes the pause at the bound even if this wrapper dies while the job is stopped.
 */
export class Governor {
  private timer: NodeJS.Timeout | undefined;
  private lookTimer: NodeJS.Timeout | undefined;
  private lastLook: { at: number; totalUs: number } | undefined;
  private readonly syncWatch = new SyncWaitWatch(SYNC_LOOKS_TO_HOLD);
  /** Waiters already looked up: do they hold a file where the job writes? */
  private readonly fsSeen = new Map<number, { at: number; on: boolean }>();
  /**
   * Set while the job is held for a neighbour's sync (by look(), not the tick): who, its calls per
   * second before, and the reading the relief check starts from.
   */
  private holdFor: SyncHold | undefined;
  /** Waiters a hold did not relieve, and until when they are not held for. */
  private readonly backoff = new Map<number, number>();
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
    if (this.g.boundHolds) {
      this.lastLook = this.last;
      this.lookTimer = setInterval(() => this.look(), SYNC_LOOK_MS);
      this.lookTimer.unref();
    }
  }

  /** Stop sampling and let the job go: before termination (a stopped group ignores TERM handlers) and at the end. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.lookTimer) clearInterval(this.lookTimer);
    this.timer = undefined;
    this.lookTimer = undefined;
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
      // A hold for a neighbour's sync is the look's to end.
      if (this.holdFor !== undefined) return;
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

  /**
   * While the bound holds the job, every SYNC_LOOK_MS: a neighbour (outside the job's group, not
   * a kernel thread) seen waiting on a sync in SYNC_LOOKS_TO_HOLD looks in a row, with io `some`
   * over the limit, holds the job until SYNC_LOOKS_TO_RESUME looks in a row find nobody waiting
   * so with io `some` below resumeBelow, SYNC_LOOKS_TO_RESUME_UNDER_PRESSURE looks at any
   * pressure, or maxPauseMs. minRunMs still separates two pauses, so the job always finishes.
   */
  look(): void {
    const { o, now } = this.g;
    const current = this.readTotal();
    if (!current || !this.lastLook) return;
    const stall = stallPercent(this.lastLook.totalUs, current.totalUs, current.at - this.lastLook.at) ?? 0;
    this.lastLook = current;
    const t = now();
    if (this.pausedAt !== undefined) {
      if (this.holdFor === undefined) return;
      const waiters = this.syncWaiters(t);
      this.syncWatch.look(waiters, t);
      const signals = [`io some ${Math.round(stall)}%`, ...describeWaiters(waiters)];
      if (t - this.pausedAt >= o.maxPauseMs) return this.resume('bounded', signals);
      const h = this.holdFor;
      const waiting = h.checked || t - h.at < RELIEF_WINDOW_MS ? undefined : waiters.find((w) => w.pid === h.pid);
      if (waiting !== undefined) {
        h.checked = true;
        const during = callsPerSecond(h.calls, waiting.calls, t - h.at);
        if (!relieved(h.before, during, RELIEF_RATIO)) {
          this.backoff.set(h.pid, t + SYNC_BACKOFF_MS);
          return this.resume('no-relief', [...signals, `${h.comm}: ${rate(during)} calls/s held, ${rate(h.before)} before`]);
        }
      }
      const quiet = this.syncWatch.quietLooks;
      if ((quiet >= SYNC_LOOKS_TO_RESUME && stall < o.resumeBelow) || quiet >= SYNC_LOOKS_TO_RESUME_UNDER_PRESSURE) this.resume('sync-done', signals);
      return;
    }
    if (stall <= o.maxIoPressure || !this.g.boundHolds?.()) return this.syncWatch.reset();
    const held = this.syncWatch.look(
      this.syncWaiters(t).filter((w) => (this.backoff.get(w.pid) ?? 0) <= t),
      t,
    );
    // minRunMs runs from the last resume; a job is held from its first look on.
    if (held === undefined || (this.pauses > 0 && t - this.resumedAt < o.minRunMs)) return;
    const { pid, comm, wchan, calls } = held.waiter;
    const signals = [`io some ${Math.round(stall)}%`, `${comm} waiting on a sync (${wchan}) ${held.looks} looks in a row, ${rate(held.callsPerSecond)} calls/s`];
    this.pause(signals, t, { pid, comm, before: held.callsPerSecond, at: t, calls, checked: false });
  }

  /** Does the waiter hold a file on a filesystem the job writes? Looked up once per process per 5 s. */
  private onJobFilesystem(pid: number, t: number): boolean {
    const fs = this.g.jobFilesystems;
    if (fs === undefined) return true;
    const seen = this.fsSeen.get(pid);
    if (seen !== undefined && t - seen.at < FS_LOOKUP_MS) return seen.on;
    const on = holdsFileOn(pid, fs(), this.g.roots.procRoot);
    if (this.fsSeen.size > 256) this.fsSeen.clear();
    this.fsSeen.set(pid, { at: t, on });
    return on;
  }

  /** Neighbours in a sync wait now, on a filesystem the job writes, with their calls so far. */
  private syncWaiters(t: number): SyncWaiter[] {
    return othersWaiting(this.g.pgid, this.g.roots)
      .filter((w) => isSyncWait(w.wchan) && this.onJobFilesystem(w.pid, t))
      .map((w) => ({ ...w, calls: readPidIo(w.pid, this.g.roots)?.calls }));
  }

  private leaveToBound(signals: string[]): void {
    if (this.leftToBound) return;
    this.leftToBound = true;
    this.g.onLeftToBound?.(signals);
  }

  private pause(signals: string[], t: number, hold?: SyncHold): void {
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
    this.holdFor = hold;
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
    this.syncWatch.reset();
    this.holdFor = undefined;
    if (this.watchdog?.pid !== undefined) {
      try {
        process.kill(-this.watchdog.pid, 'SIGKILL');
      } catch {}
    }
    this.watchdog = undefined;
    this.g.onResume({ pausedMs, reason, signals });
  }
}

/** `2 others waiting on a sync (node: folio_wait_bit)`; nothing when nobody waits. */
function describeWaiters(waiters: ReadonlyArray<{ comm: string; wchan: string | undefined }>): string[] {
  if (waiters.length === 0) return [];
  const names = [...new Set(waiters.map((w) => `${w.comm}: ${w.wchan}`))].slice(0, 3).join(', ');
  return [`${waiters.length} other${waiters.length === 1 ? '' : 's'} waiting on a sync (${names})`];
}

function rate(perSecond: number | undefined): string {
  return perSecond === undefined ? '?' : String(Math.round(perSecond));
}
