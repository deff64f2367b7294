import { dirname } from 'node:path';
import { makeDir } from '../util/make-dir.ts';
import { closeFd, openLockFile, tryFlock } from './flock.ts';
import { removeRecord, writeRecord, type RunRecord } from './record.ts';

/** A job lock this process holds: the flock'd descriptor and the record beside it. */
export class HeldLock {
  readonly name: string;
  readonly paths: { lock: string; record: string; wait: string };
  private fds: number[];
  /** The last record-write problem reported, so a full disk is said once, not every sample. */
  private lastProblem: string | undefined;
  /** Other flock'd descriptors held for the run's length (a --slot), released with the lock. */
  private alongside: number[] = [];

  constructor(name: string, paths: HeldLock['paths'], fd: number) {
    this.name = name;
    this.paths = paths;
    this.fds = [fd];
  }

  get held(): boolean {
    return this.fds.length > 0;
  }

  /** Write the record or throw (IoguardError naming it): before the job runs, a run we cannot record must not start. */
  write(record: RunRecord): void {
    if (this.held) writeRecord(this.paths.record, record);
  }

  /**
   * Write the record while the job runs: never throws, since supervision (timeout, escalation,
   * sweep, exit status) matters more than the record. If the lock folder was removed, recreate it
   * and lock the new lock file too, so a later start still finds this run (unless one already took
   * the new file: then say so). `onProblem` hears each new problem once.
   */
  update(record: RunRecord, onProblem?: (message: string) => void): boolean {
    if (!this.held) return false;
    let problem: string | undefined;
    try {
      writeRecord(this.paths.record, record);
    } catch (error) {
      problem = (error as Error).message;
      if (/\(ENOENT\)$/.test(problem)) problem = this.restore(record) ?? undefined;
    }
    if (problem !== undefined && problem !== this.lastProblem) onProblem?.(problem);
    this.lastProblem = problem;
    return problem === undefined;
  }

  /** The lock folder vanished under a live run: put the lock and the record back. Returns the problem left, if any. */
  private restore(record: RunRecord): string | null {
    try {
      makeDir(dirname(this.paths.lock), 0o700);
      const fd = openLockFile(this.paths.lock);
      let locked = false;
      try {
        locked = tryFlock(fd, this.paths.lock);
      } finally {
        if (!locked) closeFd(fd);
      }
      if (!locked) {
        return `lock folder ${dirname(this.paths.lock)} was removed and another invocation has since taken the job's lock; this run goes on unrecorded`;
      }
      this.fds.push(fd);
      writeRecord(this.paths.record, record);
      return `lock folder ${dirname(this.paths.lock)} was removed during the run; recreated it with this run's lock and record`;
    } catch (error) {
      return `lock folder ${dirname(this.paths.lock)} was removed during the run and cannot be recreated (${(error as Error).message})`;
    }
  }

  holdAlongside(fd: number): void {
    this.alongside.push(fd);
  }

  /** Drop the record (unless it must stay to refuse later runs), then the flock. Idempotent. */
  release(keepRecord = false): void {
    if (!this.held) return;
    if (!keepRecord) removeRecord(this.paths.record);
    for (const fd of this.alongside.splice(0)) closeFd(fd);
    for (const fd of this.fds) closeFd(fd);
    this.fds = [];
  }
}
