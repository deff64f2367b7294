import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findMount } from '../../src/proc/mounts.ts';
import { parseCpuinfoCount, parseLoadavg } from '../../src/proc/parse-loadavg.ts';
import { mountOption, parseMountinfo, unescapeMountField } from '../../src/proc/parse-mountinfo.ts';
import { dirtyPercentOfThrottle, parseVmstatDirty, parseVmstatWritten, throttlePointPages } from '../../src/proc/parse-vmstat.ts';
import { fixture } from './helpers/fixtures.ts';

test('vmstat from kernel 3.10 gives dirty, writeback and both thresholds in pages', () => {
  assert.deepEqual(parseVmstatDirty(fixture('vmstat/vmstat-3.10')), { dirty: 152311, writeback: 3021, threshold: 173552, backgroundThreshold: 86776 });
});

test('the throttle point is the midpoint of the hard and background thresholds', () => {
  const pages = parseVmstatDirty(fixture('vmstat/vmstat-3.10'));
  assert.ok(pages);
  assert.equal(throttlePointPages(pages), 130164);
  assert.equal(dirtyPercentOfThrottle(pages).toFixed(2), (((152311 + 3021) / 130164) * 100).toFixed(2));
});

test('vmstat of this machine (6.18) parses', () => {
  const pages = parseVmstatDirty(fixture('vmstat/vmstat-6.18'));
  assert.ok(pages && pages.threshold > pages.backgroundThreshold);
});

test('nr_written (pages written back from the page cache) is read from 3.10 and 6.18, and only from its own line', () => {
  assert.equal(parseVmstatWritten(fixture('vmstat/vmstat-3.10')), 80931077);
  assert.equal(parseVmstatWritten(fixture('vmstat/vmstat-6.18')), 184895);
  assert.equal(parseVmstatWritten('nr_dirtied 5\nnr_written_x 7\n'), undefined);
});

test('vmstat without the threshold lines gives undefined rather than a guess', () => {
  assert.equal(parseVmstatDirty(fixture('vmstat/vmstat-without-thresholds')), undefined);
});

test('mountinfo escapes for space, tab, newline and backslash are undone', () => {
  const mounts = parseMountinfo(fixture('mountinfo/mountinfo-escapes'));
  assert.equal(mounts[2]?.mountPoint, '/mnt/my disk');
  assert.equal(mounts[3]?.mountPoint, '/srv/tab\tand\nnewline\\back');
  assert.equal(mounts[5]?.source, 'bindfs src');
  assert.equal(unescapeMountField('a\\040b\\134'), 'a b\\');
});

test('mountinfo optional fields do not shift the filesystem type and source', () => {
  const disk = parseMountinfo(fixture('mountinfo/mountinfo-escapes'))[2];
  assert.deepEqual(
    { major: disk?.major, minor: disk?.minor, fsType: disk?.fsType, source: disk?.source, superOptions: disk?.superOptions },
    { major: 8, minor: 17, fsType: 'ext4', source: '/dev/sdb1', superOptions: 'rw' },
  );
});

test('the mount of a path is the deepest mount point above it with the same device', () => {
  const mounts = parseMountinfo(fixture('mountinfo/mountinfo-escapes'));
  assert.equal(findMount(mounts, '/mnt/my disk/backups/x', 8, 17)?.source, '/dev/sdb1');
  assert.equal(findMount(mounts, '/mnt/my diskette', 8, 2)?.mountPoint, '/');
});

test('a btrfs path whose anonymous device is not in mountinfo gets the deepest mount above it', () => {
  const mounts = parseMountinfo(fixture('mountinfo/mountinfo-escapes'));
  assert.equal(findMount(mounts, '/data/db', 0, 99)?.fsType, 'btrfs');
});

test('overlay\'s upper layer is read from its super options, escapes undone; other options and filesystems have none', () => {
  const mounts = parseMountinfo(fixture('mountinfo/mountinfo-overlay'));
  // Captured from a mount with upperdir=.../up per\,x: mountinfo's octal escapes are undone here, overlay's own `\,` by path-devices.
  assert.equal(mountOption(mounts[1]?.superOptions ?? '', 'upperdir'), '/var/tmp/ovl.xUp5NK/up per\\,x');
  assert.equal(mountOption(mounts[3]?.superOptions ?? '', 'upperdir'), '/srv/upper', 'new mount API: lowerdir+=, volatile');
  assert.equal(mountOption(mounts[2]?.superOptions ?? '', 'upperdir'), '/var/lib/docker/overlay2/3f1c/diff');
  assert.equal(mountOption(mounts[2]?.superOptions ?? '', 'workdir'), '/var/lib/docker/overlay2/3f1c/work');
  assert.equal(mountOption(mounts[0]?.superOptions ?? '', 'upperdir'), undefined);
  assert.equal(mountOption('rw,xupperdir=/x', 'upperdir'), undefined);
});

test('mountinfo of this machine parses every line', () => {
  const text = fixture('mountinfo/mountinfo-6.18');
  assert.equal(parseMountinfo(text).length, text.trim().split('\n').length);
});

test('loadavg gives the three averages and the task counts', () => {
  assert.deepEqual(parseLoadavg('6.12 5.80 5.02 3/811 28861\n'), { load1: 6.12, load5: 5.8, load15: 5.02, runnable: 3, tasks: 811 });
  assert.equal(parseLoadavg('garbage'), undefined);
});

test('cpuinfo counts one CPU per processor line', () => {
  assert.equal(parseCpuinfoCount(fixture('proc-3.10/cpuinfo')), 4);
});

test('the active I/O scheduler is the bracketed one in queue/scheduler', async () => {
  const { readScheduler } = await import('../../src/proc/block-devices.ts');
  const { fixturePath } = await import('./helpers/fixtures.ts');
  assert.equal(readScheduler('vda', { sysRoot: fixturePath('sys-6.18') }), 'mq-deadline');
  assert.equal(readScheduler('zram0', { sysRoot: fixturePath('sys-6.18') }), undefined);
});
