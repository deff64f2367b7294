import { forecast, type Forecast } from './forecast.ts';
import { lastDay, type DayCounts, type HistorySummary, type HistoryTotals, type LastRun } from './summary.ts';

/** A job's history at a glance: the `history` field of `status --json` and the head of `history --json`. */
export interface JobHistoryView {
  name: string;
  /** Invocations since the history began (compacted ones included). */
  invocations: number;
  totals: HistoryTotals;
  last24h: DayCounts;
  forecast: Forecast;
  lastRun: LastRun | null;
  lastInvocationAt: number | null;
  lastSuccessAt: number | null;
  corruptLines: number;
  /** Set when the job's history file cannot be read (a FIFO or symlink planted in the lock folder): the one line status and history show for it. */
  problem?: string;
}

export function historyView(s: HistorySummary, now: number): JobHistoryView {
  return {
    name: s.name,
    invocations: Object.values(s.totals.outcomes).reduce((a, b) => a + b, 0),
    totals: s.totals,
    last24h: lastDay(s, now),
    forecast: forecast(s.name, s.recentAt, s.recentDurations),
    lastRun: s.lastRun,
    lastInvocationAt: s.last?.at ?? null,
    lastSuccessAt: s.lastSuccessAt,
    corruptLines: s.corrupt,
  };
}
