import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFsSpace } from '../../src/proc/fs-space.ts';
import { resolvePathDevices, splitDev } from '../../src/proc/path-devices.ts';
import { DEFAULT_ROOTS } from '../../src/proc/roots.ts';

/**
 * A fake sysfs in which the device of a real scratch file is dm-0 over a partition (sda2) and a
 * second disk (sdb), and a loop device (loop3) is backed by that same file.
 */
let root: string;
let file: string;
let majMin: string;

function device(sys: string, rel: string, dev: string, extra: Record<string, string> = {}): void {
  mkdirSync(join(sys, rel), { recursive: true });
  writeFileSync(join(sys, rel, 'dev'), `${dev}\n`);
  for (const [name, text] of Object.entries(extra)) {
    mkdirSync(join(sys, rel, name, '..'), { recursive: true });
    writeFileSync(join(sys, rel, name), text);
  }
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'ioguard-sys-'));
  file = join(root, 'image');
  writeFileSync(file, 'x');
  const { major, minor } = splitDev(statSync(file, { bigint: true }).dev);
  majMin = `${major}:${minor}`;
  const sys = join(root, 'sys');
  device(sys, 'devices/pci/sda', '8:0');
  device(sys, 'devices/pci/sda/sda2', '8:2', { partition: '2\n' });
  device(sys, 'devices/pci/sdb', '8:16');
  device(sys, 'devices/virtual/block/dm-0', majMin);
  device(sys, 'devices/virtual/block/loop3', '7:3', { 'loop/backing_file': `${file}\n` });
  mkdirSync(join(sys, 'devices/virtual/block/dm-0/slaves'));
  symlinkSync('../../../../pci/sda/sda2', join(sys, 'devices/virtual/block/dm-0/slaves/sda2'));
  symlinkSync('../../../../pci/sdb', join(sys, 'devices/virtual/block/dm-0/slaves/sdb'));
  mkdirSync(join(sys, 'dev/block'), { recursive: true });
  for (const [dev, target] of [['8:0', 'pci/sda'], ['8:2', 'pci/sda/sda2'], ['8:16', 'pci/sdb'], [majMin, 'virtual/block/dm-0'], ['7:3', 'virtual/block/loop3']]) {
    symlinkSync(`../../devices/${target}`, join(sys, 'dev/block', dev as string));
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

test('dm devices are followed through their slaves, and a partition to its disk', () => {
  const found = resolvePathDevices(file, { procRoot: '/proc', sysRoot: join(root, 'sys') });
  assert.deepEqual(found.disks.sort(), ['dm-0', 'sda', 'sdb']);
  assert.deepEqual(found.routes.sort(), ['dm-0 → sda2 → sda', 'dm-0 → sdb']);
});

test('a device with no sysfs entry is named in the route instead of failing', () => {
  const found = resolvePathDevices(file, { procRoot: '/proc', sysRoot: join(root, 'empty-sys') });
  assert.deepEqual(found.disks, []);
  assert.match(found.routes[0] ?? '', /not in sysfs/);
});

test('dev_t splits into major and minor as glibc does, large minors included', () => {
  assert.deepEqual(splitDev(0xfe00n), { major: 254, minor: 0 });
  assert.deepEqual(splitDev((259n << 8n) | (0x12345n & 0xffn) | ((0x12345n & ~0xffn) << 12n)), { major: 259, minor: 0x12345 });
});

test('a path on tmpfs is a normal answer: no block device, the filesystem type from mountinfo', () => {
  const found = resolvePathDevices('/dev/shm', DEFAULT_ROOTS);
  assert.equal(found.blockDevice, false);
  assert.equal(found.fsType, 'tmpfs');
  assert.deepEqual(found.disks, []);
});

test('a path on the root filesystem resolves to the disk df names', () => {
  const source = execFileSync('findmnt', ['-n', '-o', 'SOURCE', '-T', '/work'], { encoding: 'utf8' }).trim();
  const found = resolvePathDevices('/work', DEFAULT_ROOTS);
  assert.equal(found.blockDevice, true);
  assert.equal(found.source, source);
  assert.ok(found.disks.includes(source.replace('/dev/', '')), `${found.disks} should include ${source}`);
});

test('free space agrees with df for the same path', () => {
  const [avail, size] = execFileSync('df', ['-B1', '--output=avail,size', '/work'], { encoding: 'utf8' }).trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
  const space = readFsSpace('/work');
  assert.equal(space.totalBytes, size);
  // Other writers on the machine move the figure between the two reads.
  assert.ok(Math.abs(space.availableBytes - (avail as number)) < 64 * 2 ** 20, `${space.availableBytes} vs df ${avail}`);
});

test('a loop-mounted filesystem resolves to the loop device and the disk under its backing file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-loop-'));
  const image = join(dir, 'fs.img');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  let loop: string | undefined;
  let mounted = false;
  try {
    execFileSync('truncate', ['-s', '16M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
    execFileSync('mount', [loop, mnt]);
    mounted = true;
    const found = resolvePathDevices(mnt, DEFAULT_ROOTS);
    const under = resolvePathDevices(dir, DEFAULT_ROOTS);
    const name = loop.replace('/dev/', '');
    assert.deepEqual(found.disks, [name, ...under.disks]);
    assert.equal(found.routes[0], [name, image, ...under.routes[0]!.split(' → ')].join(' → '));
  } catch (error) {
    if (loop === undefined && String(error).includes('losetup')) t.skip('no loop devices here');
    else throw error;
  } finally {
    if (mounted) execFileSync('umount', [mnt]);
    if (loop) execFileSync('losetup', ['-d', loop]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * overlay on a fixture /proc: a mountinfo that says an overlay is mounted on a scratch folder, its
 * upper layer another scratch folder on the same real filesystem, which the fixture sysfs calls dm-0.
 */
function overlayFixture(upperdir: string): { proc: string; merged: string; upper: string } {
  const base = realpathSync(mkdtempSync(join(root, 'ovl-')));
  const merged = join(base, 'merged');
  const upper = join(base, 'up,per');
  mkdirSync(merged);
  mkdirSync(upper);
  writeFileSync(join(merged, 'written'), 'x');
  writeFileSync(join(upper, 'written'), 'x');
  writeFileSync(join(merged, 'not-copied-up'), 'x');
  const proc = join(base, 'proc');
  mkdirSync(join(proc, 'self'), { recursive: true });
  const option = upperdir.replace('UPPER', join(base, 'up\\134\\054per'));
  writeFileSync(join(proc, 'self', 'mountinfo'), `26 1 8:99 / / rw - ext4 /dev/sdz rw\n47 26 0:39 / ${merged} rw - overlay overlay rw,lowerdir=${base}/low,upperdir=${option},workdir=${base}/work\n`);
  return { proc, merged, upper };
}

test('overlay: a written file copied up to a visible upper layer resolves to that layer\'s disks, escapes undone', () => {
  const o = overlayFixture('UPPER');
  const roots = { procRoot: o.proc, sysRoot: join(root, 'sys') };
  const found = resolvePathDevices(join(o.merged, 'written'), roots);
  assert.equal(found.fsType, 'overlay');
  assert.equal(found.upperDir, o.upper, 'mountinfo\'s \\134\\054 and overlay\'s own \\, undone');
  assert.equal(found.upperPath, join(o.upper, 'written'));
  assert.deepEqual(found.disks.sort(), ['dm-0', 'sda', 'sdb']);
  assert.deepEqual(found.routes.sort(), [`overlay upper ${o.upper} → dm-0 → sda2 → sda`, `overlay upper ${o.upper} → dm-0 → sdb`]);
  assert.equal(resolvePathDevices(o.merged, roots).upperPath, o.upper, 'a folder not copied up yet: the upper folder itself');
});

test('overlay: an upper layer this namespace cannot vouch for is left out', () => {
  const roots = (o: { proc: string }) => ({ procRoot: o.proc, sysRoot: join(root, 'sys') });
  const copied = overlayFixture('UPPER');
  assert.equal(resolvePathDevices(join(copied.merged, 'not-copied-up'), roots(copied)).upperDir, undefined, 'a written file missing from it: another namespace\'s folder');
  const relative = overlayFixture('up');
  assert.equal(resolvePathDevices(join(relative.merged, 'written'), roots(relative)).upperDir, undefined, 'a relative upperdir');
  const gone = overlayFixture('/var/lib/docker/overlay2/gone/diff');
  assert.equal(resolvePathDevices(join(gone.merged, 'written'), roots(gone)).upperDir, undefined, 'a folder that does not exist here');
});
