import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { resolvePathDevices } from '../../src/proc/path-devices.ts';
import { DEFAULT_ROOTS } from '../../src/proc/roots.ts';
import { probe } from '../../src/probe/probe.ts';
import { exclusiveLoad, startWriter, stop } from './helpers/load.ts';

const run = promisify(execFile);

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
      // Both take their first reading now and their second one second later.
      const oracle = run('iostat', ['-dx', '-y', '-o', 'JSON', disk, '1', '1']);
      const snapshot = await probe({ path: dir, windowMs: 1000 });
      const { stdout } = await oracle;
      const theirs = JSON.parse(stdout).sysstat.hosts[0].statistics[0].disk.find((d: IostatDisk) => d.disk_device === disk) as IostatDisk;
      const ours = snapshot.disks.find((d) => d.name === disk);
      assert.ok(ours?.backsPath, `${disk} is marked as backing ${dir}`);
      assert.ok(theirs.util > 20, `the writer loads ${disk} (iostat util ${theirs.util}%)`);
      assert.ok(Math.abs(ours.utilPercent - theirs.util) <= 5, `probe util ${ours.utilPercent.toFixed(1)}% vs iostat ${theirs.util}%`);
      assert.ok(Math.abs(ours.writesPerSec - theirs['w/s']) <= theirs['w/s'] * 0.1, `probe w/s ${ours.writesPerSec.toFixed(0)} vs iostat ${theirs['w/s']}`);
      assert.ok(Math.abs(ours.queueSize - theirs['aqu-sz']) <= 0.2, `probe aqu-sz ${ours.queueSize.toFixed(2)} vs iostat ${theirs['aqu-sz']}`);
    } finally {
      await stop(writer);
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);
