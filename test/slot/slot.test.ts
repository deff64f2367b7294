import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSlot } from '../../src/slot/slot.ts';
import { finished, runIoguard, sandbox, startIoguard, until } from '../helpers/cli.ts';
import { maxOverlap } from '../helpers/overlap.ts';

const b = sandbox();
after(() => b.cleanup());

/** A job body that logs its start and end with a nanosecond clock, taking `seconds`. */
const body = (log: string, tag: string, seconds: number): string[] => [
  'sh', '-c', `echo "start $(date +%s%N) ${tag}" >> "$0"; sleep ${seconds}; echo "end $(date +%s%N) ${tag}" >> "$0"`, log,
];
const events = (log: string) => readFileSync(log, 'utf8').trim().split('\n').map((l) => {
  const [kind, t] = l.split(' ');
  return { kind: kind as string, t: Number(t) / 1e6 };
});

describe('--slot: one heavy job at a time on a host', () => {
  it('three jobs with one slot due together run one at a time, and all three run', async () => {
    const log = join(b.dir, 'slot-one.log');
    const runs = ['a', 'b', 'c'].map((n) => finished(startIoguard(['run', '--no-gate', '--name', `heavy-${n}`, '--slot', 'heavy', '--', ...body(log, n, 1)], { env: b.env })));
    const results = await Promise.all(runs);
    assert.deepEqual(results.map((r) => r.code), [0, 0, 0], results.map((r) => r.stderr).join(''));
    assert.equal(events(log).filter((e) => e.kind === 'start').length, 3);
    assert.equal(maxOverlap(events(log)), 1);
    assert.equal(b.events().filter((e) => e.event === 'slot-acquired').length >= 2, true, 'two of them waited for the slot');
  });

  it('heavy:2 lets two run at once and no more', async () => {
    const log = join(b.dir, 'slot-two.log');
    const runs = ['a', 'b', 'c', 'd'].map((n) => finished(startIoguard(['run', '--no-gate', '--name', `pair-${n}`, '--slot', 'pair:2', '--', ...body(log, n, 1.5)], { env: b.env })));
    const results = await Promise.all(runs);
    assert.deepEqual(results.map((r) => r.code), [0, 0, 0, 0]);
    assert.equal(maxOverlap(events(log)), 2);
  });

  it('a job waiting for a slot shows in status; the wait is bounded by --defer-max', async () => {
    const holder = startIoguard(['run', '--no-gate', '--name', 'holder', '--slot', 'busy', '--', 'sleep', '30'], { env: b.env });
    const held = finished(holder);
    try {
      await until(() => b.events().some((e) => e.event === 'started' && e.job === 'holder'), 10_000, 'holder start');
      const waiter = startIoguard(['run', '--no-gate', '--verbose', '--name', 'waiter', '--slot', 'busy', '--defer-max', '3s', '--', 'true'], { env: b.env });
      const waited = finished(waiter);
      await until(() => b.events().some((e) => e.event === 'slot-waiting' && e.job === 'waiter'), 10_000, 'slot wait');
      const rows = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, any>>;
      const row = rows.find((r) => r.name === 'waiter');
      assert.equal(row?.state, 'waiting-slot');
      assert.deepEqual(row?.holding, ['slot busy (1 of 1 busy)']);
      assert.match((await runIoguard(['status'], { env: b.env })).stdout, /waiter\s+waiting-slot.*waiting for: slot busy \(1 of 1 busy\); gives up at/);
      const r = await waited;
      assert.equal(r.code, 75);
      assert.match(r.stderr, /skipped: slot busy still busy after 3\.?\d*s/);
    } finally {
      holder.kill('SIGTERM');
      await held;
    }
  });

  it('a holder killed by SIGKILL frees its slot (the kernel drops the flock)', async () => {
    // The job outlives its wrapper (its own process group) but never inherits the slot's descriptor.
    const holder = startIoguard(['run', '--no-gate', '--name', 'victim', '--slot', 'crash', '--', 'sleep', '4'], { env: b.env });
    const held = finished(holder, { onExit: true });
    await until(() => b.events().some((e) => e.event === 'started' && e.job === 'victim'), 10_000, 'holder start');
    holder.kill('SIGKILL');
    await held;
    const r = await runIoguard(['run', '--no-gate', '--name', 'next', '--slot', 'crash', '--defer-max', '5s', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
  });

  it('a bad slot is refused naming the flag', async () => {
    assert.throws(() => parseSlot('heavy:0'), /--slot: "heavy:0"/);
    assert.throws(() => parseSlot('../x'), /--slot/);
    assert.deepEqual(parseSlot('heavy:3'), { name: 'heavy', count: 3 });
    const r = await runIoguard(['run', '--slot', 'a b', '--', 'true'], { env: b.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--slot: "a b"/);
  });
});
