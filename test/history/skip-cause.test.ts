import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LockOutcome } from '../../src/lock/acquire.ts';
import { skipCause } from '../../src/history/invocation-entry.ts';
import { emptyResult } from '../../src/run/result.ts';

// The lock was ours: why the job still did not start is read from the result.
const acquired = { kind: 'acquired' } as unknown as LockOutcome;

describe('why a run that held the lock did not start (history skip cause)', () => {
  it('a slot that stayed busy past --defer-max is pressure, not the fleet lock', () => {
    const r = emptyResult('j');
    r.outcome = 'deferred-then-skipped';
    r.figures = null;
    assert.equal(skipCause(r, acquired, false), 'pressure');
  });

  it('a skip with the gate figures is pressure', () => {
    const r = emptyResult('j');
    r.outcome = 'skipped';
    r.figures = { ioPressure: 55 };
    assert.equal(skipCause(r, acquired, false), 'pressure');
  });

  it('a plain skip before the gate (no figures) is the fleet lock', () => {
    const r = emptyResult('j');
    r.outcome = 'skipped';
    r.figures = null;
    assert.equal(skipCause(r, acquired, false), 'fleet');
  });

  it('an interrupted start is interrupted, and a started run has no cause', () => {
    const r = emptyResult('j');
    r.outcome = 'skipped';
    assert.equal(skipCause(r, acquired, true), 'interrupted');
    assert.equal(skipCause(emptyResult('j'), acquired, false), null);
  });
});
