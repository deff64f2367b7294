import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunPinger, lastBytes } from '../../src/ping/run-pinger.ts';
import { sendPing } from '../../src/ping/send-ping.ts';
import { refusedPort, startPingServer } from '../helpers/ping-server.ts';

const ending = { name: 'nightly', outcome: 'completed', exitCode: 0, jobExitCode: 0, signal: null, timedOut: false, durationMs: 10, reason: null, figures: null };

function sink() {
  const logs: string[] = [];
  const stderr: string[] = [];
  return { logs, stderr, sink: { log: (_l: string, m: string) => void logs.push(m), report: (line: string) => void stderr.push(line) } };
}

describe('sending a ping to a real server', () => {
  it('start then success arrive in order with one rid, the body carrying the message and the output tail', async () => {
    const server = await startPingServer();
    const s = sink();
    const p = new RunPinger({ url: `${server.url}/abcd-uuid`, timeoutMs: 2000, bodyMax: 64 }, 'nightly', s.sink);
    p.start();
    const r = await p.finish(ending, `${'x'.repeat(500)}\nlast line\n`);
    assert.equal(r.ok, true);
    assert.deepEqual(server.received.map((q) => q.path), ['/abcd-uuid/start', '/abcd-uuid']);
    const rids = server.received.map((q) => q.query.get('rid'));
    assert.match(rids[0] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(rids[0], rids[1]);
    const body = server.received[1]?.body ?? '';
    assert.match(body, /^ioguard: job "nightly" completed/);
    assert.ok(body.endsWith('last line\n'));
    assert.ok(Buffer.byteLength(body) < 64 + 100, `body capped: ${Buffer.byteLength(body)}`);
    assert.deepEqual(s.stderr, []);
    assert.ok(s.logs.every((l) => !l.includes('abcd-uuid')), 'the log never shows the URL whole');
  });

  it('a server answering 500 then 200 gets a retry, and the ping succeeds', async () => {
    const server = await startPingServer((_r, i) => (i === 0 ? 500 : 200));
    const a = await sendPing(new URL(`${server.url}/k`), 'hi', { timeoutMs: 2000, backoffMs: 10 });
    assert.deepEqual([a.ok, a.attempts, a.status], [true, 2, 200]);
    assert.equal(server.received.length, 2);
  });

  it('a 4xx is never retried', async () => {
    const server = await startPingServer(() => 404);
    const a = await sendPing(new URL(`${server.url}/k`), 'hi', { timeoutMs: 2000, backoffMs: 10 });
    assert.deepEqual([a.ok, a.attempts, a.error], [false, 1, 'HTTP 404']);
  });

  it('a server slow past the timeout costs each attempt its timeout, no more, and never throws', async () => {
    const server = await startPingServer(() => 'hang');
    const t0 = Date.now();
    const a = await sendPing(new URL(`${server.url}/k`), 'hi', { timeoutMs: 300, retries: 1, backoffMs: 10 });
    const took = Date.now() - t0;
    assert.deepEqual([a.ok, a.attempts, a.error], [false, 2, 'timeout after 300ms']);
    assert.ok(took >= 600 && took < 2000, `took ${took} ms`);
  });

  it('refused connections are retried, then one stderr line for the whole run, the URL redacted', async () => {
    const port = await refusedPort();
    const s = sink();
    const p = new RunPinger({ url: `http://127.0.0.1:${port}/secret-uuid-1234`, timeoutMs: 1000, bodyMax: 100 }, 'nightly', s.sink);
    p.start();
    const r = await p.finish({ ...ending, outcome: 'failed', exitCode: 2, jobExitCode: 2 });
    assert.deepEqual([r.ok, r.attempts, r.error, r.kind], [false, 3, 'ECONNREFUSED', 'exit']);
    assert.equal(s.stderr.length, 1, s.stderr.join('\n'));
    assert.match(s.stderr[0] ?? '', /ping start to http:\/\/127\.0\.0\.1:\d+\/secr…\/start failed: ECONNREFUSED/);
    assert.equal(s.logs.length, 2);
    assert.ok([...s.logs, ...s.stderr].every((l) => !l.includes('secret-uuid-1234')));
  });
});

describe('the output tail', () => {
  it('keeps the last bytes, starting on a whole character and line', () => {
    assert.equal(lastBytes('short', 10), 'short');
    assert.equal(lastBytes('aaaa\nbbbb\ncc', 7), 'cc');
    assert.equal(Buffer.byteLength(lastBytes('é'.repeat(100), 11)) <= 11, true);
    assert.ok(!lastBytes('é'.repeat(100), 11).includes('\ufffd'));
  });
});
