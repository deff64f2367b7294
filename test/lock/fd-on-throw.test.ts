import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { takeJobLock } from '../../src/lock/acquire.ts';
import { ensureLockDir, jobPaths } from '../../src/lock/lock-dir.ts';
import { flockBinary } from '../../src/lock/flock.ts';
import { sandboxes } from '../helpers/cli.ts';

const box = sandboxes();
/** Descriptors of this process open on `path` (other fds come and go with the test runner's own work). */
const fdsOn = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

describe('a lock attempt that throws', () => {
  it('closes the lock file it opened (no fd leak, the lock is free again)', async () => {
    const b = box();
    ensureLockDir(b.lockDir, process.getuid?.() ?? 0);
    const paths = jobPaths(b.lockDir, 'leaky');
    for (let i = 0; i < 20; i++) {
      // A corrupt record is reclaimed, which reports an event; a reporter that throws must not leave the flock held.
      writeFileSync(paths.record, 'not json');
      await assert.rejects(
        takeJobLock({
          name: 'leaky', lockDir: b.lockDir, onBusy: 'skip', waitMs: 0, stuckAfterMs: 60_000, killAfterMs: 1000,
          bootId: 'boot', roots: { procRoot: '/proc' }, now: Date.now,
          onEvent: () => { throw new Error('reporter failed'); },
        }),
        /reporter failed/,
      );
    }
    assert.equal(fdsOn(paths.lock), 0, 'every failed attempt closed its lock file');
    const other = spawnSync(flockBinary(), ['-n', paths.lock, 'true']);
    assert.equal(other.status, 0, 'another process can take the lock at once');
  });
});
