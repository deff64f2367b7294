import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveLockDir } from '../../src/lock/lock-dir.ts';
import { runIoguard, sandboxes } from '../helpers/cli.ts';

const box = sandboxes();
const notRoot = process.getuid?.() !== 0 && 'needs root: runs status as the nobody user';

describe('the default lock folder', () => {
  it('is one place per uid whatever the environment: XDG_RUNTIME_DIR (set by login shells, not cron) does not move it', () => {
    const cron = resolveLockDir(undefined, { env: { PATH: '/usr/bin:/bin' }, uid: 1000 });
    const shell = resolveLockDir(undefined, { env: { XDG_RUNTIME_DIR: '/run/user/1000', HOME: '/home/u' }, uid: 1000 });
    assert.equal(cron, '/tmp/ioguard-1000');
    assert.equal(shell, cron);
    assert.equal(resolveLockDir(undefined, { env: { XDG_RUNTIME_DIR: '/run/user/0' }, uid: 0 }), '/run/ioguard');
    assert.equal(resolveLockDir(undefined, { env: { IOGUARD_LOCK_DIR: '/srv/locks', XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 }), '/srv/locks');
  });
});

describe('status on a lock folder it cannot read', () => {
  it('a folder this user may not read: one line naming it, exit 125, not "No jobs."', { skip: notRoot }, async () => {
    const b = box();
    mkdirSync(b.lockDir, { mode: 0o700 });
    writeFileSync(join(b.lockDir, 'x.json'), '{}');
    const r = await runIoguard(['status', '--lock-dir', b.lockDir], { env: b.env, uid: 65534, gid: 65534 });
    assert.equal(r.code, 125);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `ioguard: lock folder ${b.lockDir}: cannot read it (EACCES)\n`);
  });

  it('a path that is not a folder: exit 125 too', async () => {
    const b = box();
    const file = join(b.dir, 'plain');
    writeFileSync(file, '');
    const r = await runIoguard(['status', '--lock-dir', file], { env: b.env });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /cannot read it \(ENOTDIR\)/);
  });

  it('a folder that does not exist yet is simply no jobs', async () => {
    const b = box();
    const r = await runIoguard(['status', '--lock-dir', join(b.dir, 'never')], { env: b.env });
    assert.equal(r.code, 0);
  });
});
