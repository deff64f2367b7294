import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runIoguard, sandbox } from '../helpers/cli.ts';
import { needsRoot } from '../helpers/root.ts';

const b = sandbox();
after(() => b.cleanup());
const ioguard = (...args: string[]) => runIoguard(args, { env: b.env });

/** Every bad input: the documented status and exactly one line on stderr, no stack trace. */
async function refuses(args: string[], code: number, pattern: RegExp, env = b.env): Promise<void> {
  const r = await runIoguard(args, { env });
  assert.equal(r.code, code, `exit status for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('bad input gets one clear line and a documented exit status', () => {
  it('an unknown flag exits 2 naming it', () => refuses(['run', '--frobnicate', '--', 'true'], 2, /Unknown argument: frobnicate/));
  it('a missing command exits 2', () => refuses(['run', '--name', 'x'], 2, /missing command/));
  it('a command without -- exits 2 and shows where -- goes', () => refuses(['run', 'true'], 2, /put the command after --: ioguard run \[options\] -- true/));
  it('a bare number as duration exits 2 naming the flag', () => refuses(['run', '--timeout', '30', '--', 'true'], 2, /--timeout: "30" is not a duration/));
  it('a malformed duration exits 2 naming the flag', () => refuses(['run', '--kill-after', '5 minutes', '--', 'true'], 2, /--kill-after: "5 minutes"/));
  it('a bad --stuck-after exits 2', () => refuses(['run', '--stuck-after=-1m', '--', 'true'], 2, /--stuck-after/));
  it('a bad name exits 2 naming --name', () => refuses(['run', '--name', 'a/b', '--', 'true'], 2, /--name: "a\/b" is not 1-128 characters/));
  it('a name over 128 characters exits 2', () => refuses(['run', '--name', 'x'.repeat(129), '--', 'true'], 2, /--name/));
  it('an unknown --on-busy exits 2', () => refuses(['run', '--on-busy', 'queue', '--', 'true'], 2, /--on-busy: "queue" is not one of skip, wait, replace/));
  it('--on-busy wait without --wait exits 2', () => refuses(['run', '--on-busy', 'wait', '--', 'true'], 2, /needs --wait/));
  it('a bad --skip-exit-code exits 2', () => refuses(['run', '--skip-exit-code', '300', '--', 'true'], 2, /--skip-exit-code/));
  it('a bad --kill-signal exits 2', () => refuses(['run', '--kill-signal', 'SIGFOO', '--', 'true'], 2, /--kill-signal/));
  it('no subcommand exits 2', () => refuses([], 2, /name a command/));
  it('an unknown subcommand exits 2', () => refuses(['frob'], 2, /Unknown argument: frob/));

  it('a lock folder that is a symlink exits 125', () => {
    const real = join(b.dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(b.dir, 'link');
    symlinkSync(real, link);
    return refuses(['run', '--lock-dir', link, '--', 'true'], 125, /is a symbolic link; refusing/);
  });

  it('a lock folder writable by other users exits 125', () => {
    const dir = join(b.dir, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    return refuses(['run', '--lock-dir', dir, '--', 'true'], 125, /writable by other users \(mode 777\)/);
  });

  it('a lock folder owned by another user exits 125', { skip: needsRoot('chown of a folder to another user') }, () => {
    const dir = join(b.dir, 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    return refuses(['run', '--lock-dir', dir, '--', 'true'], 125, /owned by uid 65534/);
  });

  it('a lock folder that cannot be created exits 125', () =>
    refuses(['run', '--lock-dir', '/proc/ioguard-cannot-exist', '--', 'true'], 125, /cannot create it/));

  it('--help and --version exit 0', async () => {
    const help = await ioguard('run', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--kill-after/);
    assert.match(help.stdout, /\[default: "30s"\]/);
    const version = await ioguard('--version');
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('an unwritable log file does not stop the job: one warning line, the job\'s status', async () => {
    const r = await ioguard('run', '--log-file', '/proc/ioguard/x.log', '--', 'sh', '-c', 'exit 4');
    assert.equal(r.code, 4);
    assert.match(r.stderr, /cannot write log file/);
  });
});
