import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCommand } from '../../src/index.ts';
import { sandboxes } from '../helpers/cli.ts';

const box = sandboxes();
const ROUNDS = Number(process.env.IOGUARD_WAITER_ROUNDS ?? 250);

describe('--on-busy wait with exactly two contenders', () => {
  it(`never skips as "another invocation is already waiting" (${ROUNDS} fast runs each, back to back)`, { timeout: 600_000 }, async () => {
    const b = box();
    const options = { name: 'pair', lockDir: b.lockDir, logFile: false as const, gate: { enabled: false }, onBusy: 'wait' as const, waitMs: 60_000 };
    const contender = async (): Promise<string[]> => {
      const skips: string[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await runCommand(['true'], options);
        if (r.outcome !== 'completed') skips.push(`${r.outcome}: ${r.reason}`);
      }
      return skips;
    };
    const skips = (await Promise.all([contender(), contender()])).flat();
    assert.deepEqual(skips, [], `${skips.length} of ${2 * ROUNDS} runs did not run although at most one other contender existed`);
  });
});
