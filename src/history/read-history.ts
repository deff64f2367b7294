import { closeSync, fstatSync, readdirSync } from 'node:fs';
import type { HistoryEntry } from './entry.ts';
import { openForReading, readRange } from '../util/file-io.ts';
import { completeLines, parseHistory } from './parse-history.ts';
import { historyPaths, SUMMARY_SUFFIX } from './paths.ts';
import type { HistorySummary } from './summary.ts';
import { refreshSummary } from './summary-file.ts';

/**
 * The newest invocations, parsed from the last `maxBytes` of the history only: the timeline and
 * the table need the recent past, and the summary already holds the totals, so `history NAME`
 * costs the same for 1,000 lines as for 100,000.
 */
export function readRecentEntries(path: string, maxBytes = 1024 * 1024): { entries: HistoryEntry[]; corrupt: number } {
  const fd = openForReading(path);
  if (fd === undefined) return { entries: [], corrupt: 0 };
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - maxBytes);
    let chunk = readRange(fd, from, size);
    // Reading from the middle of the file: the first line is cut, drop it.
    if (from > 0) chunk = chunk.subarray(chunk.indexOf(10) + 1);
    const parsed = parseHistory(completeLines(chunk).text);
    const seen = new Set<string>();
    const entries = parsed.entries.filter((e) => typeof e.id !== 'string' || (!seen.has(e.id) && Boolean(seen.add(e.id))));
    entries.sort((a, b) => a.at - b.at);
    return { entries, corrupt: parsed.corrupt };
  } finally {
    closeSync(fd);
  }
}

/** The job's summary as of now, without writing anything. Undefined when the job has no history. */
export function currentSummary(lockDir: string, name: string): HistorySummary | undefined {
  const paths = historyPaths(lockDir, name);
  const s = refreshSummary(paths, name, { write: false });
  return s.last === null ? undefined : s;
}

/** Names of the jobs that have a history in the lock folder. */
export function jobsWithHistory(lockDir: string): string[] {
  try {
    const names = new Set<string>();
    for (const f of readdirSync(lockDir)) {
      if (f.endsWith('.history')) names.add(f.slice(0, -'.history'.length));
      else if (f.endsWith(SUMMARY_SUFFIX)) names.add(f.slice(0, -SUMMARY_SUFFIX.length));
    }
    return [...names].sort();
  } catch {
    return [];
  }
}

