import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, sandboxes, type CliResult, type Sandbox } from '../helpers/cli.ts';

const box = sandboxes();
/** A hung wrapper is the defect: every CLI call here is SIGKILLed after this long, and must be far quicker. */
const HANG_MS = 8000;

/** Run the real CLI with a hard deadline; `ms` is how long it took. */
function cli(b: Sandbox, args: string[]): Promise<CliResult & { ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: b.env });
  const killer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
}

function folder(): Sandbox {
  const b = box();
  mkdirSync(b.lockDir, { mode: 0o700 });
  return b;
}
const run = (b: Sandbox, name: string, status = 0, extra: string[] = []) => cli(b, ['run', '--no-gate', '--name', name, ...extra, '--', 'sh', '-c', `exit ${status}`]);

describe('files planted in the lock folder', () => {
  it('a FIFO as NAME.history and NAME.summary: the run returns promptly with the job\'s exit status, and logs one line', { timeout: 60_000 }, async () => {
    const b = folder();
    execFileSync('mkfifo', [join(b.lockDir, 'b.history'), join(b.lockDir, 'b.summary')]);
    const r = await run(b, 'b', 7);
    assert.equal(r.signal, null, `the wrapper hung (${r.ms} ms) and was killed`);
    assert.equal(r.code, 7);
    assert.equal(r.stderr, '');
    const failed = b.events().filter((e) => e.event === 'history-failed');
    assert.equal(failed.length, 1);
    assert.match(String(failed[0]?.msg), /b\.history is a FIFO, not a regular file/);
    assert.ok(lstatSync(join(b.lockDir, 'b.history')).isFIFO(), 'left alone');
  });

  it('status exits 0 promptly and shows the bad job in one line, the other jobs\' history intact', { timeout: 60_000 }, async () => {
    const b = folder();
    assert.equal((await run(b, 'good')).code, 0);
    execFileSync('mkfifo', [join(b.lockDir, 'b.history'), join(b.lockDir, 'b.summary')]);
    const s = await cli(b, ['status']);
    assert.equal(s.signal, null, 'status hung');
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^good +1 +0 +0 +0 /m);
    const bad = s.stdout.split('\n').filter((l) => l.startsWith('b '));
    assert.equal(bad.length, 1);
    assert.match(bad[0] as string, /^b +history unreadable: .*b\.history is a FIFO, not a regular file; ioguard leaves it alone: remove it$/);
    const json = JSON.parse((await cli(b, ['history', '--json'])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(json.map((v) => [v.name, typeof v.problem]), [['b', 'string'], ['good', 'undefined']]);
    const all = await cli(b, ['history']);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /^good /m);
  });

  it('history NAME for a FIFO: exit 125 promptly with one line naming the file', { timeout: 60_000 }, async () => {
    const b = folder();
    execFileSync('mkfifo', [join(b.lockDir, 'b.history')]);
    const h = await cli(b, ['history', 'b']);
    assert.equal(h.signal, null, 'history hung');
    assert.equal(h.code, 125);
    assert.equal(h.stdout, '');
    assert.match(h.stderr, /^ioguard: \S+\/b\.history is a FIFO, not a regular file; ioguard leaves it alone: remove it\n$/);
  });

  it('a symlinked NAME.history: the target is never written, status exits 0, history NAME says so in one line (125)', { timeout: 60_000 }, async () => {
    const b = folder();
    assert.equal((await run(b, 'good')).code, 0);
    const target = join(b.dir, 'target');
    writeFileSync(target, 'untouched\n');
    symlinkSync(target, join(b.lockDir, 'c.history'));
    const r = await run(b, 'c', 3);
    assert.equal(r.code, 3);
    assert.equal(readFileSync(target, 'utf8'), 'untouched\n');
    const s = await cli(b, ['status']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^good +1 /m);
    assert.match(s.stdout, /^c +history unreadable: .*c\.history is a symbolic link, not a regular file/m);
    const h = await cli(b, ['history', 'c']);
    assert.equal(h.code, 125);
    assert.match(h.stderr, /^ioguard: \S+\/c\.history is a symbolic link, not a regular file; ioguard leaves it alone: remove it\n$/);
    const g = await cli(b, ['history', 'good', '--json']);
    assert.equal((JSON.parse(g.stdout) as { invocations: number }).invocations, 1);
  });

  it('a FIFO as the summary alone costs nothing: the history is read, and the next run replaces the FIFO', { timeout: 60_000 }, async () => {
    const b = folder();
    assert.equal((await run(b, 's')).code, 0);
    execFileSync('rm', [join(b.lockDir, 's.summary')]);
    execFileSync('mkfifo', [join(b.lockDir, 's.summary')]);
    const h = await cli(b, ['history', 's', '--json']);
    assert.equal(h.code, 0, h.stderr);
    assert.equal((JSON.parse(h.stdout) as { invocations: number }).invocations, 1);
    assert.equal((await run(b, 's')).code, 0);
    assert.ok(lstatSync(join(b.lockDir, 's.summary')).isFile(), 'rename(2) replaced the FIFO');
  });

  it('a FIFO as the metrics file: the run returns promptly and the metrics file is replaced', { timeout: 60_000 }, async () => {
    const b = folder();
    const metrics = join(b.dir, 'metrics');
    mkdirSync(metrics);
    execFileSync('mkfifo', [join(metrics, 'ioguard_m.prom')]);
    const r = await run(b, 'm', 0, ['--metrics-dir', metrics]);
    assert.equal(r.code, 0);
    assert.ok(lstatSync(join(metrics, 'ioguard_m.prom')).isFile());
    assert.match(readFileSync(join(metrics, 'ioguard_m.prom'), 'utf8'), /ioguard_/);
  });

  it('a FIFO as the starvation file reads as no streak, at once', () => {
    const b = folder();
    const path = join(b.lockDir, 'x.starve');
    execFileSync('mkfifo', [path]);
    // In a child with a deadline: a blocking open would hang this test process itself.
    const src = new URL('../../src/gate/starvation.ts', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(src)}).then((m) => console.log(JSON.stringify(m.readStarvation(${JSON.stringify(path)}) ?? null)))`], { encoding: 'utf8', timeout: HANG_MS });
    assert.equal(r.signal, null, 'reading the FIFO hung');
    assert.equal(r.stdout.trim(), 'null', r.stderr);
  });

  it('a FIFO as a slot file: the run exits 125 at once with one line, never hangs', { timeout: 60_000 }, async () => {
    const b = folder();
    execFileSync('mkfifo', [join(b.lockDir, 'slot.heavy.0.lock')]);
    const r = await run(b, 'slotted', 0, ['--slot', 'heavy']);
    assert.equal(r.signal, null, 'the wrapper hung');
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^ioguard: lock file \S+slot\.heavy\.0\.lock is not a regular file; remove it\n$/);
  });
});
