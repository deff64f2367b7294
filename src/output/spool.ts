import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/** Memory shared by a run's stdout and stderr spools: what is left before they spill to files. */
export interface MemoryBudget {
  left: number;
}

/** The private folder of one run's spill files, made on the first spill (mkdtemp: 0700, a fresh name). */
export class SpillFolder {
  path: string | undefined;
  constructor(private readonly parent: string = tmpdir()) {}

  file(stream: string): string {
    this.path ??= mkdtempSync(join(this.parent, 'ioguard-output-'));
    return join(this.path, stream);
  }

  /** Remove the folder and its files; safe to call on every path, more than once. */
  remove(): void {
    if (this.path === undefined) return;
    rmSync(this.path, { recursive: true, force: true });
    this.path = undefined;
  }
}

/**
 * One stream of the job's output, held for later: chunks in memory while the shared budget lasts,
 * then everything after goes to a spill file, so replaying memory then file keeps the stream's
 * order. A write error of the spill (disk full) drops bytes and counts them; the job never blocks on it.
 */
export class Spool extends Writable {
  private readonly memory: Buffer[] = [];
  private fd: number | undefined;
  private path: string | undefined;
  bytes = 0;
  lost = 0;
  lostError: string | undefined;

  constructor(readonly stream: 'stdout' | 'stderr', private readonly budget: MemoryBudget, private readonly folder: SpillFolder) {
    super();
  }

  get spilled(): boolean {
    return this.path !== undefined;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.fd === undefined && this.path === undefined && chunk.length <= this.budget.left) {
      this.memory.push(chunk);
      this.budget.left -= chunk.length;
      return callback();
    }
    if (this.lostError !== undefined) {
      this.lost += chunk.length;
      return callback();
    }
    try {
      if (this.fd === undefined) {
        this.path = this.folder.file(this.stream);
        this.fd = openSync(this.path, 'wx', 0o600);
      }
    } catch (error) {
      return this.drop(chunk.length, error, callback);
    }
    this.writeAll(chunk, 0, callback);
  }

  private writeAll(chunk: Buffer, offset: number, callback: (error?: Error | null) => void): void {
    write(this.fd as number, chunk, offset, chunk.length - offset, null, (error, written) => {
      if (error) return this.drop(chunk.length - offset, error, callback);
      if (offset + written < chunk.length) return this.writeAll(chunk, offset + written, callback);
      callback();
    });
  }

  private drop(bytes: number, error: unknown, callback: () => void): void {
    this.lost += bytes;
    this.lostError ??= (error as NodeJS.ErrnoException)?.code ?? String(error);
    callback();
  }

  /** Write what was held to `dest` (memory, then the spill file), honouring dest's back-pressure. */
  async replay(dest: Writable): Promise<void> {
    for (const chunk of this.memory) if (!dest.write(chunk)) await drained(dest);
    if (this.path !== undefined) {
      this.closeFile();
      for await (const chunk of createReadStream(this.path)) if (!dest.write(chunk)) await drained(dest);
    }
    if (this.lost > 0) dest.write(`ioguard: ${this.lost} bytes of the job's ${this.stream} were lost (${this.lostError})\n`);
  }

  closeFile(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.fd = undefined;
  }
}

function drained(dest: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      dest.off('drain', done);
      dest.off('error', done);
      dest.off('close', done);
      resolve();
    };
    dest.once('drain', done);
    dest.once('error', done);
    dest.once('close', done);
  });
}
