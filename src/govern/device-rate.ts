/**
 * The auto-sized backlog bound (docs/governor.md, "The auto bound"): the backlog a foreground
 * writer may find queued ahead of it is what the device drains in `waitMs` at the rate it has
 * recently written. Pure: the caller feeds /proc/diskstats readings.
 */

/** Never bound below this: smaller bounds did not shorten the foreground's wait (docs/governor.md). */
export const MIN_AUTO_BACKLOG_BYTES = 512 * 1024;
/** How long a peak write rate is remembered: a job that pauses between files keeps its size. */
export const RATE_PEAK_HOLD_MS = 5000;

/** Shortest span a rate is measured over: shorter ones see a throttle's bursts and the journal's, not the device. */
export const MIN_RATE_SPAN_MS = 400;

/** The recent peak write rate of one device, from its cumulative written-sector counter. */
export class DeviceRate {
  /** Readings of the last MIN_RATE_SPAN_MS and one before them. */
  private readings: Array<{ at: number; sectors: number }> = [];
  private peak: number | undefined;
  private peakAt = 0;
  private readonly holdMs: number;
  private readonly spanMs: number;

  constructor(holdMs = RATE_PEAK_HOLD_MS, spanMs = MIN_RATE_SPAN_MS) {
    this.holdMs = holdMs;
    this.spanMs = spanMs;
  }

  /**
   * Feed a reading (ms, cumulative 512-byte sectors written); returns the peak in bytes/s,
   * undefined until a span is measured. `spanMs` shortens the span for this reading (a first
   * look before the job starts).
   */
  add(at: number, sectors: number, spanMs = this.spanMs): number | undefined {
    const last = this.readings.at(-1);
    // A counter that went back (device re-created with the same number) restarts the measure.
    if (last !== undefined && (sectors < last.sectors || at < last.at)) this.readings = [];
    this.readings.push({ at, sectors });
    // Keep the newest reading at least a span old as the base.
    while (this.readings.length > 2 && at - (this.readings[1] as { at: number }).at >= spanMs) this.readings.shift();
    const base = this.readings[0] as { at: number; sectors: number };
    if (at - base.at < spanMs) return this.peak;
    const rate = ((sectors - base.sectors) * 512 * 1000) / (at - base.at);
    if (this.peak === undefined || rate >= this.peak || at - this.peakAt > this.holdMs) {
      this.peak = rate;
      this.peakAt = at;
    }
    return this.peak;
  }
}

/** The bound for a device written at `bytesPerSecond`: what it drains in `waitMs`, at least the floor. */
export function autoBacklogBytes(bytesPerSecond: number, waitMs: number, floor = MIN_AUTO_BACKLOG_BYTES): number {
  const bytes = Math.round((bytesPerSecond * waitMs) / 1000);
  // Page-aligned: max_bytes is turned into a share of the dirty limit anyway.
  return Math.max(floor, Math.ceil(bytes / 4096) * 4096);
}

/**
 * The next auto bound. A device that drained more than twice the bound in `waitMs` is held back
 * by the bound, not by its own speed (a fast disk): the size doubles on top, so the job gets its
 * speed back within a few ticks while the bound still tracks the device.
 */
export function nextAutoBytes(current: number, bytesPerSecond: number, waitMs: number): number {
  const next = autoBacklogBytes(bytesPerSecond, waitMs);
  return next > 2 * current ? 2 * next : next;
}

/** Resize only on a real change (a quarter either way): each resize is a ledger write and two sysfs writes. */
export function worthResizing(current: number, next: number): boolean {
  return next > current * 1.25 || next < current * 0.75;
}
