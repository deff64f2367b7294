import { randomUUID } from 'node:crypto';
import type { NormalizedPing } from './ping-options.ts';
import { pingEventFor, type PingableEnding } from './ping-event.ts';
import { PingReporter, type PingReport, type PingSink } from './ping-reporter.ts';
import { pingUrlFor, type PingSuffix } from './ping-url.ts';
import { sendPing } from './send-ping.ts';

/**
 * The pings of one invocation, paired by one `rid`: `/start` when the job starts (sent beside it,
 * never in its way), then exactly one ending. Loaded only when a ping URL is given (a lazy import).
 */
export class RunPinger {
  readonly rid = randomUUID();
  private started: Promise<PingReport> | undefined;
  private readonly reporter: PingReporter;

  constructor(private readonly o: NormalizedPing, name: string, sink: PingSink, private readonly signal?: AbortSignal) {
    this.reporter = new PingReporter(name, o.url, sink);
  }

  /** Sent without waiting: the job starts at once, whatever the server does. */
  start(): void {
    this.started ??= this.send('start', 'start', '');
  }

  /**
   * The ending, after the start (so the server sees them in order). `output` is the tail of what
   * the job wrote; it follows the message line, the whole body cut to bodyMax plus that line.
   */
  async finish(ending: PingableEnding, output = ''): Promise<PingReport> {
    if (this.started) await this.started;
    const event = pingEventFor(ending);
    const tail = this.o.bodyMax === 0 ? '' : lastBytes(output, this.o.bodyMax);
    return this.send(event.kind, event.suffix, tail === '' ? `${event.message}\n` : `${event.message}\n\n${tail}`);
  }

  private async send(kind: string, suffix: PingSuffix, body: string): Promise<PingReport> {
    const a = await sendPing(pingUrlFor(this.o.url, suffix, this.rid), body, { timeoutMs: this.o.timeoutMs, ...(this.signal ? { signal: this.signal } : {}) });
    return this.reporter.note(kind, suffix === 'success' ? '' : String(suffix), a);
  }
}

/** The last `max` bytes of `text`, starting on a whole character (and a whole line when one is near). */
export function lastBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let cut = bytes.subarray(bytes.length - max);
  // Skip UTF-8 continuation bytes so the tail starts on a character.
  let i = 0;
  while (i < cut.length && ((cut[i] as number) & 0xc0) === 0x80) i++;
  cut = cut.subarray(i);
  const out = cut.toString('utf8');
  const nl = out.indexOf('\n');
  return nl !== -1 && nl < 200 ? out.slice(nl + 1) : out;
}
