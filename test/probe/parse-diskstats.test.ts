import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDiskstats, type DiskCounters } from '../../src/proc/parse-diskstats.ts';
import { counterDelta, iostatFigures } from '../../src/probe/disk-rates.ts';
import { fixture } from './helpers/fixtures.ts';

test('14-token lines from kernel 3.10 parse with discard and flush counters at zero', () => {
  const disks = parseDiskstats(fixture('diskstats/diskstats-3.10-14-fields'));
  assert.deepEqual(disks.map((d) => d.name), ['sda', 'sda1', 'sda2', 'dm-0', 'dm-1', 'sr0']);
  const dm0 = disks.find((d) => d.name === 'dm-0') as DiskCounters;
  assert.equal(dm0.fields, 11);
  assert.equal(dm0.writeMs, 2214118546);
  assert.equal(dm0.weightedMs, 2305779040);
  assert.equal(dm0.discardIos, 0);
  assert.equal(dm0.flushIos, 0);
});

test('18-token lines from kernel 4.18 carry discard counters', () => {
  const nvme = parseDiskstats(fixture('diskstats/diskstats-4.18-18-fields')).find((d) => d.name === 'nvme0n1') as DiskCounters;
  assert.equal(nvme.fields, 15);
  assert.equal(nvme.inFlight, 3);
  assert.equal(nvme.discardIos, 88145);
  assert.equal(nvme.discardSectors, 193187328);
  assert.equal(nvme.discardMs, 9336);
  assert.equal(nvme.flushIos, 0);
});

test('20-token lines from kernel 6.18 carry flush counters', () => {
  const loop0 = parseDiskstats(fixture('diskstats/diskstats-6.18-20-fields')).find((d) => d.name === 'loop0') as DiskCounters;
  assert.equal(loop0.fields, 17);
  assert.equal(loop0.flushIos, 65);
  assert.equal(loop0.flushMs, 17);
});

test('short 2.6-era partition lines are skipped', () => {
  assert.deepEqual(parseDiskstats(fixture('diskstats/diskstats-2.6-short-partition-lines')).map((d) => d.name), ['sda']);
});

test('a 32-bit millisecond counter that wrapped still gives its growth', () => {
  assert.equal(counterDelta(2 ** 32 - 100, 50), 150);
  assert.equal(counterDelta(10, 30), 20);
});

test('a counter that dropped from above 2^32 counts as re-created, not as a wrap', () => {
  assert.equal(counterDelta(2 ** 40, 5), 0);
});

const zero: DiskCounters = {
  major: 8, minor: 0, name: 'sda', readIos: 0, readMerges: 0, readSectors: 0, readMs: 0, writeIos: 0, writeMerges: 0,
  writeSectors: 0, writeMs: 0, inFlight: 0, ioTicksMs: 0, weightedMs: 0, discardIos: 0, discardMerges: 0,
  discardSectors: 0, discardMs: 0, flushIos: 0, flushMs: 0, fields: 17,
};

test('iostat figures follow sysstat: util from io_ticks, await over reads+writes+discards, aqu-sz from weighted ms', () => {
  const after: DiskCounters = {
    ...zero, readIos: 100, readSectors: 2048, readMs: 50, writeIos: 300, writeSectors: 4096, writeMs: 600,
    discardIos: 100, discardMs: 350, ioTicksMs: 1500, weightedMs: 3000,
  };
  assert.deepEqual(iostatFigures(zero, after, 2000), {
    utilPercent: 75,
    readsPerSec: 50,
    writesPerSec: 150,
    readKBPerSec: 512,
    writeKBPerSec: 1024,
    awaitMs: 2,
    readAwaitMs: 0.5,
    writeAwaitMs: 2,
    queueSize: 1.5,
  });
});

test('util is capped at 100% when io_ticks runs ahead of the wall clock', () => {
  assert.equal(iostatFigures(zero, { ...zero, ioTicksMs: 1010 }, 1000).utilPercent, 100);
});

test('util is computed across a wrap of the io_ticks counter', () => {
  const before = { ...zero, ioTicksMs: 2 ** 32 - 200 };
  assert.equal(iostatFigures(before, { ...zero, ioTicksMs: 300 }, 1000).utilPercent, 50);
});
