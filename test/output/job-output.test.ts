import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { JobOutput } from '../../src/output/job-output.ts';
import { jobStdio } from '../../src/output/output-mode.ts';
import { TailBuffer } from '../../src/output/tail-buffer.ts';

const root = mkdtempSync(join(tmpdir(), 'ioguard-output-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = (): string => mkdtempSync(join(root, `${n++}-`));

/** Run `script` under sh with the output's stdio; resolves with its exit status once output is finished. */
async function run(output: JobOutput, script: string, failed?: (code: number | null) => boolean) {
  const child = spawn('sh', ['-c', script], { stdio: output.stdio });
  output.attach(child.stdout, child.stderr);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const summary = await output.finish(failed ? failed(code) : code !== 0);
  return { code, summary };
}

function fileSink(dir: string, name: string) {
  const path = join(dir, name);
  return { path, stream: createWriteStream(path) };
}

async function closed(w: Writable): Promise<void> {
  await new Promise<void>((resolve) => (w.writableFinished ? resolve() : w.end(resolve)));
}

const SEQ = spawnSync('seq', ['1', '300000'], { encoding: 'utf8', maxBuffer: 1 << 24 }).stdout;

/** Equal texts, without printing megabytes when they are not. */
function sameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  assert.fail(`${what}: ${actual.length} chars, expected ${expected.length}; first difference at ${i}: ${JSON.stringify(actual.slice(i, i + 40))}`);
}

describe('the stdio a spawn step asks for', () => {
  it('inherits by default: nothing is piped or buffered unless a ping or on-failure needs it', () => {
    assert.equal(jobStdio('inherit', false), 'inherit');
    assert.deepEqual(jobStdio('inherit', true), ['inherit', 'pipe', 'pipe']);
    assert.deepEqual(jobStdio('on-failure', false), ['inherit', 'pipe', 'pipe']);
  });
});

describe('pass-through with a tail', () => {
  it('a job writing 50 MB reaches our stdout whole, the tail stays 10 KB, and its exit status is intact', async () => {
    const dir = folder();
    const out = fileSink(dir, 'out');
    const err = fileSink(dir, 'err');
    const output = new JobOutput({ mode: 'inherit', tailMax: 10_240, stdout: out.stream, stderr: err.stream, tmpDir: dir });
    const { code, summary } = await run(output, 'head -c 52428800 /dev/zero | tr "\\0" a; echo the-end >&2; exit 3');
    await Promise.all([closed(out.stream), closed(err.stream)]);
    assert.equal(code, 3);
    assert.equal(statSync(out.path).size, 52_428_800);
    assert.equal(readFileSync(err.path, 'utf8'), 'the-end\n');
    assert.equal(summary.bytes, 52_428_808);
    const tail = output.tail();
    assert.ok(Buffer.byteLength(tail) <= 10_240, `tail ${Buffer.byteLength(tail)} bytes`);
    assert.ok(tail.endsWith('the-end\n') || tail.endsWith('a'), 'the tail is the latest output');
    assert.deepEqual(readdirSync(dir).sort(), ['err', 'out'], 'pass-through spills nothing');
  });

  it('a slow reader of ours slows the job as a pipe would, and every byte arrives in order', async () => {
    const got: Buffer[] = [];
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 16_384,
      write(chunk: Buffer, _e, cb) {
        got.push(chunk);
        writes++;
        setTimeout(cb, writes % 10 === 0 ? 5 : 0);
      },
    });
    const output = new JobOutput({ mode: 'inherit', tailMax: 100, stdout: slow, stderr: new Writable({ write: (_c, _e, cb) => cb() }) });
    const { code } = await run(output, 'seq 1 300000');
    assert.equal(code, 0);
    sameText(Buffer.concat(got).toString('utf8'), SEQ, 'stdout');
    assert.ok(output.tail().endsWith('299999\n300000\n'));
  });
});

describe('--output on-failure', () => {
  it('a failed job\'s output is printed after it, each stream in its own order, through a spill file that is then removed', async () => {
    const dir = folder();
    const out = fileSink(dir, 'out');
    const err = fileSink(dir, 'err');
    const spillRoot = mkdtempSync(join(dir, 'tmp-'));
    const output = new JobOutput({ mode: 'on-failure', tailMax: 1000, memoryMax: 65_536, stdout: out.stream, stderr: err.stream, tmpDir: spillRoot });
    const { code, summary } = await run(output, 'seq 1 300000 >&2 & seq 1 300000; wait; exit 4');
    await Promise.all([closed(out.stream), closed(err.stream)]);
    assert.equal(code, 4);
    assert.deepEqual([summary.printed, summary.spilled], [true, true]);
    sameText(readFileSync(out.path, 'utf8'), SEQ, 'stdout');
    sameText(readFileSync(err.path, 'utf8'), SEQ, 'stderr');
    assert.deepEqual(readdirSync(spillRoot), [], 'the spill folder is gone');
  });

  it('a successful job prints nothing, and its spill file is removed too', async () => {
    const dir = folder();
    const printed: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => void (printed.push(c), cb()) });
    const output = new JobOutput({ mode: 'on-failure', tailMax: 0, memoryMax: 4096, stdout: sink, stderr: sink, tmpDir: dir });
    const { code, summary } = await run(output, 'head -c 52428800 /dev/zero; echo err >&2');
    assert.equal(code, 0);
    assert.deepEqual([summary.printed, summary.spilled, summary.bytes], [false, true, 52_428_804]);
    assert.equal(printed.length, 0);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a job killed by a signal counts as failed when the caller says so, its output printed', async () => {
    const dir = folder();
    const printed: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => void (printed.push(c), cb()) });
    const output = new JobOutput({ mode: 'on-failure', tailMax: 0, stdout: sink, stderr: sink, tmpDir: dir });
    const { code } = await run(output, 'echo before; kill -9 $$', (c) => c !== 0);
    assert.equal(code, null);
    assert.equal(Buffer.concat(printed).toString(), 'before\n');
  });

  it('a daemon left holding the pipe does not hold the run: the drain is bounded', async () => {
    const dir = folder();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const output = new JobOutput({ mode: 'on-failure', tailMax: 0, stdout: sink, stderr: sink, tmpDir: dir, drainGraceMs: 300 });
    const t0 = Date.now();
    const child = spawn('sh', ['-c', '(sleep 5 &) ; echo left'], { stdio: output.stdio });
    output.attach(child.stdout, child.stderr);
    await new Promise((resolve) => child.on('exit', resolve));
    await output.finish(true);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('the tail buffer', () => {
  it('keeps the last max bytes across chunks of any size', () => {
    const t = new TailBuffer(5);
    for (const s of ['ab', 'cd', 'efg', 'h']) t.push(Buffer.from(s));
    assert.equal(t.text(), 'defgh');
    t.push(Buffer.from('0123456789'));
    assert.equal(t.text(), '56789');
    assert.equal(t.total, 18);
  });

  it('starts on a whole UTF-8 character when the cut falls inside one', () => {
    const t = new TailBuffer(5);
    t.push(Buffer.from('ééé'));
    assert.equal(t.text(), 'éé');
  });
});

describe('writing to our own stdout', () => {
  it('a slow reader of a non-blocking pipe (node set O_NONBLOCK on it) loses nothing and ends the writer normally', async () => {
    const dir = folder();
    const script = join(dir, 'writer.mts');
    const writer = new URL('../../src/output/fd-writer.ts', import.meta.url).pathname;
    // process.stdout on a pipe makes the shared descriptor non-blocking: EAGAIN once the pipe is full.
    writeFileSync(script, `import { FdWriter } from ${JSON.stringify(writer)};
void process.stdout.writableLength;
const w = new FdWriter(1);
const chunk = Buffer.alloc(65536, 120);
for (let i = 0; i < 320; i++) if (!w.write(chunk)) await new Promise((r) => w.once('drain', r));
w.end(() => process.stderr.write('ended'));
`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1000));
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(bytes, 320 * 65536);
    assert.equal(stderr, 'ended');
  });
});
