import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobWrites } from '../../src/govern/device-rate.ts';

describe('JobWrites (the job\'s write_bytes summed over processes that come and go)', () => {
  it('adds each process\'s growth, and all a new process wrote', () => {
    const w = new JobWrites();
    assert.equal(w.add(new Map([[10, 1000]])), 1000);
    assert.equal(w.add(new Map([[10, 1500], [11, 200]])), 1700);
    // 10 exited: what it wrote is kept; 11 goes on.
    assert.equal(w.add(new Map([[11, 700]])), 2200);
  });
  it('a pid reused by a process that wrote less starts from its own first reading', () => {
    const w = new JobWrites();
    w.add(new Map([[10, 5000]]));
    assert.equal(w.add(new Map([[10, 100]])), 5000);
    assert.equal(w.add(new Map([[10, 400]])), 5300);
  });
});
