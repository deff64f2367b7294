import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { commandPaths } from '../../src/govern/backlog-pacer.ts';
import { parseFdinfoWritable, writtenFilesByDevice } from '../../src/govern/written-files.ts';

describe('parseFdinfoWritable', () => {
  it('reads the access mode of the flags line (octal)', () => {
    assert.equal(parseFdinfoWritable('pos:\t0\nflags:\t0100000\nmnt_id:\t29\n'), false); // O_RDONLY|O_LARGEFILE
    assert.equal(parseFdinfoWritable('pos:\t0\nflags:\t0100001\nmnt_id:\t29\n'), true); // O_WRONLY
    assert.equal(parseFdinfoWritable('pos:\t0\nflags:\t02102002\nmnt_id:\t29\n'), true); // O_RDWR|O_APPEND|O_CLOEXEC
    assert.equal(parseFdinfoWritable('pos:\t0\n'), undefined);
  });
});

describe('commandPaths', () => {
  it('takes the words that name paths, with key= and --flag= prefixes, made absolute', () => {
    assert.deepEqual(commandPaths(['dd', 'if=/dev/zero', 'of=out/x', 'bs=1M'], '/srv'), ['/dev/zero', '/srv/out/x']);
    assert.deepEqual(commandPaths(['rsync', '-a', '/src/', 'dst/', '--log-file=/var/log/r'], '/home/u'), ['/src', '/home/u/dst', '/var/log/r']);
    assert.deepEqual(commandPaths(['/usr/bin/backup', 'now'], '/'), [], 'the command itself is not a path it writes');
    assert.deepEqual(commandPaths(['sh', '-c', "rsync -a '/src/' /dst/ > /var/log/x 2>&1; echo $HOME/y"], '/'), ['/src', '/dst', '/var/log/x']);
  });
});

describe('writtenFilesByDevice on live processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-written-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  /** A shell holding the redirections `open` for as long as the test runs. */
  const holding = async (open: string): Promise<number> => {
    const c = spawn('/bin/sh', ['-c', `${open}; echo ready; exec sleep 30`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    await new Promise((resolve) => c.stdout?.once('data', resolve));
    return c.pid as number;
  };

  it('finds a file held open for writing (O_WRONLY, O_APPEND, O_RDWR) and not one held for reading', async () => {
    const readOnly = join(dir, 'read-only');
    writeFileSync(readOnly, 'x');
    const reader = await holding(`exec 3<${readOnly}`);
    assert.equal(writtenFilesByDevice([reader], { procRoot: '/proc' }).size, 0);
    for (const redirect of ['3>', '3>>', '3<>']) {
      const pid = await holding(`exec ${redirect}${join(dir, `w-${redirect.length}`)}`);
      const found = writtenFilesByDevice([pid], { procRoot: '/proc' });
      assert.deepEqual([...found.keys()], [statSync(dir).dev], redirect);
      assert.match(found.get(statSync(dir).dev) as string, new RegExp(`^/proc/${pid}/fd/\\d+$`));
    }
  });

  it('leaves out files given by dev:ino (the caller\'s own log) and devices already known', async () => {
    const file = join(dir, 'callers-log');
    const pid = await holding(`exec 3>>${file}`);
    const st = statSync(file);
    assert.equal(writtenFilesByDevice([pid], { procRoot: '/proc' }, new Set(), new Set([`${st.dev}:${st.ino}`])).size, 0);
    assert.equal(writtenFilesByDevice([pid], { procRoot: '/proc' }, new Set([st.dev])).size, 0);
    assert.equal(writtenFilesByDevice([999_999_999, pid], { procRoot: '/proc' }).size, 1, 'a pid that is gone is skipped');
  });
});
