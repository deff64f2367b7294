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
