import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slowdownOf } from '../../src/history/invocation-entry.ts';

describe('slowdownOf', () => {
  it('is the run\'s time over its time unpaused, 2 decimals', () => {
    assert.equal(slowdownOf(12_000, 3000), 1.33);
    assert.equal(slowdownOf(10_000, 5000), 2);
  });
  it('is null for a run never paused, and for nonsense (paused as long as it ran)', () => {
    assert.equal(slowdownOf(10_000, 0), null);
    assert.equal(slowdownOf(10_000, null), null);
    assert.equal(slowdownOf(10_000, undefined), null);
    assert.equal(slowdownOf(1000, 1000), null);
  });
});
