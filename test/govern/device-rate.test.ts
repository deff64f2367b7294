import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceRate, MIN_AUTO_BACKLOG_BYTES, autoBacklogBytes, nextAutoBytes, worthResizing } from '../../src/govern/device-rate.ts';

const MiB = 1024 * 1024;
/** Sectors for a number of MiB. */
const sectors = (mib: number): number => (mib * MiB) / 512;

describe('DeviceRate', () => {
  it('measures over at least the span: readings closer together than 400 ms give no rate yet', () => {
    const r = new DeviceRate(5000, 400);
    assert.equal(r.add(0, 0), undefined);
    assert.equal(r.add(100, sectors(1)), undefined);
    assert.equal(r.add(400, sectors(4)), 10 * MiB);
  });

  it('keeps the peak for the hold time, then follows the device down', () => {
    const r = new DeviceRate(1000, 400);
    r.add(0, 0);
    assert.equal(r.add(500, sectors(10)), 20 * MiB);
    assert.equal(r.add(1000, sectors(11)), 20 * MiB, 'a slower span inside the hold keeps the peak');
    assert.equal(r.add(2000, sectors(12)), 1 * MiB, 'after the hold the rate is the last span (1 MiB in 1 s)');
  });

  it('a counter that goes back (a re-created device) restarts the measure instead of giving a negative rate', () => {
    const r = new DeviceRate(5000, 400);
    r.add(0, sectors(100));
    assert.equal(r.add(500, sectors(1)), undefined);
    assert.equal(r.add(1000, sectors(2)), 2 * MiB);
  });
});

describe('the auto bound size', () => {
  it('is what the device drains in the wait, page-aligned, never below the floor', () => {
    assert.equal(autoBacklogBytes(8 * MiB, 100), 839_680); // 8 MiB/s x 100 ms = 838,861 B, rounded up to pages
    assert.equal(autoBacklogBytes(0, 100), MIN_AUTO_BACKLOG_BYTES);
    assert.equal(autoBacklogBytes(1000 * MiB, 100) % 4096, 0);
  });

  it('doubles on top when the device drained more than twice the bound (a fast device held back by it)', () => {
    assert.equal(nextAutoBytes(MiB, 100 * MiB, 100), 2 * autoBacklogBytes(100 * MiB, 100));
    assert.equal(nextAutoBytes(MiB, 8 * MiB, 100), autoBacklogBytes(8 * MiB, 100), 'a slow device is sized to its rate');
  });

  it('is rewritten only on a change of more than a quarter', () => {
    assert.equal(worthResizing(MiB, 1.2 * MiB), false);
    assert.equal(worthResizing(MiB, 1.3 * MiB), true);
    assert.equal(worthResizing(MiB, 0.7 * MiB), true);
  });
});
