/**
 * The last `max` bytes written to it, kept as a list of chunks trimmed from the front: memory stays
 * within about max plus one chunk whatever the job writes (50 MB of output costs ~10 KB here).
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes seen in all, kept or not. */
  total = 0;

  constructor(readonly max: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.max === 0) return;
    if (chunk.length >= this.max) {
      // Copy: a subarray would pin the whole (possibly 64 KB) chunk in memory.
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.max))];
      this.size = this.max;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max) this.size -= (this.chunks.shift() as Buffer).length;
  }

  /** The kept bytes, at most max, starting on a whole character. */
  bytes(): Buffer {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.max);
    if (start === 0 && this.total === all.length) return all;
    // Start on a whole UTF-8 character: a cut one would decode as U+FFFD.
    while (start < all.length && ((all[start] as number) & 0xc0) === 0x80) start++;
    return all.subarray(start);
  }

  text(): string {
    return this.bytes().toString('utf8');
  }
}
