import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { guessWhereWritten } from '../../src/govern/backlog-pacer.ts';
import { commandPaths } from '../../src/govern/command-paths.ts';
import { parseFdinfoDirect, parseFdinfoWritable, writtenFilesByDevice } from '../../src/govern/written-files.ts';

describe('parseFdinfoWritable', () => {
  it('reads the access mode of the flags line (octal)', () => {
    assert.equal(parseFdinfoWritable('pos:\t0\nflags:\t0100000\nmnt_id:\t29\n'), false); // O_RDONLY|O_LARGEFILE
    assert.equal(parseFdinfoWritable('pos:\t0\nflags:\t0100001\nmnt_id:\t29\n'), true); // O_WRONLY
    assert.equal(parseFdinfoWritable('pos:\t0\nflags:\t02102002\nmnt_id:\t29\n'), true); // O_RDWR|O_APPEND|O_CLOEXEC
    assert.equal(parseFdinfoWritable('pos:\t0\n'), undefined);
  });
});

describe('parseFdinfoDirect', () => {
  it('tells an O_DIRECT descriptor (this platform\'s value) from a buffered one', () => {
    assert.equal(parseFdinfoDirect(`pos:\t0\nflags:\t${(0o100001 | constants.O_DIRECT).toString(8)}\n`), true);
    assert.equal(parseFdinfoDirect('pos:\t0\nflags:\t0100001\n'), false);
    assert.equal(parseFdinfoDirect('pos:\t0\n'), false);
  });
});

describe('commandPaths', () => {
  it('takes absolute paths, ./ and ../ paths, and the values of key= and --flag= words, made absolute', () => {
    assert.deepEqual(commandPaths(['dd', 'if=/dev/zero', 'of=./out/x', 'bs=1M'], '/srv'), ['/dev/zero', '/srv/out/x']);
    assert.deepEqual(commandPaths(['rsync', '-a', '/src/', '../dst/', '--log-file=/var/log/r'], '/home/u'), ['/src', '/home/dst', '/var/log/r']);
    assert.deepEqual(commandPaths(['/usr/bin/backup', 'now', 'dst/'], '/'), [], 'the command itself, and bare relative words, are not guessed');
  });
  it('splits a shell command line into words', () => {
    assert.deepEqual(commandPaths(['sh', '-c', "rsync -a '/src/' /dst/ > /var/log/x 2>&1; echo $HOME/y"], '/'), ['/src', '/dst', '/var/log/x']);
  });
  it('leaves out what is not a local path: URLs, host:/path, sed and date expressions, globs', () => {
    assert.deepEqual(commandPaths(['curl', 'https://example.org/a', '-o', '/tmp/z'], '/'), ['/tmp/z']);
    assert.deepEqual(commandPaths(['rsync', '/a/', 'host:/b/', 'user@host:/c'], '/'), ['/a']);
    assert.deepEqual(commandPaths(['sed', '-i', 's/a/b/', '/etc/f'], '/'), ['/etc/f']);
    assert.deepEqual(commandPaths(['date', '+%Y/%m', '/var/*.log'], '/'), []);
  });
});

describe('guessWhereWritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-guess-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('keeps a folder, and the folder of a path about to be created; not an existing file, nor a path two levels from anything', () => {
    writeFileSync(join(dir, 'script.sh'), 'true');
    assert.equal(guessWhereWritten(dir), dir);
    assert.equal(guessWhereWritten(join(dir, 'new.img')), dir);
    assert.equal(guessWhereWritten(join(dir, 'script.sh')), undefined);
    assert.equal(guessWhereWritten(join(dir, 'no', 'such')), undefined);
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
    assert.equal(writtenFilesByDevice([reader], { procRoot: '/proc' }).files.size, 0);
    for (const redirect of ['3>', '3>>', '3<>']) {
      const pid = await holding(`exec ${redirect}${join(dir, `w-${redirect.length}`)}`);
      const found = writtenFilesByDevice([pid], { procRoot: '/proc' }).files;
      assert.deepEqual([...found.keys()], [statSync(dir).dev], redirect);
      assert.equal(found.get(statSync(dir).dev)?.direct, false, redirect);
      assert.match(found.get(statSync(dir).dev)?.path as string, new RegExp(`^/proc/${pid}/fd/\\d+$`));
    }
  });

  it('says when a file is written with O_DIRECT (a node process holding one open)', async (t) => {
    const file = join(dir, 'direct');
    const script = `const fs = require('fs'); fs.openSync(${JSON.stringify(file)}, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT); console.log('ready'); setTimeout(() => {}, 30000);`;
    const c = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    const ready = await new Promise<boolean>((resolve) => {
      c.stdout?.once('data', () => resolve(true));
      c.once('exit', () => resolve(false));
    });
    if (!ready) return t.skip(`${tmpdir()} refuses O_DIRECT`);
    const found = writtenFilesByDevice([c.pid as number], { procRoot: '/proc' }).files;
    assert.equal(found.get(statSync(file).dev)?.direct, true);
  });

  it('leaves out files given by dev:ino (the caller\'s own log)', async () => {
    const file = join(dir, 'callers-log');
    const pid = await holding(`exec 3>>${file}`);
    const st = statSync(file);
    assert.equal(writtenFilesByDevice([pid], { procRoot: '/proc' }, new Set([`${st.dev}:${st.ino}`])).files.size, 0);
    assert.equal(writtenFilesByDevice([999_999_999, pid], { procRoot: '/proc' }).files.size, 1, 'a pid that is gone is skipped');
  });
});

describe('ownLogFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-own-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const MODULE = new URL('../../src/govern/written-files.ts', import.meta.url).href;
  /** What ownLogFiles() says in a child whose stdout is `file` opened with `flags`. */
  const seenBy = (file: string, flags: 'a' | 'w'): string[] => {
    const fd = openSync(file, flags);
    try {
      const code = `const { ownLogFiles } = await import(${JSON.stringify(MODULE)}); console.error(JSON.stringify([...ownLogFiles()]));`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      return JSON.parse(r.stderr) as string[];
    } finally {
      closeSync(fd);
    }
  };

  it('leaves out a stdout file opened for appending (cron\'s >> log), not one opened with > (the job\'s output)', () => {
    const log = join(dir, 'job.log');
    const dump = join(dir, 'db.sql');
    const id = (f: string): string => `${statSync(f).dev}:${statSync(f).ino}`;
    writeFileSync(log, '');
    assert.deepEqual(seenBy(log, 'a'), [id(log)]);
    assert.deepEqual(seenBy(dump, 'w'), []);
  });
});

