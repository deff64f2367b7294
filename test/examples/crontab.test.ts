// Runs every entry of examples/crontab for real, the way cron would: `/bin/sh -c <command>` with
// the crontab's PATH, `ioguard` found there (a shim for bin/ioguard.js), the entry's paths moved
// into a scratch folder, and redirections dropped. Each entry runs twice: free (it does its work)
// and while another `ioguard run --name <same key>` holds the lock (it skips with its exit status).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, finished, readJobRecord, sandbox, startIoguard, until } from '../helpers/cli.ts';

const CRONTAB = new URL('../../examples/crontab', import.meta.url).pathname;
const box = sandbox();
const root = join(box.dir, 'root');
const shimDir = join(box.dir, 'bin');
after(() => box.cleanup());

interface Entry {
  line: string;
  schedule: string[];
  command: string;
  name: string;
}

/** Entries and variables of a crontab: comments and blank lines dropped, `NAME=value` lines apart. */
function parseCrontab(text: string): { vars: Record<string, string>; entries: Entry[] } {
  const vars: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (assignment) {
      vars[assignment[1] as string] = assignment[2] as string;
      continue;
    }
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(line);
    assert.ok(m, `not a crontab entry: ${line}`);
    const name = /--name (\S+)/.exec(m[6] as string)?.[1];
    assert.ok(name, `entry without --name (a derived key changes with the arguments): ${line}`);
    entries.push({ line, schedule: m.slice(1, 6) as string[], command: m[6] as string, name });
  }
  return { vars, entries };
}

const { vars, entries } = parseCrontab(readFileSync(CRONTAB, 'utf8'));

/** The command as the test runs it: no redirections, real paths moved under the scratch root, bounded deferral. */
function forTest(command: string): string {
  const moved = command
    .replace(/\s+\d?>>?\s*(&\d|\S+)/g, '')
    .replace(/(^|\s)(\/(?:srv|backup|var\/backups|var\/cache\/app|var\/lib\/app))(?=[/\s]|$)/g, (_m, space: string, path: string) => `${space}${root}${path}`)
    // A deferral may last an hour in production; under load from other tests it must end sooner here.
    .replace(/--defer-max \S+/g, '--defer-max 15s');
  const stray = moved.split(/\s+/).find((t) => t.startsWith('/') && !t.startsWith(root));
  assert.equal(stray, undefined, `a path of the real system would be touched: ${stray}`);
  return moved;
}

function sh(command: string): { status: number | null; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', command], {
    env: { PATH: `${shimDir}:${vars.PATH ?? '/usr/bin:/bin'}`, HOME: box.dir, IOGUARD_LOCK_DIR: box.lockDir, IOGUARD_LOG_FILE: box.logFile },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

/** True when a decision logged after `since` lines skipped `name` for system pressure (other tests may load the disk). */
function skippedForPressure(name: string, since: number): boolean {
  return box.events().slice(since).some((e) => e.job === name && e.event === 'skipped' && String(e.msg).startsWith('system under pressure'));
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort();
}

const DAY = 86_400;
const effects: Record<string, { prepare?: () => void; check: () => void }> = {
  'jobs-archive': { check: () => assert.deepEqual(files(join(root, 'backup/jobs')), files(join(root, 'srv/jobs'))) },
  'nightly-backup': {
    check: () => {
      const list = spawnSync('tar', ['-tzf', join(root, 'var/backups/www.tar.gz')], { encoding: 'utf8' }).stdout;
      assert.match(list, /index\.html/);
    },
  },
  'media-sync': { check: () => assert.deepEqual(files(join(root, 'backup/media')), ['a.jpg', 'b.jpg']) },
  'cache-prune': {
    prepare: () => {
      writeFileSync(join(root, 'var/cache/app/old.bin'), 'old');
      const twoDaysAgo = Date.now() / 1000 - 2 * DAY;
      utimesSync(join(root, 'var/cache/app/old.bin'), twoDaysAgo, twoDaysAgo);
      rmSync(join(root, 'var/lib/app/cache-prune.ok'), { force: true });
    },
    check: () => {
      assert.deepEqual(files(join(root, 'var/cache/app')), ['fresh.bin']);
      assert.ok(existsSync(join(root, 'var/lib/app/cache-prune.ok')), 'heartbeat touched');
    },
  },
};

before(() => {
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(join(shimDir, 'ioguard'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(shimDir, 'ioguard'), 0o755);
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `srv/jobs/job-${d}`), { recursive: true });
    for (let f = 0; f < 25; f++) writeFileSync(join(root, `srv/jobs/job-${d}/out-${f}.txt`), `job ${d} file ${f}\n`);
  }
  mkdirSync(join(root, 'srv/www'), { recursive: true });
  writeFileSync(join(root, 'srv/www/index.html'), '<h1>hello</h1>\n');
  mkdirSync(join(root, 'srv/media'), { recursive: true });
  writeFileSync(join(root, 'srv/media/a.jpg'), 'a');
  writeFileSync(join(root, 'srv/media/b.jpg'), 'b');
  for (const d of ['backup', 'var/backups', 'var/cache/app', 'var/lib/app']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'var/cache/app/fresh.bin'), 'fresh');
});

describe('examples/crontab', () => {
  it('has four entries, each with a valid schedule and a job name', () => {
    assert.deepEqual(entries.map((e) => e.name), ['jobs-archive', 'nightly-backup', 'media-sync', 'cache-prune']);
    for (const e of entries) {
      for (const field of e.schedule) assert.match(field, /^(\*|\d+)([-,/]\d+)*$|^\*\/\d+$/, `schedule field ${field} in: ${e.line}`);
      assert.ok(e.command.startsWith('ioguard run '), e.line);
      assert.doesNotMatch(e.command, /%/, 'a bare % ends a cron command');
    }
  });

  for (const entry of entries) {
    const expectedSkip = Number(/--skip-exit-code (\d+)/.exec(entry.command)?.[1] ?? 75);

    it(`${entry.name}: runs its command and exits 0`, () => {
      effects[entry.name]?.prepare?.();
      const since = box.events().length;
      const r = sh(forTest(entry.command));
      if (skippedForPressure(entry.name, since)) {
        // Not this entry's fault: something else is loading the disk, and the gate said so.
        assert.equal(r.status, expectedSkip, r.stderr);
        return;
      }
      assert.equal(r.status, 0, r.stderr);
      effects[entry.name]?.check();
    });

    it(`${entry.name}: while another run of the same key holds the lock, exits ${expectedSkip} and leaves it alone`, async () => {
      effects[entry.name]?.prepare?.();
      const holder = startIoguard(['run', '--no-gate', '--name', entry.name, '--', 'sleep', '30'], { env: box.env });
      try {
        await until(() => readJobRecord(box, entry.name)?.phase === 'running', 10_000, `${entry.name} holder running`);
        const r = sh(forTest(entry.command));
        assert.equal(r.status, expectedSkip, r.stderr);
        const skip = box.events().filter((e) => e.job === entry.name && e.event === 'skipped').at(-1) as { msg: string; holder: { wrapperPid: number } } | undefined;
        assert.equal(skip?.msg, 'previous run still running');
        assert.equal(skip?.holder.wrapperPid, holder.pid);
        if (entry.name === 'cache-prune') {
          // The old file is still there (the prune did not run) and the heartbeat was touched anyway.
          assert.ok(existsSync(join(root, 'var/cache/app/old.bin')));
          assert.ok(existsSync(join(root, 'var/lib/app/cache-prune.ok')));
        }
      } finally {
        holder.kill('SIGTERM');
        const end = await finished(holder);
        assert.equal(end.code, 143, 'the holder forwarded SIGTERM to its sleep and exited 128+15');
      }
    });
  }
});
