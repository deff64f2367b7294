import type { PingSuffix } from './ping-url.ts';

/**
 * The few fields of a run's ending the ping needs, spelled as the run's result spells them
 * (src/run/result.ts) without importing it: feature folders never depend on the run.
 */
export interface PingableEnding {
  name: string;
  /** completed, failed, skipped, deferred-then-skipped, timed-out, stuck, conflict. */
  outcome: string;
  /** The exit status `ioguard run` exits with. */
  exitCode: number;
  jobExitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  reason: string | null;
  /** The figures behind a gate decision (io some %, limits). */
  figures: Record<string, number | null> | null;
  /** Set when the pressure skips of the job have passed --starve-after: the starvation line. */
  starved?: string | null | undefined;
}

/** What to send: which endpoint, and the one line that heads the body. */
export interface PingEvent {
  suffix: PingSuffix;
  /** `success`, `exit` (the job's own failure), `log` (a tick that did not run), `fail` (ioguard's alarm). */
  kind: 'success' | 'exit' | 'log' | 'fail';
  message: string;
}

const SKIPS = new Set(['skipped', 'deferred-then-skipped']);

/**
 * healthchecks.io's meaning of each ending. A skip is not a failure of the job, but the check must
 * hear of it (`/log` with the reason and figures); a stuck previous run, a timeout, a fleet
 * conflict and starvation are ioguard's own alarms (`/fail`, one line naming the cause); the job's
 * own failure is its exit status (`/<status>`), which healthchecks shows as such.
 */
export function pingEventFor(e: PingableEnding): PingEvent {
  const job = `ioguard: job "${e.name}"`;
  const why = e.reason ? `: ${e.reason}` : '';
  if (e.outcome === 'completed') return { suffix: 'success', kind: 'success', message: `${job} completed in ${seconds(e.durationMs)}` };
  if (SKIPS.has(e.outcome)) {
    if (e.starved) return { suffix: 'fail', kind: 'fail', message: e.starved };
    const figures = formatFigures(e.figures);
    return { suffix: 'log', kind: 'log', message: `${job} ${e.outcome === 'skipped' ? 'skipped' : 'deferred, then skipped'}${why}${figures ? ` (${figures})` : ''}` };
  }
  if (e.outcome === 'timed-out' || e.timedOut) return { suffix: 'fail', kind: 'fail', message: `${job} ${e.reason ?? 'timed out'}, exit ${e.exitCode}` };
  if (e.outcome === 'stuck') return { suffix: 'fail', kind: 'fail', message: `${job} not started, previous run stuck${why}` };
  if (e.outcome === 'conflict') return { suffix: 'fail', kind: 'fail', message: `${job} fleet conflict${why}` };
  if (e.outcome === 'failed') {
    const status = e.signal ? `killed by ${e.signal}` : e.jobExitCode === null ? null : `exited ${e.jobExitCode}`;
    // A reason (--fleet-lost terminate's line, a spawn failure) says why; the status then follows it.
    const how = e.reason ? `${e.reason}${status ? ` (${status})` : ''}` : (status ?? 'could not start');
    // /0 would read as success; a failed run always sends a status above 0.
    return { suffix: clampStatus(e.exitCode), kind: 'exit', message: `${job} failed: ${how}, exit ${e.exitCode} after ${seconds(e.durationMs)}` };
  }
  return { suffix: 'fail', kind: 'fail', message: `${job} ${e.outcome}${why}` };
}

function clampStatus(status: number): number {
  return Number.isInteger(status) && status >= 1 && status <= 255 ? status : 1;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** `ioPressure=74.2 ioPressureLimit=30`: the gate's figures as key=value, absent ones left out. */
function formatFigures(figures: Record<string, number | null> | null): string {
  if (!figures) return '';
  return Object.entries(figures)
    .filter((kv): kv is [string, number] => kv[1] !== null && Number.isFinite(kv[1]))
    .map(([k, v]) => `${k}=${Math.round(v * 100) / 100}`)
    .join(' ');
}
