import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { resolvePathDevices } from '../../src/proc/path-devices.ts';
import { DEFAULT_ROOTS } from '../../src/proc/roots.ts';
import { probe } from '../../src/probe/probe.ts';
import { exclusiveLoad, startWriter, stop } from './helpers/load.ts';

const run = promisify(execFile);
const WINDOW_S = 2;

/**
 * iostat takes its first reading, then sleeps in pause() until its interval alarm: once it sits
 * there, the probe's window can start within a millisecond or two of iostat's, so both measure
 * the same seconds of a load that, on a shared machine, is anything but steady.
 */
async function iostatFirstReadingTaken(pid: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    } catch {}
    if (readPidStat(pid)?.state === 'S' && wchan.includes('pause')) return;
    await delay(1);
  }
  throw new Error('iostat never reached its first sleep');
}

/** Within `rel` of iostat's figure, or within `abs` for figures near zero. */
function close(ours: number, theirs: number, rel: number, abs: number): boolean {
  return Math.abs(ours - theirs) <= Math.max(abs, Math.abs(theirs) * rel);
}

interface IostatDisk {
  disk_device: string;
  util: number;
  'w/s': number;
  'aqu-sz': number;
}

test('probe util% agrees with iostat -dx over the same window while a direct-I/O writer loads the disk', { timeout: 20_000 }, () =>
  exclusiveLoad(async () => {
    // /var/tmp: on disk even where /tmp is tmpfs.
    const dir = mkdtempSync('/var/tmp/ioguard-util-');
    const disk = resolvePathDevices(dir, DEFAULT_ROOTS).disks.at(-1);
    assert.ok(disk, `${dir} is on a block device`);
    const writer = startWriter(join(dir, 'scratch'), 'direct,dsync');
    try {
      await delay(700);
      const oracle = run('iostat', ['-dx', '-y', '-o', 'JSON', disk, String(WINDOW_S), '1']);
      await iostatFirstReadingTaken(oracle.child.pid as number);
      const snapshot = await probe({ path: dir, windowMs: WINDOW_S * 1000 });
      const { stdout } = await oracle;
      const theirs = JSON.parse(stdout).sysstat.hosts[0].statistics[0].disk.find((d: IostatDisk) => d.disk_device === disk) as IostatDisk;
      const ours = snapshot.disks.find((d) => d.name === disk);
      assert.ok(ours?.backsPath, `${disk} is marked as backing ${dir}`);
      // How hard dd drives the disk depends on the CPU it gets on a shared machine; that it writes is enough.
      assert.ok(theirs['w/s'] > 100, `the writer writes to ${disk} (iostat ${theirs['w/s']} w/s, util ${theirs.util}%)`);
      // Relative tolerances: the same window leaves only the few ms between the two first readings.
      assert.ok(close(ours.utilPercent, theirs.util, 0.1, 5), `probe util ${ours.utilPercent.toFixed(1)}% vs iostat ${theirs.util}%`);
      assert.ok(close(ours.writesPerSec, theirs['w/s'], 0.1, 5), `probe w/s ${ours.writesPerSec.toFixed(0)} vs iostat ${theirs['w/s']}`);
      assert.ok(close(ours.queueSize, theirs['aqu-sz'], 0.2, 0.05), `probe aqu-sz ${ours.queueSize.toFixed(2)} vs iostat ${theirs['aqu-sz']}`);
    } finally {
      await stop(writer);
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);
