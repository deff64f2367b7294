import { SKIP_CAUSES, STARTED_OUTCOME_LIST } from '../history/entry.ts';
import type { Forecast } from '../history/forecast.ts';
import type { HistorySummary } from '../history/summary.ts';

/** What is true of the job right now, as the invocation that writes the metrics saw it. */
export interface LiveState {
  /** A run holds the job's lock (the one this invocation found, or its own survivors). */
  running: boolean;
  stuck: boolean;
  /** Age of that run, when known. */
  runningForMs: number | null;
}

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const snake = (v: string): string => v.replace(/-/g, '_');
const seconds = (ms: number): number => Math.round(ms) / 1000;

/** A run is overdue when it has been going for more than twice the p90 of the job's runs. */
export function runsLongerThanUsual(live: LiveState, f: Forecast): boolean {
  return live.running && live.runningForMs !== null && f.durationP90Ms !== null && live.runningForMs > 2 * f.durationP90Ms;
}

/**
 * One job's metrics in the Prometheus text format (0.0.4), for node_exporter's textfile collector.
 * Every family has HELP and TYPE; counters end in _total, units are seconds and bytes; the job is
 * the `name` label (`job` and `instance` belong to Prometheus' own target labels).
 */
export function renderJobMetrics(name: string, s: HistorySummary, f: Forecast, live: LiveState): string {
  const out: string[] = [];
  const n = `name="${label(name)}"`;
  const family = (metric: string, type: 'gauge' | 'counter', help: string, samples: Array<[string, number | null]>): void => {
    const present = samples.filter((x): x is [string, number] => x[1] !== null && Number.isFinite(x[1]));
    if (present.length === 0) return;
    out.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`);
    for (const [labels, value] of present) out.push(`${metric}{${n}${labels}} ${value}`);
  };
  const one = (metric: string, type: 'gauge' | 'counter', help: string, value: number | null): void => family(metric, type, help, [['', value]]);
  const last = s.lastRun;
  const lastEntry = s.last;
  one('ioguard_job_last_invocation_timestamp_seconds', 'gauge', 'When ioguard was last invoked for the job, whether the job started or not.', lastEntry ? seconds(lastEntry.at) : null);
  one('ioguard_job_last_start_timestamp_seconds', 'gauge', 'When the last run of the job started.', last ? seconds(last.start) : null);
  one('ioguard_job_last_end_timestamp_seconds', 'gauge', 'When the last run of the job ended.', last ? seconds(last.end) : null);
  one('ioguard_job_last_duration_seconds', 'gauge', 'How long the last run of the job took.', last ? seconds(last.durationMs) : null);
  one('ioguard_job_last_exit_code', 'gauge', 'Exit status of ioguard for the last run (the job\'s own, 124 timed out, 128+N signal).', last ? last.exitCode : null);
  one('ioguard_job_last_success_timestamp_seconds', 'gauge', 'When the last run that exited 0 ended.', s.lastSuccessAt === null ? null : seconds(s.lastSuccessAt));
  // Every label value is written, zeros included, so rate() works from the first scrape.
  family('ioguard_job_runs_total', 'counter', 'Runs of the job that started, by outcome.', STARTED_OUTCOME_LIST.map((o) => [`,outcome="${snake(o)}"`, s.totals.outcomes[o] ?? 0]));
  family('ioguard_job_skips_total', 'counter', 'Invocations that did not start the job, by reason.', SKIP_CAUSES.map((r) => [`,reason="${snake(r)}"`, s.totals.skips[r] ?? 0]));
  one('ioguard_job_deferred_seconds_total', 'counter', 'Time the pressure gate held the job back.', seconds(s.totals.deferredMs));
  one('ioguard_job_cpu_seconds_total', 'counter', 'CPU time (user + system) used by the job\'s runs.', Math.round(s.totals.cpuSeconds * 100) / 100);
  one('ioguard_job_consecutive_failures', 'gauge', 'Runs in a row that failed or timed out, since the last one that completed.', s.consecutiveFailures ?? 0);
  // Up to this invocation: the file is rewritten by every invocation, so a starving job's figure grows tick by tick.
  const starving = s.pressureSkipSince === null || s.pressureSkipSince === undefined || !lastEntry ? 0 : Math.max(0, lastEntry.at - s.pressureSkipSince);
  one('ioguard_job_pressure_skip_streak_seconds', 'gauge', 'How long the job has been skipped for pressure tick after tick without starting; 0 once it starts.', seconds(starving));
  one('ioguard_job_running', 'gauge', '1 while a run of the job holds its lock.', live.running ? 1 : 0);
  one('ioguard_job_stuck', 'gauge', '1 when a process of the job is in D state without progress or survived SIGKILL.', live.stuck ? 1 : 0);
  one('ioguard_job_overdue', 'gauge', '1 when the run in progress has taken more than twice the p90 duration of the job\'s runs.', runsLongerThanUsual(live, f) ? 1 : 0);
  // Two gauges, not a `quantile` label: Prometheus reserves that label for summaries.
  one('ioguard_job_duration_p50_seconds', 'gauge', 'Median duration of the job\'s recent runs (last 50).', f.durationP50Ms === null ? null : seconds(f.durationP50Ms));
  one('ioguard_job_duration_p90_seconds', 'gauge', '90th percentile duration of the job\'s recent runs (last 50).', f.durationP90Ms === null ? null : seconds(f.durationP90Ms));
  one('ioguard_job_interval_seconds', 'gauge', 'Observed gap between invocations of the job (median).', f.intervalMs === null ? null : seconds(f.intervalMs));
  one('ioguard_job_forecast_ratio', 'gauge', 'p90 run duration divided by the observed interval; above 1 the schedule starts the job faster than it finishes.', f.ratio);
  one('ioguard_job_last_paused_seconds', 'gauge', 'Time the governor held the last run paused for pressure (0 when it was not paused).', last ? seconds(last.pausedMs ?? 0) : null);
  one('ioguard_job_paused_seconds_total', 'counter', 'Time the governor held the job\'s runs paused for pressure.', seconds(s.totals.pausedMs ?? 0));
  one('ioguard_job_last_backlog_bound_bytes', 'gauge', 'Dirty + writeback bound the last run held on its device with --bound-backlog (0 when none).', last ? (last.backlogBoundBytes ?? 0) : null);
  one('ioguard_job_last_cpu_seconds', 'gauge', 'CPU time of the last run that ran a command.', last?.cpuSeconds ?? null);
  one('ioguard_job_last_peak_rss_bytes', 'gauge', 'Largest resident memory of the last run\'s process group, as sampled.', last?.peakRssBytes ?? null);
  one('ioguard_job_last_read_bytes', 'gauge', 'Storage bytes read by the last run, as sampled.', last?.readBytes ?? null);
  one('ioguard_job_last_written_bytes', 'gauge', 'Storage bytes written by the last run, as sampled.', last?.writeBytes ?? null);
  one('ioguard_job_history_corrupt_lines_total', 'counter', 'Lines of the job\'s history that could not be read and were skipped.', s.corrupt);
  return `${out.join('\n')}\n`;
}
