import { entryFor } from '../../history/invocation-entry.ts';
import { appendEntry } from '../../history/append.ts';
import { forecast } from '../../history/forecast.ts';
import { invocationTime } from '../../history/invoked-at.ts';
import { historyPaths } from '../../history/paths.ts';
import { refreshSummary } from '../../history/summary-file.ts';
import type { LockOutcome } from '../../lock/acquire.ts';
import { liveState } from '../../metrics/live-state.ts';
import { renderJobMetrics } from '../../metrics/render.ts';
import { writeMetricsFile } from '../../metrics/write-metrics.ts';
import { readPsi } from '../../proc/psi.ts';
import type { RunContext } from '../context.ts';
import type { RunResult } from '../result.ts';
import type { Step } from '../run-state.ts';

/**
 * The one place an invocation is recorded: entered first (after the ping step, whose ending
 * follows the history line), so its exit runs after every release and sees the final result. A run that threw (bad lock folder, a record it could not
 * write) is an error for the caller, not an invocation.
 */
export const recordStep: Step = {
  name: 'record',
  enter: () => 'proceed',
  exit(state, ending) {
    // No lock outcome: the run ended before the lock (a signal during --jitter), still an invocation.
    if (ending.kind !== 'threw') recordInvocation(state.ctx, state.result, state.lockOutcome, state.jitterMs);
  },
};

/**
 * After every invocation, started or not: append its history line, bring the job's summary up to
 * date and, with metricsDir, rewrite its Prometheus file. Never throws and never changes the
 * result: a failure is one decision-log line, and the job's exit status stands.
 */
export function recordInvocation(ctx: RunContext, result: RunResult, lock: LockOutcome | undefined, jitterMs?: number): void {
  try {
    const end = ctx.now();
    const figure = result.figures?.ioPressure;
    const psi = figure === undefined || figure === null ? readPsi('io', ctx.roots) : undefined;
    const ioPressure = figure ?? (psi?.ok ? psi.value.some.avg10 : null);
    const invokedAt = invocationTime(ctx.invokedAt, ctx.self, ctx.roots, ctx.now);
    const entry = entryFor(result, lock, { invokedAt, end, interrupted: ctx.interrupts.received !== null, ioPressure, pid: process.pid, jitterMs });
    const paths = historyPaths(ctx.lockDir, ctx.name);
    appendEntry(paths, entry, undefined, ctx.now);
    const summary = refreshSummary(paths, ctx.name);
    if (ctx.o.metricsDir !== undefined) {
      const f = forecast(ctx.name, summary.recentAt, summary.recentDurations);
      writeMetricsFile(ctx.o.metricsDir, ctx.name, renderJobMetrics(ctx.name, summary, f, liveState(result, lock)));
    }
  } catch (error) {
    const message = `could not record the invocation's history or metrics: ${(error as Error)?.message ?? String(error)}`;
    ctx.log.log('warn', 'history-failed', message, { error: String(error) });
  }
}
