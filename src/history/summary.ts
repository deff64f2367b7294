import { STARTED_OUTCOMES, type HistoryEntry } from './entry.ts';

/** Counts since the history began: what compaction drops is kept here, so counters never go back. */
export interface HistoryTotals {
  /** Invocations by outcome (completed, failed, timed-out, skipped, deferred-then-skipped, stuck). */
  outcomes: Record<string, number>;
  /** Invocations that did not start the job, by cause. */
  skips: Record<string, number>;
  deferredMs: number;
  cpuSeconds: number;
  /** Time the governor held runs paused (absent in summaries written before it was counted). */
  pausedMs?: number;
}

/** One hour of invocations, for "the last 24 h" without reading the whole history. */
export interface HourBucket {
  hour: number;
  runs: number;
  skips: number;
  failures: number;
  timeouts: number;
}

export interface LastRun {
  start: number;
  end: number;
  durationMs: number;
  exitCode: number;
  outcome: string;
  cpuSeconds: number | null;
  peakRssBytes: number | null;
  readBytes: number | null;
  writeBytes: number | null;
  /** Time the governor held it paused; null when not recorded. */
  pausedMs?: number | null;
  /** The backlog bound it held (bytes); null when none. */
  backlogBoundBytes?: number | null;
}

/**
 * What status, metrics and the forecast need, folded line by line from the history and kept in
 * `NAME.summary`, with the history byte offset it covers so the next invocation reads only new lines.
 */
export interface HistorySummary {
  v: 1;
  name: string;
  /** Inode and byte offset of the history file folded in so far. */
  ino: number;
  offset: number;
  totals: HistoryTotals;
  /** Corrupt lines skipped so far. */
  corrupt: number;
  last: HistoryEntry | null;
  lastRun: LastRun | null;
  lastSuccessAt: number | null;
  /** Started runs that failed or timed out since the last completed one (absent in older summaries: 0). */
  consecutiveFailures?: number;
  /** When the current streak of pressure skips began (no start since); null when the job last started. */
  pressureSkipSince?: number | null;
  /** Invocation times of the most recent invocations, ascending. */
  recentAt: number[];
  /** Durations of the most recent started runs, oldest first. */
  recentDurations: number[];
  hours: HourBucket[];
  /** Ids of the newest lines: a line appended twice around a compaction is folded once. */
  recentIds: string[];
}

const HOUR = 3_600_000;
export const RECENT_INVOCATIONS = 100;
export const RECENT_DURATIONS = 50;
const RECENT_IDS = 64;
const HOURS_KEPT = 25;

export function emptyTotals(): HistoryTotals {
  return { outcomes: {}, skips: {}, deferredMs: 0, cpuSeconds: 0, pausedMs: 0 };
}

export function emptySummary(name: string): HistorySummary {
  return {
    v: 1, name, ino: 0, offset: 0, totals: emptyTotals(), corrupt: 0, last: null, lastRun: null, lastSuccessAt: null,
    recentAt: [], recentDurations: [], hours: [], recentIds: [],
  };
}

/** Add one invocation to running totals (also used by compaction for the lines it drops). */
export function addToTotals(t: HistoryTotals, e: HistoryEntry): void {
  t.outcomes[e.outcome] = (t.outcomes[e.outcome] ?? 0) + 1;
  if (e.cause !== null) t.skips[e.cause] = (t.skips[e.cause] ?? 0) + 1;
  t.deferredMs += e.deferredMs || 0;
  t.cpuSeconds += e.cpuSeconds ?? 0;
  t.pausedMs = (t.pausedMs ?? 0) + (e.pausedMs ?? 0);
}

/** Insert keeping ascending order; lines arrive nearly sorted, so this is O(1) in practice. */
function insertSorted(list: number[], value: number, keep: number): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as number) > value) i--;
  list.splice(i, 0, value);
  if (list.length > keep) list.splice(0, list.length - keep);
}

/** Fold one entry into the summary. Returns false for a duplicate (already folded) line. */
export function foldEntry(s: HistorySummary, e: HistoryEntry, seen?: Set<string>): boolean {
  if (typeof e.id === 'string') {
    if (seen ? seen.has(e.id) : s.recentIds.includes(e.id)) return false;
    seen?.add(e.id);
    s.recentIds.push(e.id);
    if (s.recentIds.length > RECENT_IDS) s.recentIds.shift();
  }
  addToTotals(s.totals, e);
  if (!s.last || e.end >= s.last.end) s.last = e;
  insertSorted(s.recentAt, e.at, RECENT_INVOCATIONS);
  const started = STARTED_OUTCOMES.has(e.outcome) && e.start !== null;
  if (started) {
    s.recentDurations.push(e.durationMs);
    if (s.recentDurations.length > RECENT_DURATIONS) s.recentDurations.shift();
    if (!s.lastRun || e.end >= s.lastRun.end) s.lastRun = {
      start: e.start as number, end: e.end, durationMs: e.durationMs, exitCode: e.exitCode, outcome: e.outcome,
      cpuSeconds: e.cpuSeconds, peakRssBytes: e.peakRssBytes, readBytes: e.readBytes, writeBytes: e.writeBytes, pausedMs: e.pausedMs ?? null,
      backlogBoundBytes: e.backlogBoundBytes ?? null,
    };
    if (e.outcome === 'completed' && (s.lastSuccessAt === null || e.end > s.lastSuccessAt)) s.lastSuccessAt = e.end;
    // Lines arrive in order of their end; a run's ending sets or extends the streaks.
    s.consecutiveFailures = e.outcome === 'completed' ? 0 : (s.consecutiveFailures ?? 0) + 1;
    s.pressureSkipSince = null;
  } else if (e.cause === 'pressure') {
    s.pressureSkipSince ??= e.at;
  }
  const hour = Math.floor(e.at / HOUR) * HOUR;
  let bucket = s.hours.find((b) => b.hour === hour);
  if (!bucket) {
    bucket = { hour, runs: 0, skips: 0, failures: 0, timeouts: 0 };
    s.hours.push(bucket);
    s.hours.sort((a, b) => a.hour - b.hour);
    if (s.hours.length > HOURS_KEPT) s.hours.splice(0, s.hours.length - HOURS_KEPT);
  }
  if (started) bucket.runs++;
  else bucket.skips++;
  if (e.outcome === 'failed') bucket.failures++;
  if (e.outcome === 'timed-out') bucket.timeouts++;
  return true;
}

export interface DayCounts {
  runs: number;
  skips: number;
  failures: number;
  timeouts: number;
}

/** Runs, skips, failures and timeouts in the hours that overlap the last 24 h before `now`. */
export function lastDay(s: HistorySummary, now: number): DayCounts {
  const c: DayCounts = { runs: 0, skips: 0, failures: 0, timeouts: 0 };
  for (const b of s.hours) {
    if (b.hour + HOUR <= now - 24 * HOUR || b.hour > now) continue;
    c.runs += b.runs;
    c.skips += b.skips;
    c.failures += b.failures;
    c.timeouts += b.timeouts;
  }
  return c;
}
