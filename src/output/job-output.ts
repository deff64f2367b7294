import type { Readable, Writable } from 'node:stream';
import { FdWriter } from './fd-writer.ts';
import { jobStdio, type JobStdio, type OutputMode } from './output-mode.ts';
import { SpillFolder, Spool, type MemoryBudget } from './spool.ts';
import { TailBuffer } from './tail-buffer.ts';

export interface JobOutputOptions {
  mode: OutputMode;
  /** Bytes of the latest output to keep for a ping's body; 0 keeps none. */
  tailMax: number;
  /** With on-failure: output held in memory (both streams together) before spilling to a file. Default 1 MiB. */
  memoryMax?: number;
  /** Where the private spill folder is made. Default the system's temp folder ($TMPDIR). */
  tmpDir?: string;
  /** Where the job's output goes; default ioguard's own fd 1 and fd 2. */
  stdout?: Writable;
  stderr?: Writable;
  /** After the job ended: how long to wait for its pipes to close (a daemon it left may hold them). Default 2 s. */
  drainGraceMs?: number;
}

export interface OutputSummary {
  /** Bytes the job wrote, both streams. */
  bytes: number;
  /** With on-failure: whether the held output was printed. */
  printed: boolean;
  spilled: boolean;
}

/** A writable on an fd of ours that never blocks the event loop and is left open after (src/output/fd-writer.ts). */
function fdStream(fd: 1 | 2): Writable {
  return new FdWriter(fd);
}

/**
 * The job's stdout and stderr when ioguard must see them. Pass-through (`inherit` with a tail):
 * every byte goes on to our fd 1/2 through a pipe, so a slow reader of ours slows the job exactly
 * as a plain pipe would, and the event loop (timeouts, the supervisor) never waits on it.
 * `on-failure`: held (memory, then a spill file), printed at the end only if the run failed.
 * Either way the last `tailMax` bytes, in arrival order across both streams, are kept for a ping.
 */
export class JobOutput {
  readonly stdio: JobStdio;
  private readonly tailBuffer: TailBuffer;
  private readonly folder: SpillFolder;
  private readonly budget: MemoryBudget;
  private readonly spools: Spool[] = [];
  private readonly ends: Array<Promise<void>> = [];
  private readonly sources: Readable[] = [];
  private readonly removeOnExit = (): void => this.folder.remove();

  constructor(private readonly o: JobOutputOptions) {
    this.stdio = jobStdio(o.mode, o.tailMax > 0);
    this.tailBuffer = new TailBuffer(o.tailMax);
    this.folder = new SpillFolder(o.tmpDir);
    this.budget = { left: o.memoryMax ?? 1 << 20 };
    // A wrapper ended by an uncaught error still removes the spill folder.
    process.once('exit', this.removeOnExit);
  }

  /** Connect the child's pipes (execa's subprocess.stdout/stderr); null when the stdio was inherited. */
  attach(stdout: Readable | null | undefined, stderr: Readable | null | undefined): void {
    this.connect('stdout', stdout, () => this.o.stdout ?? fdStream(1));
    this.connect('stderr', stderr, () => this.o.stderr ?? fdStream(2));
  }

  private connect(name: 'stdout' | 'stderr', source: Readable | null | undefined, dest: () => Writable): void {
    if (!source) return;
    this.sources.push(source);
    source.on('data', (chunk: Buffer) => this.tailBuffer.push(chunk));
    const sink: Writable = this.o.mode === 'on-failure' ? new Spool(name, this.budget, this.folder) : dest();
    if (sink instanceof Spool) this.spools.push(sink);
    this.ends.push(new Promise<void>((resolve) => {
      sink.once('finish', resolve);
      sink.once('error', () => {
        // Our own stdout went away (EPIPE): keep reading so the job is not blocked on a full pipe.
        source.unpipe(sink);
        source.resume();
        source.once('end', resolve);
        source.once('close', resolve);
      });
      source.once('error', resolve);
    }));
    source.pipe(sink);
  }

  /** The latest output, both streams in arrival order, at most tailMax bytes. */
  tail(): string {
    return this.tailBuffer.text();
  }

  /**
   * After the job ended: wait for its pipes to close (bounded), print the held output if `failed`
   * (on-failure), and remove the spill files. The spill folder is gone when this returns, whatever happened.
   */
  async finish(failed: boolean): Promise<OutputSummary> {
    try {
      await this.drain();
      const printed = this.o.mode === 'on-failure' && failed;
      if (printed) {
        const [out, err] = [this.o.stdout ?? fdStream(1), this.o.stderr ?? fdStream(2)];
        // stdout first, then stderr, as chronic prints them; each keeps its own order.
        for (const spool of this.spools) await spool.replay(spool.stream === 'stdout' ? out : err);
        await Promise.all([flushed(out), flushed(err)]);
      }
      return { bytes: this.tailBuffer.total, printed, spilled: this.spools.some((s) => s.spilled) };
    } finally {
      this.dispose();
    }
  }

  private async drain(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.o.drainGraceMs ?? 2000)));
    const all = Promise.all(this.ends).then(() => 'done' as const);
    if ((await Promise.race([all, grace])) === 'late') {
      // A process outside the job's group holds the pipes open: stop reading; what it writes later is lost.
      for (const s of this.sources) s.destroy();
      await Promise.race([all, new Promise((r) => setTimeout(r, 200))]);
    }
    clearTimeout(timer);
  }

  /** Remove the spill files now (every path ends here, the error paths included). */
  dispose(): void {
    for (const s of this.spools) s.closeFile();
    this.folder.remove();
    process.off('exit', this.removeOnExit);
  }
}

function flushed(dest: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (dest.writableLength === 0) return resolve();
    dest.write(Buffer.alloc(0), () => resolve());
  });
}
