import type { DiskCounters } from '../proc/parse-diskstats.ts';

/** The iostat -x figures of one device; DiskRates in types.ts adds in-flight and path marks. */
export interface IostatFigures {
  utilPercent: number;
  readsPerSec: number;
  writesPerSec: number;
  readKBPerSec: number;
  writeKBPerSec: number;
  /** Mean time per request (read + write + discard), queueing included, in ms. */
  awaitMs: number;
  readAwaitMs: number;
  writeAwaitMs: number;
  /** aqu-sz: mean number of requests queued or in service. */
  queueSize: number;
}

const WRAP = 2 ** 32;

/**
 * Growth of a cumulative counter. The ms counters are 32-bit in the kernel and wrap (after ~50
 * days of busy time); a drop from above 2^32 means the device was re-created, so it counts as 0.
 */
export function counterDelta(before: number, after: number): number {
  if (after >= before) return after - before;
  return before < WRAP ? after + WRAP - before : 0;
}

/** Per-device rates over a window, with the formulas of sysstat's iostat -x (sectors are 512 bytes). */
export function iostatFigures(before: DiskCounters, after: DiskCounters, elapsedMs: number): IostatFigures {
  const d = (key: keyof DiskCounters): number => counterDelta(before[key] as number, after[key] as number);
  const seconds = elapsedMs / 1000;
  const rate = (n: number): number => (seconds > 0 ? n / seconds : 0);
  const per = (ms: number, ios: number): number => (ios > 0 ? ms / ios : 0);
  const reads = d('readIos');
  const writes = d('writeIos');
  const discards = d('discardIos');
  return {
    // iostat caps at 100: io_ticks may run a little ahead of the wall clock between the two reads.
    utilPercent: elapsedMs > 0 ? Math.min(100, (d('ioTicksMs') / elapsedMs) * 100) : 0,
    readsPerSec: rate(reads),
    writesPerSec: rate(writes),
    readKBPerSec: rate(d('readSectors') / 2),
    writeKBPerSec: rate(d('writeSectors') / 2),
    awaitMs: per(d('readMs') + d('writeMs') + d('discardMs'), reads + writes + discards),
    readAwaitMs: per(d('readMs'), reads),
    writeAwaitMs: per(d('writeMs'), writes),
    queueSize: elapsedMs > 0 ? d('weightedMs') / elapsedMs : 0,
  };
}
