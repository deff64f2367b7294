// Runs logrotate for real with examples/logrotate/ioguard (its path moved to a private log, with a
// private state file), forcing rotations while ioguard runs write the decision log.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { finished, sandboxes, sleep, startIoguard, until, type Sandbox } from '../helpers/cli.ts';

const EXAMPLE = new URL('../../examples/logrotate/ioguard', import.meta.url).pathname;
const DEFAULT_LOG = '/var/log/ioguard/ioguard.log';
const box = sandboxes();

/** The example with its log path pointed at the sandbox's log; returns a function that rotates now. */
function rotator(b: Sandbox): () => void {
  const text = readFileSync(EXAMPLE, 'utf8');
  assert.ok(text.includes(`${DEFAULT_LOG} {`), 'the example rotates the default root log');
  const conf = join(b.dir, 'logrotate.conf');
  writeFileSync(conf, text.replace(`${DEFAULT_LOG} {`, `${b.logFile} {`), { mode: 0o644 });
  // logrotate lives in /usr/sbin, which an unprivileged user's PATH often lacks.
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };
  return () => void execFileSync('logrotate', ['-f', '-s', join(b.dir, 'logrotate.state'), conf], { stdio: ['ignore', 'ignore', 'pipe'], env });
}

/** Every file of the log (live, rotated, compressed), by name. */
function logFiles(b: Sandbox): Map<string, string> {
  const files = new Map<string, string>();
  const base = basename(b.logFile);
  for (const name of readdirSync(dirname(b.logFile)).filter((f) => f.startsWith(base)).sort()) {
    const raw = readFileSync(join(dirname(b.logFile), name));
    files.set(name, (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
  }
  return files;
}

type Line = { job: string; event: string; file: string };

/** Every line of every file, parsed; a torn or merged line fails here. */
function allLines(files: Map<string, string>): Line[] {
  const lines: Line[] = [];
  for (const [file, text] of files) {
    if (text === '') continue;
    assert.ok(text.endsWith('\n'), `${file} ends with a whole line`);
    for (const line of text.slice(0, -1).split('\n')) {
      let parsed: Record<string, unknown>;
      assert.doesNotThrow(() => (parsed = JSON.parse(line) as Record<string, unknown>), `${file}: not one JSON line: ${line}`);
      const { job, event } = parsed! as { job: string; event: string };
      assert.equal(typeof job, 'string');
      assert.equal(typeof event, 'string');
      lines.push({ job, event, file });
    }
  }
  return lines;
}

describe('examples/logrotate/ioguard', () => {
  it('forced rotations while runs write: every run keeps its started and finished lines, whole, exactly once', { timeout: 120_000 }, async () => {
    const b = box();
    const rotate = rotator(b);
    const names: string[] = [];
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < 8; i++) {
        const name = `w${w}-${i}`;
        names.push(name);
        const r = await finished(startIoguard(['run', '--name', name, '--no-gate', '--', 'sh', '-c', 'sleep 0.05'], { env: b.env }));
        assert.equal(r.code, 0, r.stderr);
      }
    };
    let rotations = 0;
    let writing = true;
    const rotating = (async () => {
      // At most 5: the example keeps 8 generations, and an older one dropped would look like lost lines.
      while (writing && rotations < 5) {
        await sleep(200);
        // Only when there is something to rotate: notifempty skips an empty log even with -f.
        if ((logFiles(b).get(basename(b.logFile)) ?? '') === '') continue;
        rotate();
        rotations++;
      }
    })();
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await rotating;
    const files = logFiles(b);
    assert.ok(rotations >= 2 && files.size >= 3, `rotated ${rotations} times into ${[...files.keys()].join(', ')}`);
    assert.ok([...files.keys()].some((f) => f.endsWith('.gz')), 'older generations are compressed');
    const lines = allLines(files);
    for (const name of names) {
      const mine = lines.filter((l) => l.job === name);
      assert.deepEqual(mine.map((l) => l.event).sort(), ['finished', 'started'], `${name}: ${JSON.stringify(mine)}`);
    }
  });

  it('a run in flight during a rotation ends its lines in the rotated file, which delaycompress keeps readable', async () => {
    const b = box();
    const rotate = rotator(b);
    const long = startIoguard(['run', '--name', 'long', '--no-gate', '--', 'sleep', '1.5'], { env: b.env });
    await until(() => logFiles(b).get(basename(b.logFile))?.includes('"event":"started"'), 10_000, 'the long run started');
    rotate();
    const short = await finished(startIoguard(['run', '--name', 'short', '--no-gate', '--', 'true'], { env: b.env }));
    assert.equal(short.code, 0, short.stderr);
    assert.equal((await finished(long)).code, 0);
    const lines = allLines(logFiles(b));
    const where = (job: string): string[] => lines.filter((l) => l.job === job).map((l) => `${l.event}@${l.file}`).sort();
    const live = basename(b.logFile);
    assert.deepEqual(where('long'), [`finished@${live}.1`, `started@${live}.1`]);
    assert.deepEqual(where('short'), [`finished@${live}`, `started@${live}`]);
  });
});
