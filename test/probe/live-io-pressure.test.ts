import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { evaluate } from '../../src/probe/evaluate.ts';
import { probe } from '../../src/probe/probe.ts';
import { DEFAULT_THRESHOLDS } from '../../src/probe/thresholds.ts';
import { BLKIO, diskMajMinOf, exclusiveLoad, startThrottledWriter } from './helpers/load.ts';

/** Pressure from other work on the machine would make a rise or fall unprovable: skip then, saying why. */
async function backgroundStall(): Promise<number> {
  return (await probe({ windowMs: 1000 })).psi.io?.some.stallPercent ?? 0;
}

const canThrottle = existsSync(`${BLKIO}/blkio.throttle.write_iops_device`) && process.getuid?.() === 0 && existsSync('/proc/pressure/io');

test('io stall% is high under a cgroup-throttled direct-I/O writer and the verdict names io pressure', { timeout: 30_000, skip: !canThrottle && 'needs root, cgroup v1 blkio and PSI' }, (t) =>
  exclusiveLoad(async () => {
    const background = await backgroundStall();
    if (background > 40) return t.skip(`io some already ${background.toFixed(0)}% from other work`);
    const dir = mkdtempSync('/var/tmp/ioguard-psi-');
    const writer = await startThrottledWriter(join(dir, 'scratch'), diskMajMinOf(dir), 10);
    try {
      // Let the writer fill the throttle queue, so the whole window is spent waiting.
      await delay(1500);
      const snapshot = await probe({ path: dir, windowMs: 1000 });
      const stall = snapshot.psi.io?.some.stallPercent ?? 0;
      // System PSI weighs each CPU by its non-idle time: one stalled task reads 100% on an idle
      // machine but only 100/CPUs % when every other CPU is busy with something else.
      const floor = (100 / (snapshot.load?.cpus ?? 1)) * 0.9;
      assert.ok(stall >= Math.max(floor, background + 10), `io some stall ${stall.toFixed(1)}% under a 10 IOPS throttle (before: ${background.toFixed(1)}%)`);
      const dd = snapshot.dState.groups.flatMap((g) => g.tasks).find((t) => t.pid === writer.child.pid);
      assert.ok(dd, `the throttled dd (pid ${writer.child.pid}) is in the D-state census`);
      const verdict = evaluate(snapshot, { ...DEFAULT_THRESHOLDS, maxIoPressure: Math.floor(floor) - 5 });
      assert.equal(verdict.healthy, false);
      assert.ok(verdict.reasons.some((r) => r.signal === 'ioPressure'), JSON.stringify(verdict.reasons));
    } finally {
      await writer.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);

test('io stall% falls once the throttled writer is gone', { timeout: 30_000, skip: !canThrottle && 'needs root, cgroup v1 blkio and PSI' }, (t) =>
  exclusiveLoad(async () => {
    const background = await backgroundStall();
    if (background > 40) return t.skip(`io some already ${background.toFixed(0)}% from other work`);
    const dir = mkdtempSync('/var/tmp/ioguard-psi-');
    const writer = await startThrottledWriter(join(dir, 'scratch'), diskMajMinOf(dir), 10);
    try {
      await delay(1000);
      const loaded = await probe({ windowMs: 1000 });
      await writer.cleanup();
      const after = await probe({ windowMs: 1000 });
      const [a, b] = [loaded.psi.io?.some.stallPercent ?? 0, after.psi.io?.some.stallPercent ?? 100];
      assert.ok(b < a - 20, `io some stall fell from ${a.toFixed(1)}% to ${b.toFixed(1)}%`);
    } finally {
      await writer.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);
