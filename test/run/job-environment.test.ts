import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { latchedArgv } from '../../src/run/start-latch.ts';
import { BIN, sandboxes } from '../helpers/cli.ts';

const box = sandboxes();
const lines = (text: string): string[] => text.split('\n').filter(Boolean).sort();

/** `env -i VARS... CMD...` from a folder of the test's: what the job of each wrapper sees. */
function envOf(vars: string[], cmd: string[], cwd: string): string[] {
  const r = spawnSync('env', ['-i', ...vars, ...cmd], { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, r.stderr);
  return lines(r.stdout);
}

/** The start latch's exact argv under another shell, released with "go" on fd 3. */
function throughGate(shell: string, env: Record<string, string>, cwd: string): Promise<string[]> {
  const [, ...rest] = latchedArgv(['env'], '/usr/bin/env', env);
  const child = spawn(shell, rest, { env, cwd, stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  (child.stdio[3] as NodeJS.WritableStream).end('go\n');
  return new Promise((resolve) => child.once('close', () => resolve(lines(out))));
}

describe('the job\'s environment', () => {
  it('ioguard run hands the job exactly its own environment, as flock(1) does: no PWD, no SHLVL', { timeout: 30_000 }, () => {
    const b = box();
    mkdirSync(b.lockDir, { mode: 0o700 });
    const vars = ['PATH=/usr/bin', 'A=1'];
    const flock = envOf(vars, ['flock', join(b.dir, 'x'), 'env'], b.dir);
    assert.deepEqual(flock, ['A=1', 'PATH=/usr/bin'], 'the oracle');
    const ours = envOf(vars, [process.execPath, BIN, 'run', '--no-gate', '--lock-dir', b.lockDir, '--log-file', b.logFile, '--name', 'env', '--', 'env'], b.dir);
    assert.deepEqual(ours, flock);
  });

  it('a PWD the job was given reaches it unchanged, even when it is not the working folder', { timeout: 30_000 }, () => {
    const b = box();
    mkdirSync(b.lockDir, { mode: 0o700 });
    const vars = ['PATH=/usr/bin', 'PWD=/elsewhere', 'SHLVL=7'];
    const flock = envOf(vars, ['flock', join(b.dir, 'x'), 'env'], b.dir);
    const ours = envOf(vars, [process.execPath, BIN, 'run', '--no-gate', '--lock-dir', b.lockDir, '--log-file', b.logFile, '--name', 'env2', '--', 'env'], b.dir);
    assert.deepEqual(ours, flock);
    assert.ok(ours.includes('PWD=/elsewhere'));
  });

  for (const shell of ['/bin/dash', '/bin/bash']) {
    it(`the start latch's command under ${shell} adds nothing to the environment`, { timeout: 30_000 }, async () => {
      const b = box();
      assert.deepEqual(await throughGate(shell, { PATH: '/usr/bin', A: '1' }, b.dir), ['A=1', 'PATH=/usr/bin']);
      assert.deepEqual(await throughGate(shell, { PATH: '/usr/bin', PWD: '/elsewhere' }, b.dir), ['PATH=/usr/bin', 'PWD=/elsewhere']);
    });
  }
});
