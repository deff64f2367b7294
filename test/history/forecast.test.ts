import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecast, percentile, suggestSchedule } from '../../src/history/forecast.ts';

const MIN = 60_000;
const every = (gapMs: number, n: number): number[] => Array.from({ length: n }, (_, i) => i * gapMs);

describe('the pile-up forecast', () => {
  it('says it plainly when the p90 duration exceeds the interval (the seed outage: 58m every 2m)', () => {
    const f = forecast('jobs-archive', every(2 * MIN, 30), [55 * MIN, 56 * MIN, 57 * MIN, 58 * MIN, 58 * MIN]);
    assert.equal(f.warning, 'jobs-archive runs 58m (p90) but is started every 2m: 29 starts skipped per run; schedule it hourly or use --on-busy wait');
    assert.equal(f.ratio, 29);
    assert.equal(f.intervalMs, 2 * MIN);
  });

  it('stays quiet when runs fit in the interval', () => {
    const f = forecast('report', every(10 * MIN, 10), [3 * MIN, 4 * MIN]);
    assert.equal(f.warning, null);
    assert.equal(f.ratio, 0.4);
  });

  it('gives no interval from fewer than three invocations', () => {
    assert.equal(forecast('x', [0, 1000], [5000]).intervalMs, null);
    assert.equal(forecast('x', [0, 1000], [5000]).warning, null);
  });

  it('uses the median gap, so one late tick does not change the interval', () => {
    assert.equal(forecast('x', [0, 1000, 2000, 3000, 60_000], [100]).intervalMs, 1000);
  });

  it('p50 and p90 are nearest-rank percentiles', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(ten, 0.5), 5);
    assert.equal(percentile(ten, 0.9), 9);
    assert.equal(percentile([], 0.9), null);
  });

  it('suggests the most frequent usual schedule that leaves room for a run', () => {
    assert.equal(suggestSchedule(58 * MIN), 'hourly');
    assert.equal(suggestSchedule(61 * MIN), 'every 2 hours');
    assert.equal(suggestSchedule(3 * MIN), 'every 5 minutes');
    assert.equal(suggestSchedule(3000), 'at most every 3s');
  });
});
