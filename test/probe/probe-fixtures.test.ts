import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { probe } from '../../src/probe/probe.ts';
import { copyFixture, fixturePath } from './helpers/fixtures.ts';

/** A clock that moves only when the probe sleeps, so the window is exactly what the test says. */
function fakeClock(onSleep: () => void): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let t = 5_000;
  return { now: () => t, sleep: async (ms) => { onSleep(); t += ms; } };
}

/** Add to one disk's counters in a diskstats file: columns are 0-based after the name. */
function bumpDisk(file: string, name: string, add: Record<number, number>): void {
  const lines = readFileSync(file, 'utf8').split('\n').map((line) => {
    const t = line.trim().split(/\s+/);
    if (t[2] !== name) return line;
    for (const [col, n] of Object.entries(add)) t[3 + Number(col)] = String(Number(t[3 + Number(col)]) + n);
    return t.join(' ');
  });
  writeFileSync(file, lines.join('\n'));
}

function bumpPsi(file: string, someUs: number, fullUs: number): void {
  const text = readFileSync(file, 'utf8').replace(/^(some .*total=)(\d+)/m, (_, a, n) => `${a}${Number(n) + someUs}`).replace(/^(full .*total=)(\d+)/m, (_, a, n) => `${a}${Number(n) + fullUs}`);
  writeFileSync(file, text);
}

test('two samples around the window give stall% and iostat figures from the counter growth', async () => {
  const proc = copyFixture('proc-6.18');
  try {
    const clock = fakeClock(() => {
      // Over 2 s: 600 writes, 1.5 s busy, 2.4 s weighted, 1 MiB written; io some 0.5 s, full 0.25 s.
      bumpDisk(join(proc.dir, 'diskstats'), 'vda', { 4: 600, 6: 2048, 7: 1200, 9: 1500, 10: 2400 });
      bumpPsi(join(proc.dir, 'pressure/io'), 500_000, 250_000);
    });
    const s = await probe({ roots: { procRoot: proc.dir, sysRoot: fixturePath('sys-6.18') }, windowMs: 2000, ...clock });
    assert.equal(s.windowMs, 2000);
    assert.equal(s.psi.io?.some.stallPercent, 25);
    assert.equal(s.psi.io?.full?.stallPercent, 12.5);
    assert.equal(s.psi.memory?.some.stallPercent, 0);
    const vda = s.disks.find((d) => d.name === 'vda');
    assert.deepEqual(
      { util: vda?.utilPercent, wps: vda?.writesPerSec, wkb: vda?.writeKBPerSec, wait: vda?.writeAwaitMs, aqu: vda?.queueSize },
      { util: 75, wps: 300, wkb: 512, wait: 2, aqu: 1.2 },
    );
    assert.deepEqual(s.missing, []);
  } finally {
    proc.cleanup();
  }
});

test('a 3.10 kernel without /proc/pressure still gives disks, dirty pages, load and a census, and lists what is missing', async () => {
  const s = await probe({ roots: { procRoot: fixturePath('proc-3.10'), sysRoot: fixturePath('sys-3.10') }, windowMs: 1000, ...fakeClock(() => {}) });
  assert.deepEqual(s.missing, ['psi.io', 'psi.memory', 'psi.cpu']);
  assert.deepEqual(s.psi, { io: undefined, memory: undefined, cpu: undefined });
  assert.deepEqual(s.disks.map((d) => d.name), ['dm-0', 'dm-1', 'sda', 'sr0']);
  assert.deepEqual([s.disks[0]?.inFlightReads, s.disks[0]?.inFlightWrites], [2, 31]);
  assert.equal(s.dirty?.throttlePointPages, 130164);
  assert.equal(s.load?.cpus, 4);
  assert.equal(s.load?.perCpu1, 1.53);
  assert.equal(s.dState.count, 0);
});

test('partitions are left out unless asked for', async () => {
  const roots = { procRoot: fixturePath('proc-3.10'), sysRoot: fixturePath('sys-3.10') };
  const s = await probe({ roots, windowMs: 1000, includePartitions: true, ...fakeClock(() => {}) });
  assert.deepEqual(s.disks.filter((d) => d.partition).map((d) => d.name), ['sda1', 'sda2']);
});

test('an unreadable signal is reported and the probe still answers', async () => {
  const proc = copyFixture('proc-6.18');
  try {
    const { rmSync, mkdirSync } = await import('node:fs');
    rmSync(join(proc.dir, 'vmstat'));
    mkdirSync(join(proc.dir, 'vmstat'));
    const s = await probe({ roots: { procRoot: proc.dir, sysRoot: fixturePath('sys-6.18') }, windowMs: 1000, ...fakeClock(() => {}) });
    assert.equal(s.dirty, undefined);
    assert.deepEqual(s.unreadable, [{ signal: 'dirty', path: join(proc.dir, 'vmstat') }]);
    assert.ok(s.psi.io);
  } finally {
    proc.cleanup();
  }
});

test('a negative window is refused naming the option', async () => {
  await assert.rejects(probe({ windowMs: -1 }), { code: 'ERR_INVALID_OPTION', option: 'windowMs' });
});
