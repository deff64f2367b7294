import type { HistoryEntry } from '../../../src/history/entry.ts';

let counter = 0;

/** A history entry with plausible defaults; `over` sets what the test is about. */
export function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  counter++;
  const at = over.at ?? 1_790_000_000_000 + counter * 1000;
  const started = over.outcome === undefined || ['completed', 'failed', 'timed-out'].includes(over.outcome);
  return {
    v: 1, id: `t${process.pid}-${counter}`, at, start: started ? at : null, end: at + (over.durationMs ?? 0), durationMs: 0,
    outcome: 'completed', cause: null, reason: null, exitCode: 0, jobExitCode: 0, signal: null, waitedMs: 0, deferredMs: 0,
    heldBy: null, cpuSeconds: null, peakRssBytes: null, readBytes: null, writeBytes: null, ioPressure: null, pid: process.pid,
    ...over,
  };
}
