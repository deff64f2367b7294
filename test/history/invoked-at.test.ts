import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseUptimeMs } from '../../src/history/invoked-at.ts';
import { runIoguard, sandboxes } from '../helpers/cli.ts';

const box = sandboxes();
/** /proc/uptime and the start ticks are centiseconds: the fork time is known to within 10 ms. */
const GRANULARITY_MS = 10;

describe('history\'s `at`', () => {
  it('is never before the moment the test launched the wrapper (beyond clock granularity), and close after it', { timeout: 60_000 }, async () => {
    const b = box();
    mkdirSync(b.lockDir, { mode: 0o700 });
    const launched: number[] = [];
    for (let i = 0; i < 3; i++) {
      launched.push(Date.now());
      assert.equal((await runIoguard(['run', '--no-gate', '--name', 'at', '--', 'true'], { env: b.env })).code, 0);
    }
    const h = JSON.parse((await runIoguard(['history', 'at', '--json'], { env: b.env })).stdout) as { entries: Array<{ at: number }> };
    assert.equal(h.entries.length, 3);
    h.entries.forEach((e, i) => {
      const t = launched[i] as number;
      assert.ok(e.at >= t - GRANULARITY_MS, `at ${e.at} is ${t - e.at} ms before the launch`);
      assert.ok(e.at < t + 2000, `at ${e.at} is ${e.at - t} ms after the launch: not the fork time`);
    });
  });

  it('/proc/uptime is read to the centisecond', () => {
    assert.equal(parseUptimeMs('2509.91 701.92\n'), 2_509_910);
    assert.equal(parseUptimeMs('garbage'), undefined);
  });
});
