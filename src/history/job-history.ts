import { validateJobName } from '../lock/job-key.ts';
import { resolveLockDir } from '../lock/lock-dir.ts';
import type { HistoryEntry } from './entry.ts';
import { historyView, type JobHistoryView } from './history-view.ts';
import { historyPaths } from './paths.ts';
import { currentSummary, readRecentEntries } from './read-history.ts';

export interface JobHistory extends JobHistoryView {
  /** The most recent invocations, oldest first. */
  entries: HistoryEntry[];
}

/** A job's view and the invocations at the end of its history (up to 1 MiB of lines). Reads only. */
export function loadHistory(lockDir: string, name: string, now: number): { view: JobHistoryView; recent: HistoryEntry[]; corruptInTail: number } | undefined {
  const summary = currentSummary(lockDir, name);
  if (!summary) return undefined;
  const tail = readRecentEntries(historyPaths(lockDir, name).history);
  return { view: historyView(summary, now), recent: tail.entries, corruptInTail: tail.corrupt };
}

/** What `ioguard history NAME --json` prints, as data; undefined when the job has no history. Reads only. */
export function jobHistory(name: string, options: { lockDir?: string; limit?: number; now?: () => number } = {}): JobHistory | undefined {
  validateJobName(name, 'name');
  const lockDir = resolveLockDir(options.lockDir, { env: process.env, uid: process.getuid?.() ?? 0 });
  const loaded = loadHistory(lockDir, name, (options.now ?? Date.now)());
  return loaded && { ...loaded.view, entries: loaded.recent.slice(-(options.limit ?? 20)) };
}
