import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { runCommand } from '../../src/run/run-command.ts';
import { BIN, runIoguard, sandbox } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
// --no-gate: these tests are about the job, not the machine's load (other work shares it).
const run = (...argv: string[]) => runIoguard(['run', '--no-gate', '--', ...argv], { env: b.env });

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
    const child = spawn(process.execPath, [BIN, 'run', '--no-gate', '--', 'tr', 'a-z', 'A-Z'], { env: b.env });
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
    const child = spawn(process.execPath, [BIN, 'run', '--no-gate', '--', 'cat', file], { env: b.env, stdio: ['ignore', 'pipe', 'inherit'] });
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

describe('a job that cannot start says why, with its exit status', () => {
  it('a command that is not found exits 127 and the log names the error code', async () => {
    const box = sandbox();
    after(() => box.cleanup());
    const r = await runIoguard(['run', '--no-gate', '--name', 'enoent', '--', 'no-such-command-ioguard'], { env: box.env });
    assert.equal(r.code, 127);
    assert.equal(r.stderr, 'ioguard: cannot start no-such-command-ioguard: command not found\n');
    const finished = box.events().find((e) => e.event === 'finished');
    assert.equal(finished?.errorCode, 'ENOENT');
    assert.equal(finished?.exitCode, 127);
  });

  it('a file without execute permission exits 126 naming EACCES', async () => {
    const file = join(b.dir, 'no-x');
    writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const r = await runIoguard(['run', '--no-gate', '--', file], { env: b.env });
    assert.equal(r.code, 126);
    assert.equal(r.stderr, `ioguard: cannot start ${file}: not executable (EACCES)\n`);
  });

  it('runCommand with a missing working folder says the folder is missing and returns 125, not 127', async () => {
    const missing = join(b.dir, 'no-such-folder');
    const lines: string[] = [];
    const result = await runCommand(['true'], { cwd: missing, lockDir: b.lockDir, logFile: false, gate: { enabled: false }, report: (line) => lines.push(line) });
    assert.equal(result.exitCode, 125);
    assert.equal(result.outcome, 'failed');
    assert.equal(result.errorCode, 'ENOENT');
    assert.equal(result.reason, `cannot start true: working folder ${missing} does not exist or is not a folder`);
    assert.deepEqual(lines, [`ioguard: cannot start true: working folder ${missing} does not exist or is not a folder`]);
  });

  it('the log and status carry execa\'s quoted command line', async () => {
    const box = sandbox();
    after(() => box.cleanup());
    const r = await runIoguard(['run', '--no-gate', '--name', 'quoted', '--', 'sh', '-c', 'exit 0', "it's"], { env: box.env });
    assert.equal(r.code, 0, r.stderr);
    const started = box.events().find((e) => e.event === 'started');
    assert.equal(started?.command, "sh -c 'exit 0' 'it'\\''s'");
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
