import { write } from 'node:fs';
import { Writable } from 'node:stream';

/**
 * A writable on one of ioguard's own descriptors (1 or 2) that never blocks the event loop and
 * survives a non-blocking descriptor: writes run on libuv's threadpool, and EAGAIN (the reader
 * is slow and something, node's own process.stdout for one, set O_NONBLOCK on the shared pipe)
 * waits a little and tries again instead of failing, as a blocking write would have waited.
 * fs.createWriteStream fails on EAGAIN; process.stdout on a pipe blocks the whole loop.
 */
export class FdWriter extends Writable {
  constructor(private readonly fd: number) {
    super({ highWaterMark: 65_536 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeFrom(chunk, 0, 1, callback);
  }

  private writeFrom(chunk: Buffer, offset: number, backoffMs: number, callback: (error?: Error | null) => void): void {
    write(this.fd, chunk, offset, chunk.length - offset, null, (error, written) => {
      if (error) {
        if (error.code !== 'EAGAIN') return callback(error);
        // At most 50 ms between tries: a pipe the reader empties again is written to soon after.
        return void setTimeout(() => this.writeFrom(chunk, offset, Math.min(50, backoffMs * 2), callback), backoffMs);
      }
      if (offset + written < chunk.length) return this.writeFrom(chunk, offset + written, 1, callback);
      callback();
    });
  }
}
