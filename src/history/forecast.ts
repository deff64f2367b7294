import { formatDuration } from '../util/duration.ts';

/** What the history says about a job's schedule: how often it is started against how long it runs. */
export interface Forecast {
  /** Median gap between invocations (ms); null with fewer than 3 invocations. */
  intervalMs: number | null;
  durationP50Ms: number | null;
  durationP90Ms: number | null;
  /** p90 duration / interval: above 1, starts pile up behind a run (and are skipped). */
  ratio: number | null;
  /** Starts that land on a running p90-long run. */
  skippedPerRun: number | null;
  /** The plain sentence when p90 exceeds the interval; null otherwise. */
  warning: string | null;
}

/** Nearest-rank percentile of a list of numbers (p in 0..1). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

const SCHEDULES: ReadonlyArray<[number, string]> = [
  [60_000, 'every minute'], [120_000, 'every 2 minutes'], [300_000, 'every 5 minutes'], [600_000, 'every 10 minutes'],
  [900_000, 'every 15 minutes'], [1_800_000, 'every 30 minutes'], [3_600_000, 'hourly'], [7_200_000, 'every 2 hours'],
  [10_800_000, 'every 3 hours'], [21_600_000, 'every 6 hours'], [43_200_000, 'every 12 hours'], [86_400_000, 'daily'],
];

/** The most frequent usual schedule that leaves room for a p90-long run. */
export function suggestSchedule(p90Ms: number): string {
  if (p90Ms < 60_000) return `at most every ${formatDuration(Math.ceil(p90Ms / 1000) * 1000, 'short')}`;
  return SCHEDULES.find(([ms]) => ms >= p90Ms)?.[1] ?? 'weekly';
}

/** Forecast from invocation times (ascending) and the durations of recent runs. */
export function forecast(name: string, invocationTimes: readonly number[], durations: readonly number[]): Forecast {
  const gaps: number[] = [];
  for (let i = 1; i < invocationTimes.length; i++) gaps.push((invocationTimes[i] as number) - (invocationTimes[i - 1] as number));
  const intervalMs = gaps.length >= 2 ? percentile(gaps, 0.5) : null;
  const p50 = percentile(durations, 0.5);
  const p90 = percentile(durations, 0.9);
  const ratio = intervalMs !== null && intervalMs > 0 && p90 !== null ? Math.round((p90 / intervalMs) * 100) / 100 : null;
  const skippedPerRun = ratio === null ? null : Math.max(0, Math.round((p90 as number) / (intervalMs as number)));
  const warning = ratio !== null && ratio > 1
    ? `${name} runs ${formatDuration(p90 as number, 'short')} (p90) but is started every ${formatDuration(intervalMs as number, 'short')}: ${skippedPerRun} start${skippedPerRun === 1 ? '' : 's'} skipped per run; schedule it ${suggestSchedule(p90 as number)} or use --on-busy wait`
    : null;
  return { intervalMs, durationP50Ms: p50, durationP90Ms: p90, ratio, skippedPerRun, warning };
}
