import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { invocationTime, parseUptimeMs } from '../../src/history/invoked-at.ts';
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

  describe('invocationTime, on a fixture /proc and an injected clock', () => {
    /** A procRoot whose uptime is 1000.00 s, and this process's start time `ageMs` before that (as /proc/self/stat says it). */
    function fixtureRoot(ageMs: number): { procRoot: string; self: { starttime: number }; done: () => void } {
      const procRoot = mkdtempSync(join(tmpdir(), 'ioguard-invoked-at-'));
      writeFileSync(join(procRoot, 'uptime'), '1000.00 1800.00\n');
      return { procRoot, self: { starttime: (1_000_000 - ageMs) / 10 }, done: () => rmSync(procRoot, { recursive: true, force: true }) };
    }
    // Years before the real clock: an implementation reading the real clock cannot land on it.
    const NOW = 1_500_000_010_000;

    /** invocationTime(asked) on a fixture /proc whose process is `ageMs` old. */
    const withAge = (ageMs: number, asked: number): number => {
      const root = fixtureRoot(ageMs);
      try {
        return invocationTime(asked, root.self, root, () => NOW);
      } finally {
        root.done();
      }
    };

    it('is the fork time, the injected now minus the process age, when the process is fresh', () => {
      assert.equal(withAge(10_000, NOW - 9_500), NOW - 10_000);
    });

    it('is the moment asked for when the process is older than the invocation window', () => {
      assert.equal(withAge(120_000, NOW - 500), NOW - 500);
    });

    it('is the moment asked for when /proc/uptime cannot be read', () => {
      const root = fixtureRoot(10_000);
      root.done();
      assert.equal(invocationTime(NOW - 500, root.self, root, () => NOW), NOW - 500);
    });
  });
});
