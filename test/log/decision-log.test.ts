import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCommand } from '../../src/run/run-command.ts';
import { runIoguard, sandboxes, startIoguard, until, readJobRecord } from '../helpers/cli.ts';

const box = sandboxes();
const PINO_PRETTY = new URL('../../node_modules/.bin/pino-pretty', import.meta.url).pathname;

/** The top-level keys of one JSON object line, in order, duplicates kept (JSON.parse drops them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

describe('the decision log is pino\'s format', () => {
  it('each line has numeric level, epoch-ms time, pid, hostname, job, event and msg', async () => {
    const b = box();
    const t0 = Date.now();
    const r = await runIoguard(['run', '--no-gate', '--name', 'fmt', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    const events = b.events();
    assert.deepEqual(events.map((e) => e.event), ['started', 'finished']);
    for (const e of events) {
      assert.equal(e.level, 30);
      assert.ok(typeof e.time === 'number' && e.time >= t0 && e.time <= Date.now(), `time ${String(e.time)}`);
      assert.equal(typeof e.pid, 'number');
      assert.equal(e.hostname, hostname());
      assert.equal(e.job, 'fmt');
      assert.equal(typeof e.msg, 'string');
    }
  });

  it('pino-pretty -L warn shows the timeout and leaves the routine lines out', async () => {
    const b = box();
    const r = await runIoguard(['run', '--no-gate', '--name', 'slow', '--timeout', '200ms', '--kill-after', '2s', '--', 'sleep', '10'], { env: b.env });
    assert.equal(r.code, 124, r.stderr);
    const log = readFileSync(b.logFile);
    const pretty = (level: string) => spawnSync(PINO_PRETTY, ['-L', level, '--no-color'], { input: log, encoding: 'utf8' });
    const warn = pretty('warn');
    assert.equal(warn.status, 0, warn.stderr);
    assert.match(warn.stdout, /WARN.*timed out after 200ms/);
    assert.doesNotMatch(warn.stdout, /started sleep 10/);
    const info = pretty('info');
    assert.match(info.stdout, /INFO.*started sleep 10/);
  });

  it('no event repeats a line key: the replacing event names the old job holderJob, once', async () => {
    const b = box();
    const holder = startIoguard(['run', '--no-gate', '--name', 'rep', '--', 'sleep', '30'], { env: b.env });
    await until(() => readJobRecord(b, 'rep')?.job, 10_000, 'the first run to start');
    const r = await runIoguard(['run', '--no-gate', '--name', 'rep', '--on-busy', 'replace', '--kill-after', '2s', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    await holder.done;
    const raw = readFileSync(b.logFile, 'utf8').split('\n').filter(Boolean);
    const replacing = raw.find((l) => l.includes('"event":"replacing"'));
    assert.ok(replacing, 'a replacing line');
    for (const line of raw) {
      const keys = topLevelKeys(line);
      assert.deepEqual(keys, [...new Set(keys)], `duplicate key in ${line}`);
    }
    const event = JSON.parse(replacing) as Record<string, any>;
    assert.equal(event.job, 'rep');
    assert.equal(typeof event.holderJob.pid, 'number');
  });
});

describe('where the log is and what it refuses', () => {
  it('status and check name the log file, as a line and as a JSON field', async () => {
    const b = box();
    const status = await runIoguard(['status'], { env: b.env });
    assert.match(status.stdout, new RegExp(`^Decision log: ${b.logFile} `, 'm'));
    mkdirSync(b.lockDir, { recursive: true, mode: 0o700 });
    const check = await runIoguard(['check', '--json', '--window', '50ms'], { env: b.env });
    assert.equal((JSON.parse(check.stdout) as { logFile: string }).logFile, b.logFile);
    const checkText = await runIoguard(['check', '--window', '50ms'], { env: b.env });
    assert.match(checkText.stdout, new RegExp(`^Decision log: ${b.logFile} `, 'm'));
  });

  it('the library refuses logFile "-" with ERR_INVALID_OPTION', async () => {
    const b = box();
    await assert.rejects(runCommand(['true'], { lockDir: b.lockDir, logFile: '-', gate: { enabled: false } }), { code: 'ERR_INVALID_OPTION', message: /logFile: "-" is not a log file path/ });
  });
});

describe('a log on a full disk', () => {
  const mount = (dir: string) => spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'ioguard-test', dir]);

  it('the job runs, its status passes through, and stderr says once that the log is failing', { timeout: 60_000, skip: process.getuid?.() !== 0 && 'needs root: mounts a tmpfs' }, async () => {
    const b = box();
    const dir = join(b.dir, 'full');
    mkdirSync(dir);
    assert.equal(mount(dir).status, 0, 'mount tmpfs');
    after(() => spawnSync('umount', [dir]));
    const logFile = join(dir, 'ioguard.log');
    writeFileSync(logFile, '');
    // Fill the filesystem: this write stops at ENOSPC.
    spawnSync('sh', ['-c', `cat /dev/zero > ${join(dir, 'filler')}`]);
    const r = await runIoguard(['run', '--no-gate', '--name', 'full', '--log-file', logFile, '--', 'sh', '-c', 'echo job ran; exit 3'], { env: b.env });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'job ran\n');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^ioguard: log file ${logFile} is failing \\(ENOSPC\\); the job goes on`));
  });
});
