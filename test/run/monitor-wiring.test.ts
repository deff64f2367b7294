import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, finished, readJobRecord, runIoguard, sandboxes, startIoguard, until } from '../helpers/cli.ts';
import { vforkHelperPath } from '../helpers/d-state.ts';
import { refusedPort, startPingServer } from '../helpers/ping-server.ts';
import { readPidStat } from '../../src/proc/processes.ts';
import { guard } from '../../src/index.ts';
import type { Sandbox } from '../helpers/cli.ts';

const box = sandboxes();
const UUID = '5d1f1a0c-7c1e-4a5e-9f57-2b2f7c9d1e11';
const RUN = ['run', '--no-gate'];

/** The job's history lines, parsed. */
const historyOf = (b: Sandbox, name: string): Array<Record<string, unknown>> =>
  readFileSync(join(b.lockDir, `${name}.history`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** `ioguard ARGS` with stdout counted, not kept (50 MB of it). */
function runCounting(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdoutBytes: number; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdoutBytes = 0;
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdoutBytes += d.length));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdoutBytes, stderr, ms: Date.now() - t0 })));
}

describe('ioguard run --ping, against a real HTTP server', () => {
  it('a completed run sends /start then success with one rid, its output still reaching stdout', async () => {
    const b = box();
    const server = await startPingServer();
    const r = await runIoguard([...RUN, '--name', 'ok', '--ping', `${server.url}/${UUID}`, '--', 'sh', '-c', 'echo out; echo err >&2'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.deepEqual(server.received.map((q) => q.path), [`/${UUID}/start`, `/${UUID}`]);
    assert.equal(server.received[0]?.query.get('rid'), server.received[1]?.query.get('rid'));
    assert.match(server.received[1]?.body ?? '', /^ioguard: job "ok" completed in .*\n\n(out\nerr\n|err\nout\n)$/);
    const pings = b.events().filter((e) => e.event === 'ping');
    assert.equal(pings.length, 2);
    assert.ok(pings.every((e) => !JSON.stringify(e).includes(UUID)), 'the log never holds the URL whole');
  });

  it('a job writing 50 MB exits with its own status, all of it on stdout, the body capped', async () => {
    const b = box();
    const server = await startPingServer();
    const r = await runCounting([...RUN, '--name', 'big', '--ping', `${server.url}/${UUID}`, '--ping-body-max', '4k', '--', 'sh', '-c', 'head -c 52428800 /dev/zero | tr "\\0" x; exit 3'], b.env);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdoutBytes, 52_428_800);
    const ending = server.received[1];
    assert.equal(ending?.path, `/${UUID}/3`);
    assert.ok(Buffer.byteLength(ending?.body ?? '') < 4096 + 200, `body ${Buffer.byteLength(ending?.body ?? '')} bytes`);
    assert.match(ending?.body ?? '', /failed: exited 3, exit 3/);
  });

  it('a server slow past --ping-timeout costs a bounded delay, one stderr line, and the exit status stands', async () => {
    const b = box();
    const server = await startPingServer(() => 'hang');
    const t0 = Date.now();
    const r = await runIoguard([...RUN, '--name', 'slow', '--ping', `${server.url}/${UUID}`, '--ping-timeout', '300ms', '--', 'sh', '-c', 'exit 4'], { env: b.env });
    const took = Date.now() - t0;
    assert.equal(r.code, 4);
    // Two pings of 3 attempts of 300 ms and 1 s of backoff each, plus the wrapper's own start.
    assert.ok(took < 8000, `took ${took} ms`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /ping start to http:\/\/127\.0\.0\.1:\d+\/5d1f…\/start failed: timeout after 300ms \(3 attempts/);
    assert.ok(!r.stderr.includes(UUID));
    assert.equal(server.received.length, 6, 'start and ending, three attempts each');
  });

  it('a server answering 500 then 200 gets the ping on the retry, and nothing is said on stderr', async () => {
    const b = box();
    const server = await startPingServer((_r, i) => (i === 0 ? 500 : 200));
    const r = await runIoguard([...RUN, '--name', 'flaky', '--ping', `${server.url}/${UUID}`, '--', 'true'], { env: b.env });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.deepEqual(server.received.map((q) => q.path), [`/${UUID}/start`, `/${UUID}/start`, `/${UUID}`]);
  });

  it('a server refusing connections: the job runs, one stderr line, the URL redacted (IOGUARD_PING_URL)', async () => {
    const b = box();
    const port = await refusedPort();
    const r = await runIoguard([...RUN, '--name', 'down', '--', 'sh', '-c', 'echo done'], { env: { ...b.env, IOGUARD_PING_URL: `http://127.0.0.1:${port}/${UUID}` } });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'done\n');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.ok(!r.stderr.includes(UUID));
  });

  it('a skip behind a running previous run reaches the server as /log with its reason', async () => {
    const b = box();
    const server = await startPingServer();
    const args = [...RUN, '--name', 'busy', '--ping', `${server.url}/${UUID}`, '--'];
    const holder = startIoguard([...args, 'sleep', '3'], { env: b.env });
    await until(() => readJobRecord(b, 'busy')?.job, 10_000, 'holder running');
    const r = await runIoguard([...args, 'true'], { env: b.env });
    assert.equal(r.code, 75);
    await finished(holder);
    const log = server.received.find((q) => q.path === `/${UUID}/log`);
    assert.match(log?.body ?? '', /^ioguard: job "busy" skipped: previous run still running/);
    assert.notEqual(log?.query.get('rid'), server.received[0]?.query.get('rid'), 'the skip has its own rid');
  });

  it('a timeout reaches the server as /fail naming it', async () => {
    const b = box();
    const server = await startPingServer();
    const r = await runIoguard([...RUN, '--name', 'late', '--timeout', '500ms', '--kill-after', '1s', '--ping', `${server.url}/${UUID}`, '--', 'sh', '-c', 'echo working; sleep 10'], { env: b.env });
    assert.equal(r.code, 124);
    const fail = server.received.at(-1);
    assert.equal(fail?.path, `/${UUID}/fail`);
    assert.match(fail?.body ?? '', /^ioguard: job "late" timed out after 500ms, exit 124\n\nworking\n$/);
  });

  it('a pressure skip reaches the server as /log with its figures; past --starve-after it is /fail, starved', async () => {
    const b = box();
    const server = await startPingServer();
    // A limit no filesystem meets, read from the real statfs: every look trips it.
    const tick = () => runIoguard(['run', '--name', 'starving', '--on-pressure', 'skip', '--path', '/', '--min-free', '100%', '--starve-after', '200ms', '--ping', `${server.url}/${UUID}`, '--', 'true'], { env: b.env });
    assert.equal((await tick()).code, 75);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await tick()).code, 75);
    assert.deepEqual(server.received.map((q) => q.path), [`/${UUID}/log`, `/${UUID}/fail`]);
    assert.match(server.received[0]?.body ?? '', /^ioguard: job "starving" skipped: system under pressure: .*minimum 100%.* \(.*free=[\d.]+\)\n$/);
    assert.match(server.received[1]?.body ?? '', /^ioguard: job "starving" starved by pressure: skipped 2 times in .*, never started; last: .*free space/);
  });

  it('a refusal for a stuck previous run reaches the server as /fail naming the stuck process', async () => {
    const b = box();
    const server = await startPingServer();
    const wrapper = startIoguard([...RUN, '--name', 'dstate', '--stuck-after', '1s', '--', vforkHelperPath(), '60'], { env: b.env });
    try {
      const record = await until(() => readJobRecord(b, 'dstate')?.job, 5000, 'job record');
      await until(() => readPidStat(record.pid)?.state === 'D', 5000, 'D state');
      await new Promise((r) => setTimeout(r, 1500));
      const next = await runIoguard([...RUN, '--name', 'dstate', '--stuck-after', '1s', '--ping', `${server.url}/${UUID}`, '--', 'true'], { env: b.env });
      assert.equal(next.code, 76);
      assert.equal(server.received.length, 1);
      assert.equal(server.received[0]?.path, `/${UUID}/fail`);
      assert.match(server.received[0]?.body ?? '', new RegExp(`previous run stuck.*pid ${record.pid} \\(vfork-d\\)`));
    } finally {
      const record = readJobRecord(b, 'dstate');
      if (record?.job) process.kill(-record.job.pgid, 'SIGKILL');
      wrapper.kill('SIGKILL');
    }
  });
});

describe('ioguard run --output on-failure', () => {
  it('a successful run prints nothing; a failing one prints its output, 50 MB through a spill file removed after', async () => {
    const b = box();
    const tmp = join(b.dir, 'tmp');
    mkdirSync(tmp);
    const env = { ...b.env, TMPDIR: tmp };
    const ok = await runIoguard([...RUN, '--name', 'quiet', '--output', 'on-failure', '--', 'sh', '-c', 'echo fine; echo warn >&2'], { env });
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '', '']);
    const bad = await runCounting([...RUN, '--name', 'loud', '--output', 'on-failure', '--', 'sh', '-c', 'head -c 52428800 /dev/zero; echo broke >&2; exit 5'], env);
    assert.equal(bad.code, 5);
    assert.equal(bad.stdoutBytes, 52_428_800);
    assert.match(bad.stderr, /^broke\n/);
    assert.deepEqual(readdirSync(tmp), [], 'no spill folder left');
  });

  it('a timed-out run prints what it wrote', async () => {
    const b = box();
    const r = await runIoguard([...RUN, '--name', 'slowq', '--output', 'on-failure', '--timeout', '500ms', '--', 'sh', '-c', 'echo progress; sleep 10'], { env: b.env });
    assert.equal(r.code, 124);
    assert.equal(r.stdout, 'progress\n');
  });
});

describe('ioguard run --jitter', () => {
  it('waits a delay within the window before the lock, the same one each run with --jitter-seed host', async () => {
    const b = box();
    const delays: number[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runIoguard([...RUN, '--name', 'spread', '--jitter', '2s', '--jitter-seed', 'host', '--', 'true'], { env: b.env });
      assert.equal(r.code, 0);
    }
    for (const e of b.events().filter((x) => x.event === 'jitter')) delays.push(e.delayMs as number);
    assert.equal(delays.length, 2);
    assert.equal(delays[0], delays[1]);
    assert.ok((delays[0] as number) >= 0 && (delays[0] as number) < 2000);
    const waited = historyOf(b, 'spread').map((e) => e.jitterMs as number);
    assert.equal(waited.length, 2);
    assert.ok(waited.every((ms) => ms >= (delays[0] as number) - 5 && ms < (delays[0] as number) + 1000), `history jitterMs ${waited.join(', ')}`);
  });

  it('a run without --jitter writes no jitterMs in its history line', async () => {
    const b = box();
    const r = await runIoguard([...RUN, '--name', 'nojitter', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0);
    assert.ok(!('jitterMs' in (historyOf(b, 'nojitter')[0] ?? {})));
  });

  it('a signal during the delay ends it: the job never starts', async () => {
    const b = box();
    const child = startIoguard([...RUN, '--name', 'spread2', '--jitter', '1h', '--', 'sh', '-c', 'echo started'], { env: b.env });
    await until(() => b.events().some((e) => e.event === 'jitter'), 10_000, 'jitter logged');
    child.kill('SIGTERM');
    const r = await finished(child);
    assert.equal(r.stdout, '');
    assert.equal(r.code, 143);
    const [entry] = historyOf(b, 'spread2');
    assert.deepEqual([entry?.outcome, entry?.cause, entry?.start], ['skipped', 'interrupted', null]);
    assert.ok(!readdirSync(b.lockDir).includes('spread2.lock'), 'no lock taken');
  });

  it('a signal during the delay reaches --ping as a skip interrupted before start', async () => {
    const b = box();
    const server = await startPingServer();
    const child = startIoguard([...RUN, '--name', 'spread3', '--jitter', '1h', '--ping', `${server.url}/${UUID}`, '--', 'true'], { env: b.env });
    await until(() => b.events().some((e) => e.event === 'jitter'), 10_000, 'jitter logged');
    child.kill('SIGTERM');
    assert.equal((await finished(child)).code, 143);
    assert.deepEqual(server.received.map((q) => q.path), [`/${UUID}/log`]);
    assert.match(server.received[0]?.body ?? '', /skipped: interrupted by SIGTERM before start/);
  });
});

describe('guard() with ping', () => {
  it('sends /start when the function is called, then success, and /<status> when it throws', async () => {
    const b = box();
    const server = await startPingServer();
    const base = { lockDir: b.lockDir, logFile: false as const, gate: { enabled: false }, ping: `${server.url}/${UUID}` };
    const ok = await guard('g-ok', () => 'done', base);
    assert.equal(ok.outcome, 'completed');
    const bad = await guard('g-bad', () => Promise.reject(new Error('boom')), base);
    assert.equal(bad.outcome, 'failed');
    assert.deepEqual(server.received.map((q) => q.path), [`/${UUID}/start`, `/${UUID}`, `/${UUID}/start`, `/${UUID}/1`]);
  });
});
