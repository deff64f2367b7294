import { historyView, type JobHistoryView } from '../history/history-view.ts';
import { formatDuration } from '../util/duration.ts';
import { currentSummary, jobsWithHistory } from '../history/read-history.ts';
import { emptySummary } from '../history/summary.ts';
import { isIoguardError } from '../errors/ioguard-error.ts';
import type { JobStatus } from './list-jobs.ts';
import { validateJobName } from '../lock/job-key.ts';
import { tableLines } from '../util/table.ts';

function isJobName(name: string): boolean {
  try {
    validateJobName(name, 'name');
    return true;
  } catch {
    return false;
  }
}

/** Every job with a history in the lock folder (or only `name`), as of `now`. */
export function historyViews(lockDir: string, now: number, name?: string): JobHistoryView[] {
  if (name !== undefined && !isJobName(name)) return [];
  const names = name === undefined ? jobsWithHistory(lockDir) : [name];
  const views: JobHistoryView[] = [];
  for (const n of names) {
    try {
      const s = currentSummary(lockDir, n);
      if (s) views.push(historyView(s, now));
    } catch (error) {
      // One bad file (a FIFO, a symlink) costs that job's history, said in one line; never the listing.
      if (!isIoguardError(error)) throw error;
      views.push({ ...historyView(emptySummary(n), now), problem: error.message });
    }
  }
  return views;
}

/** Status rows with their job's history view (`history`, null when the job has none). */
export function rowsWithHistory(rows: readonly JobStatus[], views: readonly JobHistoryView[]): Array<JobStatus & { history: JobHistoryView | null }> {
  const byName = new Map(views.map((v) => [v.name, v]));
  return rows.map((r) => ({ ...r, history: byName.get(r.name) ?? null }));
}

const HEADERS = ['LAST 24 H', 'RUNS', 'SKIPS', 'FAILED', 'TIMEOUTS', 'P50', 'P90', 'EVERY', 'RATIO'] as const;
const dur = (ms: number | null): string => (ms === null ? '-' : formatDuration(ms, 'short'));

/** One line per job (runs, skips, failures, timeouts over 24 h, duration, interval, ratio), and the forecast's warning under a job whose runs outlast its interval. */
export function formatHistorySection(views: readonly JobHistoryView[], color: boolean): string {
  if (views.length === 0) return '';
  const cells = views.map((v) => [
    v.name,
    String(v.last24h.runs),
    String(v.last24h.skips),
    String(v.last24h.failures),
    String(v.last24h.timeouts),
    dur(v.forecast.durationP50Ms),
    dur(v.forecast.durationP90Ms),
    dur(v.forecast.intervalMs),
    v.forecast.ratio === null ? '-' : v.forecast.ratio.toFixed(2),
  ]);
  const [header, ...lines] = tableLines(HEADERS, cells);
  const out = ['', header as string];
  const nameWidth = Math.max(HEADERS[0]?.length ?? 0, ...cells.map((c) => c[0]?.length ?? 0));
  views.forEach((v, i) => {
    if (v.problem !== undefined) return void out.push(`${v.name.padEnd(nameWidth)}  history unreadable: ${v.problem}`);
    out.push(lines[i] as string);
    const w = v.forecast.warning;
    if (w) out.push(color ? `  \x1b[1;33m! ${w}\x1b[0m` : `  ! ${w}`);
  });
  return `${out.join('\n')}\n`;
}
