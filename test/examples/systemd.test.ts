// examples/systemd/: the units pass `systemd-analyze verify` (when installed) with no warning, carry
// the keys the comments rely on, and the service's ExecStart= command line runs for real against a
// scratch folder, both free (it copies) and while the job's lock is held (75, a success for the unit).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, finished, readJobRecord, sandbox, startIoguard, until } from '../helpers/cli.ts';

const DIR = new URL('../../examples/systemd/', import.meta.url).pathname;
const box = sandbox();
after(() => box.cleanup());

type Unit = Record<string, Record<string, string[]>>;

/** Sections and keys of a unit file; a key given twice keeps both values. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1] as string;
      unit[section] ??= {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && section, `not a key=value line in a section: ${line}`);
    ((unit[section] as Record<string, string[]>)[kv[1] as string] ??= []).push(kv[2] as string);
  }
  return unit;
}

const service = parseUnit(readFileSync(join(DIR, 'ioguard-backup.service'), 'utf8'));
const timer = parseUnit(readFileSync(join(DIR, 'ioguard-backup.timer'), 'utf8'));
const execStart = service.Service?.ExecStart?.[0] ?? '';

/** A stand-in for the installed bin, so that the unit's command line runs unchanged otherwise. */
function shim(dir: string): string {
  const path = join(dir, 'ioguard');
  writeFileSync(path, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('examples/systemd', () => {
  it('the service and timer carry the keys the comments rely on', () => {
    assert.deepEqual(service.Service?.Type, ['oneshot']);
    assert.match(execStart, /^\/\S+\/ioguard run .*--name nightly-backup .* -- \/usr\/bin\/rsync /);
    assert.match(execStart, /--on-pressure defer --defer-max \S+/);
    assert.doesNotMatch(execStart, /["'%$]/, 'no quoting, specifiers or variables: the test splits on spaces');
    assert.ok(service.Service?.SuccessExitStatus?.join(' ').split(/\s+/).includes('75'), 'a skip is not a failure');
    assert.deepEqual(service.Service?.KillMode, ['mixed']);
    assert.equal(service.Unit?.ConditionIOPressure, undefined);
    assert.ok(timer.Timer?.OnCalendar?.length, 'the timer has a schedule');
    assert.deepEqual(timer.Install?.WantedBy, ['timers.target']);
  });

  it('passes systemd-analyze verify without a warning', (t) => {
    if (spawnSync('systemd-analyze', ['--version']).error) return t.skip('systemd-analyze not installed');
    const dir = join(box.dir, 'units');
    mkdirSync(dir, { recursive: true });
    const bin = shim(box.dir);
    writeFileSync(join(dir, 'ioguard-backup.service'), readFileSync(join(DIR, 'ioguard-backup.service'), 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${bin}`));
    copyFileSync(join(DIR, 'ioguard-backup.timer'), join(dir, 'ioguard-backup.timer'));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'ioguard-backup.service'), join(dir, 'ioguard-backup.timer')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no unknown keys, no missing executables');
  });

  describe('the ExecStart= command line', () => {
    const root = join(box.dir, 'root');
    const argv = (): string[] => {
      const [bin, ...args] = execStart
        .replace(/(?<=\s)\/(srv|var\/backups)(?=[/\s]|$)/g, (path) => join(root, path))
        // In production it may defer for an hour; other tests loading the disk must not stall this one.
        .replace(/--defer-max \S+/, '--defer-max 15s')
        .split(/\s+/);
      assert.ok(bin?.endsWith('/ioguard'));
      return [BIN, ...args];
    };
    const run = (): { status: number | null; stderr: string } => {
      const r = spawnSync(process.execPath, argv(), { env: box.env, encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stderr: r.stderr };
    };

    it('copies the scratch /srv/www into the scratch /var/backups/www and exits 0', () => {
      mkdirSync(join(root, 'srv/www/img'), { recursive: true });
      mkdirSync(join(root, 'var/backups'), { recursive: true });
      writeFileSync(join(root, 'srv/www/index.html'), '<h1>hello</h1>\n');
      writeFileSync(join(root, 'srv/www/img/logo.png'), 'png');
      const since = box.events().length;
      const r = run();
      const pressure = box.events().slice(since).some((e) => e.event === 'skipped' && String(e.msg).startsWith('system under pressure'));
      if (pressure) {
        assert.equal(r.status, 75, 'still under pressure after the deferral: skipped, which the unit counts as success');
        return;
      }
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /job "nightly-backup" finished: completed, exit 0/, '--verbose puts the routine line in the journal');
      assert.deepEqual(readdirSync(join(root, 'var/backups/www'), { recursive: true }).map(String).sort(), ['img', 'img/logo.png', 'index.html']);
    });

    it('exits 75 (SuccessExitStatus) while another run of nightly-backup holds the lock', async () => {
      const holder = startIoguard(['run', '--no-gate', '--name', 'nightly-backup', '--', 'sleep', '30'], { env: box.env });
      try {
        await until(() => readJobRecord(box, 'nightly-backup')?.phase === 'running', 10_000, 'holder running');
        const r = run();
        assert.equal(r.status, 75, r.stderr);
        assert.match(r.stderr, /skipped: previous run still running/);
      } finally {
        holder.kill('SIGTERM');
        await finished(holder);
      }
    });
  });
});
