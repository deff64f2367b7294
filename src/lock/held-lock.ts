import { closeFd } from './flock.ts';
import { removeRecord, writeRecord, type RunRecord } from './record.ts';

/** A job lock this process holds: the flock'd descriptor and the record beside it. */
export class HeldLock {
  readonly name: string;
  readonly paths: { lock: string; record: string; wait: string };
  private fd: number | undefined;
  /** Other flock'd descriptors held for the run's length (a --slot), released with the lock. */
  private alongside: number[] = [];

  constructor(name: string, paths: HeldLock['paths'], fd: number) {
    this.name = name;
    this.paths = paths;
    this.fd = fd;
  }

  get held(): boolean {
    return this.fd !== undefined;
  }

  write(record: RunRecord): void {
    if (this.fd !== undefined) writeRecord(this.paths.record, record);
  }

  holdAlongside(fd: number): void {
    this.alongside.push(fd);
  }

  /** Drop the record (unless it must stay to refuse later runs), then the flock. Idempotent. */
  release(keepRecord = false): void {
    if (this.fd === undefined) return;
    if (!keepRecord) removeRecord(this.paths.record);
    for (const fd of this.alongside.splice(0)) closeFd(fd);
    closeFd(this.fd);
    this.fd = undefined;
  }
}
