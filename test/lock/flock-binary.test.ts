// ioguard runs util-linux's flock(1) by absolute path, found once: never the first `flock` on a
// PATH that a user may write to (a root wrapper from cron would run it as root).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FLOCK_CANDIDATES, flockBinary } from '../../src/lock/flock.ts';
import { isIoguardError } from '../../src/errors/ioguard-error.ts';
import { BIN, sandboxes } from '../helpers/cli.ts';

const box = sandboxes();

describe('which flock(1) ioguard runs', () => {
  it('a `flock` planted first on PATH is never executed; the job runs under the real lock', () => {
    const b = box();
    const marker = join(b.dir, 'planted-flock-ran');
    const planted = join(b.dir, 'bin');
    spawnSync('mkdir', [planted]);
    writeFileSync(join(planted, 'flock'), `#!/bin/sh\ntouch '${marker}'\nexit 0\n`, { mode: 0o755 });
    const r = spawnSync(process.execPath, [BIN, 'run', '--no-gate', '--name', 'planted', '--', 'true'], {
      env: { ...b.env, PATH: `${planted}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(marker), false, 'the planted flock ran');
  });

  it('the found binary is one of the util-linux places, by absolute path', () => {
    const path = flockBinary();
    assert.ok(FLOCK_CANDIDATES.includes(path), path);
  });

  it('a candidate others may write to is skipped; none usable is one line naming the places', () => {
    const b = box();
    const writable = join(b.dir, 'flock-writable');
    copyFileSync(flockBinary(), writable);
    chmodSync(writable, 0o777);
    const good = join(b.dir, 'flock-good');
    copyFileSync(flockBinary(), good);
    chmodSync(good, 0o755);
    assert.equal(flockBinary([writable, good]), good);
    assert.throws(() => flockBinary([writable, join(b.dir, 'missing')]), (error: unknown) => {
      assert.ok(isIoguardError(error));
      assert.equal(error.code, 'ERR_LOCK');
      assert.match(error.message, /not installed \(looked in .*flock-writable, .*missing\)/);
      return true;
    });
  });
});
