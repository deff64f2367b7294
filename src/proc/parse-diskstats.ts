/**
 * Counters of one /proc/diskstats line. Counts are cumulative since boot; the `...Ms` fields are
 * 32-bit in the kernel (printed with %u) and wrap. Sectors are always 512 bytes.
 */
export interface DiskCounters {
  major: number;
  minor: number;
  name: string;
  readIos: number;
  readMerges: number;
  readSectors: number;
  readMs: number;
  writeIos: number;
  writeMerges: number;
  writeSectors: number;
  writeMs: number;
  /** Requests in flight at the moment of reading (not cumulative). */
  inFlight: number;
  ioTicksMs: number;
  weightedMs: number;
  /** Discard and flush counters: 0 on kernels whose lines are too short to carry them (< 4.18, < 5.5). */
  discardIos: number;
  discardMerges: number;
  discardSectors: number;
  discardMs: number;
  flushIos: number;
  flushMs: number;
  /** Number of counter fields on the line: 11 (kernel < 4.18), 15 (4.18+) or 17 (5.5+). */
  fields: number;
}

/** Parse /proc/diskstats. Lines with fewer than 14 tokens (2.6.x partition lines) are skipped. */
export function parseDiskstats(text: string): DiskCounters[] {
  const disks: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length < 14) continue;
    const n = (i: number): number => {
      const v = Number(t[i]);
      return Number.isFinite(v) ? v : 0;
    };
    disks.push({
      major: n(0),
      minor: n(1),
      name: t[2] as string,
      readIos: n(3),
      readMerges: n(4),
      readSectors: n(5),
      readMs: n(6),
      writeIos: n(7),
      writeMerges: n(8),
      writeSectors: n(9),
      writeMs: n(10),
      inFlight: n(11),
      ioTicksMs: n(12),
      weightedMs: n(13),
      discardIos: t.length >= 18 ? n(14) : 0,
      discardMerges: t.length >= 18 ? n(15) : 0,
      discardSectors: t.length >= 18 ? n(16) : 0,
      discardMs: t.length >= 18 ? n(17) : 0,
      flushIos: t.length >= 20 ? n(18) : 0,
      flushMs: t.length >= 20 ? n(19) : 0,
      fields: t.length - 3,
    });
  }
  return disks;
}
