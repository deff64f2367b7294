import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { BIN, runIoguard, sandbox } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
const run = (...argv: string[]) => runIoguard(['run', '--', ...argv], { env: b.env });

describe('exit status and output pass through', () => {
  it('the job\'s own exit status passes through', async () => {
    assert.equal((await run('true')).code, 0);
    assert.equal((await run('sh', '-c', 'exit 3')).code, 3);
    assert.equal((await run('sh', '-c', 'exit 255')).code, 255);
  });

  it('a job ended by signal N exits 128+N', async () => {
    assert.equal((await run('sh', '-c', 'kill -TERM $$')).code, 143);
    assert.equal((await run('sh', '-c', 'kill -KILL $$')).code, 137);
  });

  it('a command that is not executable exits 126, one that is not found 127, each with one line', async () => {
    const notExec = join(b.dir, 'not-exec.sh');
    writeFileSync(notExec, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const r126 = await run(notExec);
    assert.equal(r126.code, 126);
    assert.equal(r126.stderr.trim().split('\n').length, 1);
    const r127 = await run('no-such-command-ioguard');
    assert.equal(r127.code, 127);
    assert.match(r127.stderr, /^ioguard: cannot start no-such-command-ioguard: command not found\n$/);
  });

  it('arguments reach the command untouched: no shell, no number parsing, its own -- kept', async () => {
    const r = await run('printf', '%s|', '0x10', '$HOME', '--', '-v', 'a b');
    assert.equal(r.stdout, '0x10|$HOME|--|-v|a b|');
  });

  it('stdin passes through to the job', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--', 'tr', 'a-z', 'A-Z'], { env: b.env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end('hello\n');
    await new Promise((r) => child.once('close', r));
    assert.equal(out, 'HELLO\n');
  });

  it('100 MB of output passes through intact while the wrapper stays under 80 MB RSS', async () => {
    const file = join(b.dir, 'random.bin');
    const bytes = 100 * 1024 * 1024;
    await new Promise<void>((resolve, reject) => {
      const gen = spawn('head', ['-c', String(bytes), '/dev/urandom'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const out = createWriteStream(file);
      gen.stdout.pipe(out);
      out.on('finish', resolve);
      gen.on('error', reject);
    });
    const expected = createHash('sha256');
    for await (const chunk of createReadStream(file)) expected.update(chunk as Buffer);
    const child = spawn(process.execPath, [BIN, 'run', '--', 'cat', file], { env: b.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const got = createHash('sha256');
    let size = 0;
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // exited
      }
    }, 20);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      got.update(d);
    });
    const code = await new Promise((r) => child.once('close', r));
    clearInterval(poll);
    assert.equal(code, 0);
    assert.equal(size, bytes);
    assert.equal(got.digest('hex'), expected.digest('hex'));
    assert.ok(peakKb > 0, 'RSS was measured');
    assert.ok(peakKb < 80 * 1024, `wrapper peak RSS ${peakKb} kB`);
  });
});

describe('long and odd values', () => {
  it('a --timeout longer than Node\'s 24.8-day timer limit does not fire at once', async () => {
    const r = await runIoguard(['run', '--no-gate', '--timeout', '30d', '--', 'sh', '-c', 'sleep 0.3; exit 5'], { env: b.env });
    assert.equal(r.code, 5);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning|timed out/);
  });

  it('--log-file - turns the decision log off', async () => {
    const r = await runIoguard(['run', '--no-gate', '--log-file', '-', '--', 'true'], { env: { ...b.env, IOGUARD_LOG_FILE: join(b.dir, 'must-not-exist.log') } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(b.dir, 'must-not-exist.log')), false);
  });
});
