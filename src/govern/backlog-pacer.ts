import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDiskstats } from '../proc/parse-diskstats.ts';
import { listGroupMembers } from '../proc/processes.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { boundBacklog, type HeldBound } from './backlog-bound.ts';
import { bdisOfPath } from './bdi-limits.ts';
import { DeviceRate, autoBacklogBytes, nextAutoBytes, worthResizing } from './device-rate.ts';
import { ownOutputFiles, writtenFilesByDevice } from './written-files.ts';

export interface BacklogPacerOptions {
  /** A fixed bound (`--bound-backlog SIZE`), or 'auto': the device's recent peak write rate × `waitMs`. */
  bytes: number | 'auto';
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
  roots: ProcRoots;
  now: () => number;
  /** How often the job's files and the devices' rates are looked at. */
  intervalMs: number;
  onBound: (b: HeldBound, why: string) => void;
  onResize: (b: HeldBound, from: number, rateBps: number) => void;
  onProblem: (problem: string) => void;
  /** A guessed device released early: the job did not write there. */
  onRelease: (b: HeldBound) => void;
}

/**
 * The words of a command that name paths (`/srv/x`, `./x`, `of=/srv/x`, `--target=/srv`), made
 * absolute against `cwd`. An argument with spaces (`sh -c 'rsync -a /src/ /dst/'`) is split into
 * its words, quotes dropped: a guess, which the running job's open files confirm or not.
 */
export function commandPaths(argv: readonly string[], cwd: string): string[] {
  const out = new Set<string>();
  for (const arg of argv.slice(1)) {
    for (const raw of arg.split(/[\s;|&()<>]+/)) {
      const word = raw.replace(/^['"]+|['"]+$/g, '');
      const value = /^-{0,2}[A-Za-z][\w-]*=(.*)$/s.exec(word)?.[1] ?? word;
      if (!value.includes('/') || value.includes('$') || value.includes('`')) continue;
      out.add(resolve(cwd, value));
    }
  }
  return [...out];
}

/** The path if it exists, else its nearest existing parent (a file the job is about to create). */
function existing(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    if (existsSync(p)) return p;
    if (dirname(p) === p) return undefined;
  }
}

/**
 * The backlog bound while a job runs (docs/governor.md, "Bounding the backlog"): the devices
 * behind `--path` and those the command names are bounded at `start()`; every interval, the devices of the regular files the
 * job's group holds open for writing join them, and with 'auto' each bound follows what the device
 * drains in `waitMs`. `stop()` releases every bound (the last holder restores the device).
 */
export class BacklogPacer {
  private readonly o: BacklogPacerOptions;
  private readonly held = new Map<string, HeldBound>();
  private readonly rates = new Map<string, DeviceRate>();
  /** st_dev values already looked at (bounded, not bounded, or without a writeback device). */
  private readonly seenDevs = new Set<number>();
  private readonly problemsSaid = new Set<string>();
  /** The wrapper's own stdout/stderr files, which the job inherits: the caller's log, not the job's data. */
  private readonly callersOutput = ownOutputFiles();
  /** Each device's recent peak write rate (bytes/s) at the last read of /proc/diskstats. */
  private lastPeaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private group: { pgid: number; leaderStart: number; since: number } | undefined;
  /** Devices bounded on a guess (`guessedPaths`), and the devices the job was seen writing. */
  private readonly guessed = new Set<string>();
  private readonly written = new Set<string>();
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(o: BacklogPacerOptions) {
    this.o = o;
  }

  /** The bounds in force now, for the log, status and the result. */
  get bounds(): HeldBound[] {
    return [...this.held.values()];
  }

  /** Before the job runs its own code: bound the `--path` devices. */
  async start(): Promise<void> {
    this.readRates();
    if (this.o.paths.length > 0) await this.bound(this.o.paths, '--path');
    const guessed = this.o.guessedPaths.map(existing).filter((p): p is string => p !== undefined);
    if (guessed.length > 0) await this.bound(guessed, 'named in the command');
  }

  /** Once the job runs: follow the files its process group writes, and the devices' rates. */
  watch(pgid: number, leaderStart: number): void {
    if (this.stopped || this.timer) return;
    this.group = { pgid, leaderStart, since: this.o.now() };
    // The first second at a tenth of the interval: a job fills its allowance at once, and a
    // fast device bounded at the floor must get its size back quickly.
    let quick = 10;
    const every = (ms: number): NodeJS.Timeout => {
      const timer = setInterval(() => {
        this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all(this.bounds.map((b) => b.release()));
  }

  async tick(): Promise<void> {
    if (this.stopped || !this.group) return;
    const pids = listGroupMembers(this.group.pgid, this.o.roots, this.group.leaderStart).map((p) => p.pid);
    const files = writtenFilesByDevice(pids, this.o.roots, this.seenDevs, this.callersOutput);
    for (const dev of files.keys()) this.seenDevs.add(dev);
    if (files.size > 0) await this.bound([...files.values()], 'the job writes there');
    if (this.o.now() - this.group.since >= this.o.guessHoldMs) await this.releaseUnwritten();
    const rates = this.readRates();
    if (this.o.bytes !== 'auto' || this.stopped) return;
    for (const b of this.bounds) {
      const rate = rates.get(b.device);
      if (rate === undefined) continue;
      const next = nextAutoBytes(b.bytes, rate, this.o.waitMs);
      const from = b.bytes;
      if (worthResizing(from, next) && (await b.resize(next))) this.o.onResize(b, from, rate);
    }
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

  private async bound(paths: readonly string[], why: 'named in the command' | '--path' | 'the job writes there'): Promise<void> {
    const roots = this.o.roots;
    const devices = new Set<string>();
    for (const p of paths) {
      const bdis = bdisOfPath(p, roots);
      if (!Array.isArray(bdis)) {
        if (why !== 'named in the command') this.problem(bdis.problem.replace(/^\/proc\/\d+\/fd\/\d+/, 'a file the job writes'));
        continue;
      }
      for (const d of bdis) {
        if (why === 'the job writes there') this.written.add(d);
        if (!this.held.has(d)) devices.add(d);
      }
    }
    if (devices.size === 0) return;
    const rates = this.lastPeaks;
    for (const device of devices) {
      const bytes = this.o.bytes === 'auto' ? autoBacklogBytes(rates.get(device) ?? 0, this.o.waitMs) : this.o.bytes;
      const r = await boundBacklog({ paths: [], devices: [device], bytes, ledgerDir: this.o.ledgerDir, job: this.o.job, roots });
      for (const problem of r.problems) this.problem(problem);
      for (const b of r.bounds) {
        if (this.stopped) {
          await b.release();
          continue;
        }
        this.held.set(b.device, b);
        if (why === 'named in the command') this.guessed.add(b.device);
        this.o.onBound(b, why);
      }
    }
  }

  private problem(p: string): void {
    if (this.problemsSaid.has(p)) return;
    this.problemsSaid.add(p);
    this.o.onProblem(p);
  }

  /** One read of /proc/diskstats: every device's recent peak write rate, bytes/s. */
  private readRates(): Map<string, number> {
    const text = readProcFile(`${this.o.roots.procRoot}/diskstats`);
    if (text === undefined) return this.lastPeaks;
    const at = this.o.now();
    const peaks = new Map<string, number>();
    for (const d of parseDiskstats(text)) {
      const key = `${d.major}:${d.minor}`;
      let rate = this.rates.get(key);
      if (rate === undefined) this.rates.set(key, (rate = new DeviceRate()));
      const peak = rate.add(at, d.writeSectors);
      if (peak !== undefined) peaks.set(key, peak);
    }
    this.lastPeaks = peaks;
    return peaks;
  }
}
