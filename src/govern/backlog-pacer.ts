import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDiskstats } from '../proc/parse-diskstats.ts';
import { parseVmstatWritten } from '../proc/parse-vmstat.ts';
import { listGroupMembers } from '../proc/processes.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { readPageSize } from '../proc/system-counters.ts';
import { boundBacklog, boundCeiling, type HeldBound, type HolderIdentity } from './backlog-bound.ts';
import { bdisOfPath } from './bdi-limits.ts';
import { DeviceRate, autoBacklogBytes, nextAutoBytes, worthResizing } from './device-rate.ts';
import { ownLogFiles, writtenFilesByDevice } from './written-files.ts';

export type BoundWhy = '--path' | 'named in the command' | 'the job writes there';

export interface BacklogPacerOptions {
  /**
   * A fixed bound (`--bound-backlog SIZE`), or 'auto': the device's recent peak write rate × its
   * share of `waitMs` (the whole of it, or an equal part when page-cache levels are stacked).
   */
  bytes: number | 'auto';
  /** With 'auto': the wait a foreground write may find behind the job's backlog, over every level under its path. */
  waitMs: number;
  /** Bounded before the job runs its own code (`--path`). */
  paths: readonly string[];
  /**
   * Paths the command names (`commandPaths`), bounded before it runs too, since a job fills a
   * device's whole allowance in its first milliseconds; released after `guessHoldMs` when the job
   * was never seen writing there (a copy's source).
   */
  guessedPaths: readonly string[];
  guessHoldMs: number;
  ledgerDir: string;
  job: string;
  /** The run's identity, recorded as the bound's holder (read from /proc when absent). */
  holder?: HolderIdentity;
  roots: ProcRoots;
  now: () => number;
  /** How often the job's files and the devices' rates are looked at (a tenth of it for the first ten looks). */
  intervalMs: number;
  /** `levels`: the page-cache levels stacked under the path (1 but below a loop device with direct I/O off). */
  onBound: (b: HeldBound, why: BoundWhy, levels: number) => void;
  onResize: (b: HeldBound, from: number, bytesPerSecond: number, levels: number) => void;
  /** A guessed device let go early: the job did not write there. */
  onRelease: (b: HeldBound) => void;
  onProblem: (problem: string) => void;
}

/** What a pacer held when it stopped, for the log and the run's result. */
export interface PacerSummary {
  devices: string[];
  /** The smallest bound in force at the end; undefined when none was held. */
  smallestBytes: number | undefined;
}

/** Where a guessed path would be written: an existing folder, or the folder of a path about to be created. Existing files are inputs more often than outputs: the job's open files tell. */
export function guessWhereWritten(path: string): string | undefined {
  try {
    return statSync(path).isDirectory() ? path : undefined;
  } catch {
    try {
      return statSync(dirname(path)).isDirectory() ? dirname(path) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Reads the job may make beyond twice its writes before the bound no longer counts as holding its I/O. */
const READS_SLACK_BYTES = 64 * 1024 * 1024;
/** Filesystems whose files live in memory: writes there queue nothing on a disk. */
const MEMORY_FILESYSTEMS = new Set(['tmpfs', 'ramfs', 'devtmpfs', 'hugetlbfs']);

/** How long the first look at the devices' rates lasts, when there are devices to bound before the job starts. */
const FIRST_RATE_MS = 100;

/**
 * The backlog bound while a job runs (docs/governor.md, "Bounding the backlog"): the devices
 * behind `--path` and those the command names are bounded at `start()`; once the job runs, the
 * devices of the regular files its group holds open for writing join them, and with 'auto' each
 * bound follows what the device drains in `waitMs`. `stop()` releases every bound (the last holder
 * of a device restores it).
 */
export class BacklogPacer {
  private readonly o: BacklogPacerOptions;
  private readonly held = new Map<string, HeldBound>();
  private readonly rates = new Map<string, DeviceRate>();
  /** st_dev values settled for this run: bounded, or without a writeback device for good. */
  private readonly seenDevs = new Set<number>();
  private readonly problemsSaid = new Set<string>();
  /** The wrapper's own append-mode stdout/stderr files, which the job inherits: the caller's log, not the job's data. */
  private readonly callersLogs = ownLogFiles();
  /** Each device's recent peak write rate (bytes/s) at the last read of /proc/diskstats. */
  private lastPeaks = new Map<string, number>();
  /** The machine's page-cache writeback (/proc/vmstat nr_written), and its recent peak once measured. */
  private readonly buffered = new DeviceRate();
  private bufferedPeak: number | undefined;
  private readonly pageSize: number;
  /** The job's storage reads and writes so far (the supervisor's samples), when the caller gives them. */
  private jobIo: (() => { read: number; write: number }) | undefined;
  /** Devices /proc/diskstats lists: the auto bound needs a device's rate. */
  private listed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private group: { pgid: number; leaderStart: number; since: number } | undefined;
  /** Devices bounded on a guess, and the devices the job was seen writing. */
  private readonly guessed = new Set<string>();
  private readonly written = new Set<string>();
  /**
   * Per bounded device, the page-cache levels stacked under a path it serves (the longest chain
   * bdisOfPath gave): a foreground write there waits behind every level's backlog in turn, so an
   * auto bound gets an equal share of `waitMs`.
   */
  private readonly levels = new Map<string, number>();
  /** The job was seen writing with O_DIRECT: data that never enters the backlog a bound holds. */
  private directSeen = false;
  /** The job was seen writing where no bound reaches: a block device itself, an overlay whose upper layer is out of sight, a filesystem without a writeback device of its own. */
  private unboundedSeen = false;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(o: BacklogPacerOptions) {
    this.o = o;
    this.pageSize = readPageSize(o.roots);
  }

  /** The filesystems (st_dev) the job was seen writing: a neighbour's sync there may wait for the job (governor.ts). */
  writtenFilesystems(): ReadonlySet<number> {
    return this.seenDevs;
  }

  /** The bounds in force now, for status and the result. */
  get bounds(): HeldBound[] {
    return [...this.held.values()];
  }

  /**
   * Does a bound hold the job's I/O? True once the job holds files open for writing, every device
   * under them is bounded below the global dirty limit, none of them is written with O_DIRECT, on
   * a raw block device or where no bound reaches (an overlay whose upper layer is out of sight), and the job reads no more than twice
   * what it writes (a bound holds writes only: `tar czf` harms by reading). The governor then
   * leaves the pacing to the bound (src/govern/governor.ts).
   */
  holdsJob(): boolean {
    if (this.stopped || this.directSeen || this.unboundedSeen || this.written.size === 0) return false;
    for (const device of this.written) {
      const b = this.held.get(device);
      const ceiling = b === undefined ? undefined : boundCeiling(b.was);
      if (b === undefined || (ceiling !== undefined && b.bytes >= ceiling)) return false;
    }
    const io = this.jobIo?.();
    return io === undefined || io.read <= 2 * io.write + READS_SLACK_BYTES;
  }

  /** Before the job runs its own code: bound the devices of `--path` and of the paths the command names. */
  async start(): Promise<void> {
    // Only the auto bound is sized by rates; a fixed SIZE reads none and waits for none.
    const auto = this.o.bytes === 'auto';
    if (auto) this.readRates();
    const guessed = this.o.guessedPaths.map(guessWhereWritten).filter((p): p is string => p !== undefined);
    if (this.o.paths.length === 0 && guessed.length === 0) return;
    if (auto) {
      // A first rate, so that a busy fast device does not start at the floor.
      await sleep(FIRST_RATE_MS);
      this.readRates(FIRST_RATE_MS);
    }
    if (this.o.paths.length > 0) await this.bound(this.o.paths, '--path');
    if (guessed.length > 0) await this.bound(guessed, 'named in the command');
  }

  /**
   * Once the job runs: follow the files its process group writes, and the devices' rates. `io`
   * gives the job's storage reads and writes so far (the supervisor's samples).
   */
  watch(pgid: number, leaderStart: number, io?: () => { read: number; write: number }): void {
    if (this.stopped || this.timer) return;
    this.jobIo = io;
    this.group = { pgid, leaderStart, since: this.o.now() };
    // The first ten looks at a tenth of the interval: a job fills its allowance at once, and a
    // fast device bounded at the floor must get its size back quickly.
    let quick = 10;
    const every = (ms: number): NodeJS.Timeout => {
      const timer = setInterval(() => {
        this.ticking ??= this.tick()
          .catch((error: unknown) => this.problem(`the bound's watch failed: ${(error as Error).message}`))
          .finally(() => (this.ticking = undefined));
        if (quick > 0 && --quick === 0 && !this.stopped) {
          clearInterval(timer);
          this.timer = every(this.o.intervalMs);
        }
      }, ms);
      timer.unref();
      return timer;
    };
    this.timer = every(Math.max(10, Math.round(this.o.intervalMs / 10)));
  }

  /** Stop watching and release every bound; says what was held at the end. */
  async stop(): Promise<PacerSummary> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking?.catch(() => {});
    const bounds = this.bounds;
    this.held.clear();
    await Promise.all(bounds.map((b) => b.release()));
    return { devices: bounds.map((b) => b.device), smallestBytes: bounds.length > 0 ? Math.min(...bounds.map((b) => b.bytes)) : undefined };
  }

  async tick(): Promise<void> {
    if (this.stopped || !this.group) return;
    const pids = listGroupMembers(this.group.pgid, this.o.roots, this.group.leaderStart).map((p) => p.pid);
    const { files, blockDevices } = writtenFilesByDevice(pids, this.o.roots, this.callersLogs);
    if (blockDevices.size > 0) this.unboundedSeen = true;
    for (const [dev, file] of files) {
      if (file.direct) this.directSeen = true;
      // An unlinked or anonymous file (ENOENT on its path) is looked at again on the next tick.
      if (!this.seenDevs.has(dev) && (await this.bound([file.path], 'the job writes there'))) this.seenDevs.add(dev);
    }
    if (this.o.now() - this.group.since >= this.o.guessHoldMs) await this.releaseUnwritten();
    if (this.o.bytes !== 'auto' || this.stopped) return;
    const rates = this.readRates();
    for (const b of this.bounds) {
      const rate = this.rateOf(b.device, rates);
      if (rate === undefined) continue;
      const next = nextAutoBytes(b.asked, rate, this.waitShareMs(b.device));
      const from = b.bytes;
      if (worthResizing(b.asked, next) && (await b.resize(next)) && worthResizing(from, b.bytes)) this.o.onResize(b, from, rate, this.levelsOf(b.device));
    }
  }

  private levelsOf(device: string): number {
    return this.levels.get(device) ?? 1;
  }

  /** A device's share of the foreground's wait: `waitMs` split equally among the page-cache levels stacked under its path. */
  private waitShareMs(device: string): number {
    return this.o.waitMs / this.levelsOf(device);
  }

  /** A guessed device the job has not written in `guessHoldMs`: its other writers get their device back. */
  private async releaseUnwritten(): Promise<void> {
    for (const device of this.guessed) {
      this.guessed.delete(device);
      const b = this.held.get(device);
      if (b === undefined || this.written.has(device)) continue;
      this.held.delete(device);
      await b.release();
      this.o.onRelease(b);
    }
  }

  /** Bound the devices under `paths`; false when a path could not be resolved now (worth another look). */
  private async bound(paths: readonly string[], why: BoundWhy): Promise<boolean> {
    const roots = this.o.roots;
    const devices = new Set<string>();
    let settled = true;
    for (const p of paths) {
      const bdis = bdisOfPath(p, roots);
      if (!Array.isArray(bdis)) {
        const gone = /ENOENT/.test(bdis.problem);
        if (gone) settled = false;
        else if (why !== 'named in the command') this.problem(bdis.problem.replace(/^\/proc\/\d+\/fd\/\d+/, 'a file the job writes'));
        // Memory-backed filesystems queue nothing on a disk; anything else (an overlay whose upper layer is out of sight) the bound cannot reach.
        if (why === 'the job writes there' && !gone && !MEMORY_FILESYSTEMS.has(bdis.fsType ?? '')) this.unboundedSeen = true;
        continue;
      }
      for (const d of bdis) {
        this.levels.set(d, Math.max(this.levelsOf(d), bdis.length));
        if (why === 'the job writes there') this.written.add(d);
        if (this.held.has(d)) continue;
        // NFS, FUSE: no line in /proc/diskstats, so no rate to size an auto bound by.
        if (this.o.bytes === 'auto' && !this.listed.has(d)) this.problem(`${d}: no write rate in /proc/diskstats to size the bound by`);
        else devices.add(d);
      }
    }
    for (const device of devices) {
      const bytes = this.o.bytes === 'auto' ? autoBacklogBytes(this.rateOf(device, this.lastPeaks) ?? 0, this.waitShareMs(device)) : this.o.bytes;
      const { ledgerDir, job, holder } = this.o;
      const r = await boundBacklog({ paths: [], devices: [device], bytes, ledgerDir, job, roots, ...(holder ? { holder } : {}) });
      for (const problem of r.problems) this.problem(problem);
      for (const b of r.bounds) {
        if (this.stopped) {
          await b.release();
          continue;
        }
        this.held.set(b.device, b);
        if (why === 'named in the command') this.guessed.add(b.device);
        this.o.onBound(b, why, this.levelsOf(b.device));
      }
    }
    return settled;
  }

  private problem(p: string): void {
    if (this.problemsSaid.has(p)) return;
    this.problemsSaid.add(p);
    this.o.onProblem(p);
  }

  /**
   * The rate a device's bound is sized by: its recent peak write rate, or the machine's page-cache
   * writeback rate when that is lower. Another writer's direct I/O (a database with O_DIRECT, a
   * streaming copy) fills the device's counters but is not in the backlog the bound holds.
   */
  private rateOf(device: string, peaks: ReadonlyMap<string, number>): number | undefined {
    const rate = peaks.get(device);
    return rate === undefined || this.bufferedPeak === undefined ? rate : Math.min(rate, this.bufferedPeak);
  }

  /** One read of /proc/diskstats: every device's recent peak write rate, bytes/s (`spanMs` shorter than the default for the first look). */
  private readRates(spanMs?: number): Map<string, number> {
    const text = readProcFile(`${this.o.roots.procRoot}/diskstats`);
    if (text === undefined) return this.lastPeaks;
    const at = this.o.now();
    const peaks = new Map<string, number>();
    const listed = new Set<string>();
    for (const d of parseDiskstats(text)) {
      const key = `${d.major}:${d.minor}`;
      listed.add(key);
      let rate = this.rates.get(key);
      if (rate === undefined) this.rates.set(key, (rate = new DeviceRate()));
      const peak = rate.add(at, d.writeSectors, spanMs);
      if (peak !== undefined) peaks.set(key, peak);
    }
    this.listed = listed;
    this.lastPeaks = peaks;
    const written = parseVmstatWritten(readProcFile(`${this.o.roots.procRoot}/vmstat`) ?? '');
    if (written !== undefined) this.bufferedPeak = this.buffered.add(at, (written * this.pageSize) / 512, spanMs);
    return peaks;
  }
}
