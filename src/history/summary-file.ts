import { closeSync, fstatSync, statSync } from 'node:fs';
import { readSmallFile } from '../util/read-small-file.ts';
import { openForReading, readRange, writeAtomically } from '../util/file-io.ts';
import { completeLines, parseHistory } from './parse-history.ts';
import { emptySummary, foldEntry, type HistorySummary, type HistoryTotals } from './summary.ts';

// A summary holds a day of hourly counts and the recent durations: tens of KiB at most.
const MAX_SUMMARY_BYTES = 4 * 1024 * 1024;

/** The summary is a cache: one that is missing, planted (a FIFO, a symlink) or unparsable is rebuilt from the history. */
export function readSummary(path: string): HistorySummary | undefined {
  const read = readSmallFile(path, MAX_SUMMARY_BYTES);
  if (read.kind !== 'ok') return undefined;
  try {
    const s = JSON.parse(read.text) as HistorySummary;
    return s.v === 1 && typeof s.offset === 'number' && Array.isArray(s.hours) ? s : undefined;
  } catch {
    return undefined;
  }
}

function addTotals(into: HistoryTotals, from: HistoryTotals): void {
  for (const [k, n] of Object.entries(from.outcomes)) into.outcomes[k] = (into.outcomes[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.skips)) into.skips[k] = (into.skips[k] ?? 0) + n;
  into.deferredMs += from.deferredMs;
  into.cpuSeconds += from.cpuSeconds ?? 0;
}

function isCurrent(s: HistorySummary, history: string): boolean {
  try {
    const st = statSync(history);
    return st.ino === s.ino && st.size === s.offset;
  } catch {
    return false;
  }
}

/**
 * Bring `NAME.summary` up to date with the history: fold only the lines appended since the
 * offset it covers (a few hundred bytes per run), or everything when the history was compacted
 * (a new inode). Every summary covers a prefix of one history file, so it is always consistent;
 * of two concurrent writers the one that covers more wins. Readers (status, history) pass
 * `write: false` and fold in memory: reading never changes a file.
 */
export function refreshSummary(paths: { history: string; summary: string }, name: string, { write = true } = {}): HistorySummary {
  const previous = readSummary(paths.summary);
  // The usual case for readers: the last invocation already folded everything in. One stat(2).
  if (previous && isCurrent(previous, paths.history)) return previous;
  const fd = openForReading(paths.history);
  if (fd === undefined) return previous ?? emptySummary(name);
  let s: HistorySummary;
  try {
    const st = fstatSync(fd);
    const incremental = previous !== undefined && previous.ino === st.ino && previous.offset <= st.size;
    s = incremental ? previous : { ...emptySummary(name), ino: st.ino };
    const from = s.offset;
    if (from === st.size) return s;
    const { text, bytes } = completeLines(readRange(fd, from, st.size));
    const seen = incremental ? undefined : new Set<string>();
    const parsed = parseHistory(text, (e) => void foldEntry(s, e, seen), (header) => header.droppedIds?.forEach((id) => seen?.add(id)));
    if (!incremental && parsed.header) {
      addTotals(s.totals, parsed.header.totals);
      s.corrupt += parsed.header.corrupt;
    }
    s.corrupt += parsed.corrupt;
    s.offset = from + bytes;
  } finally {
    closeSync(fd);
  }
  if (!write) return s;
  const current = readSummary(paths.summary);
  if (current && current.ino === s.ino && current.offset > s.offset) return current;
  writeAtomically(paths.summary, JSON.stringify(s));
  return s;
}
