import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecast } from '../../src/history/forecast.ts';
import { emptySummary, foldEntry } from '../../src/history/summary.ts';
import { runsLongerThanUsual, renderJobMetrics } from '../../src/metrics/render.ts';
import { entry } from '../history/helpers/entries.ts';

function summaryOf(durationsMs: number[]) {
  const s = emptySummary('db');
  durationsMs.forEach((d, i) => foldEntry(s, entry({ at: 1_790_000_000_000 + i * 3_600_000, durationMs: d })));
  return s;
}

describe('rendering a job\'s metrics', () => {
  it('a run going for more than twice the p90 of the job\'s runs is overdue; one within it is not', () => {
    const s = summaryOf([60_000, 60_000, 70_000, 60_000]);
    const f = forecast('db', s.recentAt, s.recentDurations);
    assert.equal(runsLongerThanUsual({ running: true, stuck: false, runningForMs: 141_000 }, f), true);
    assert.equal(runsLongerThanUsual({ running: true, stuck: false, runningForMs: 139_000 }, f), false);
    const text = renderJobMetrics('db', s, f, { running: true, stuck: false, runningForMs: 141_000 });
    assert.match(text, /^ioguard_job_overdue\{name="db"\} 1$/m);
    assert.match(text, /^ioguard_job_running\{name="db"\} 1$/m);
  });

  it('every family has one HELP and one TYPE line before its samples, and counters end in _total', () => {
    const s = summaryOf([1000]);
    const text = renderJobMetrics('db', s, forecast('db', s.recentAt, s.recentDurations), { running: false, stuck: false, runningForMs: null });
    const families = new Map<string, string>();
    for (const line of text.trim().split('\n')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) families.set(type[1] as string, type[2] as string);
      else if (!line.startsWith('# HELP ')) assert.ok(families.has(line.split('{')[0] as string), `sample before its TYPE: ${line}`);
    }
    for (const [name, type] of families) assert.equal(name.endsWith('_total'), type === 'counter', name);
    assert.equal(text.match(/^# HELP /gm)?.length, families.size);
  });
});

describe('the metrics the alert rules need', () => {
  const live = { running: false, stuck: false, runningForMs: null };
  const render = (s: ReturnType<typeof emptySummary>) => renderJobMetrics('db', s, forecast('db', s.recentAt, s.recentDurations), live);
  const value = (text: string, metric: string) => Number(new RegExp(`^${metric}\\{name="db"\\} (\\S+)$`, 'm').exec(text)?.[1]);

  it('consecutive failures count failed and timed-out runs since the last completed one; skips neither add nor reset', () => {
    const s = emptySummary('db');
    const t = 1_790_000_000_000;
    foldEntry(s, entry({ at: t, outcome: 'failed', exitCode: 1 }));
    foldEntry(s, entry({ at: t + 1000, outcome: 'completed' }));
    foldEntry(s, entry({ at: t + 2000, outcome: 'failed', exitCode: 2 }));
    foldEntry(s, entry({ at: t + 3000, outcome: 'skipped', cause: 'busy', exitCode: 75 }));
    foldEntry(s, entry({ at: t + 4000, outcome: 'timed-out', exitCode: 124 }));
    assert.equal(value(render(s), 'ioguard_job_consecutive_failures'), 2);
    foldEntry(s, entry({ at: t + 5000, outcome: 'completed' }));
    assert.equal(value(render(s), 'ioguard_job_consecutive_failures'), 0);
  });

  it('the pressure skip streak grows from its first skip to the latest invocation, and a start ends it', () => {
    const s = emptySummary('db');
    const t = 1_790_000_000_000;
    foldEntry(s, entry({ at: t, outcome: 'completed' }));
    assert.equal(value(render(s), 'ioguard_job_pressure_skip_streak_seconds'), 0);
    foldEntry(s, entry({ at: t + 60_000, outcome: 'skipped', cause: 'pressure', exitCode: 75 }));
    foldEntry(s, entry({ at: t + 120_000, outcome: 'skipped', cause: 'busy', exitCode: 75 }));
    foldEntry(s, entry({ at: t + 180_000, outcome: 'deferred-then-skipped', cause: 'pressure', exitCode: 75 }));
    assert.equal(value(render(s), 'ioguard_job_pressure_skip_streak_seconds'), 120);
    foldEntry(s, entry({ at: t + 240_000, outcome: 'completed' }));
    assert.equal(value(render(s), 'ioguard_job_pressure_skip_streak_seconds'), 0);
  });

  it('the last run\'s paused time is written in seconds, 0 for a run that was not paused', () => {
    const s = emptySummary('db');
    foldEntry(s, entry({ at: 1_790_000_000_000, durationMs: 100_000, pausedMs: 40_000 }));
    assert.equal(value(render(s), 'ioguard_job_last_paused_seconds'), 40);
    foldEntry(s, entry({ at: 1_790_000_500_000, durationMs: 100_000 }));
    assert.equal(value(render(s), 'ioguard_job_last_paused_seconds'), 0);
  });

  it('paused seconds add up over the history\'s runs; lines without pausedMs count 0', () => {
    const s = emptySummary('db');
    foldEntry(s, entry({ at: 1_790_000_000_000, durationMs: 100_000, pausedMs: 40_000 }));
    foldEntry(s, entry({ at: 1_790_000_500_000, durationMs: 100_000 }));
    foldEntry(s, entry({ at: 1_790_001_000_000, durationMs: 100_000, pausedMs: 2_500 }));
    assert.equal(value(render(s), 'ioguard_job_paused_seconds_total'), 42.5);
  });

  it('the last run\'s backlog bound is written in bytes, 0 for a run without one', () => {
    const s = emptySummary('db');
    foldEntry(s, entry({ at: 1_790_000_000_000, durationMs: 100_000, backlogBoundBytes: 1 << 20 }));
    assert.equal(value(render(s), 'ioguard_job_last_backlog_bound_bytes'), 1 << 20);
    foldEntry(s, entry({ at: 1_790_000_500_000, durationMs: 100_000 }));
    assert.equal(value(render(s), 'ioguard_job_last_backlog_bound_bytes'), 0);
  });
});
