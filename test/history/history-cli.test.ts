import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { guard } from '../../src/guard/guard.ts';
import { runCommand } from '../../src/run/run-command.ts';
import { finished, readJobRecord, runIoguard, sandboxes, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();

describe('ioguard history', () => {
  it('shows the timeline of runs and skips and a table of the recent invocations, and --json gives the same', async () => {
    const b = box();
    for (const cmd of [['true'], ['sh', '-c', 'exit 4'], ['true']]) await runIoguard(['run', '--no-gate', '--name', 'tl', '--', ...cmd], { env: b.env });
    const r = await runIoguard(['history', 'tl'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^tl: 3 invocations recorded; last 24 h: 3 runs, 0 skipped, 1 failed, 0 timed out/);
    assert.match(r.stdout, /^runs {6}\|[ █▓x]*x[ █▓x]*\|$/m, 'the failed run is marked on the runs lane');
    assert.match(r.stdout, /^TIME\s+OUTCOME\s+DURATION\s+EXIT/m);
    assert.equal(r.stdout.match(/ completed /g)?.length, 2);
    const json = JSON.parse((await runIoguard(['history', 'tl', '--json', '--limit', '2'], { env: b.env })).stdout) as Record<string, any>;
    assert.equal(json.invocations, 3);
    assert.deepEqual(json.last24h, { runs: 3, skips: 0, failures: 1, timeouts: 0 });
    assert.deepEqual(json.entries.map((e: any) => e.outcome), ['failed', 'completed']);
    for (const field of ['at', 'start', 'end', 'durationMs', 'exitCode', 'deferredMs', 'heldBy', 'cpuSeconds', 'peakRssBytes', 'readBytes', 'writeBytes', 'ioPressure']) assert.ok(field in json.entries[0], field);
  });

  it('status --json gives a running job\'s row its history', async () => {
    const b = box();
    await runIoguard(['run', '--no-gate', '--name', 'sj', '--', 'true'], { env: b.env });
    const holder = startIoguard(['run', '--no-gate', '--name', 'sj', '--', 'sleep', '3'], { env: b.env });
    await until(() => readJobRecord(b, 'sj')?.job, 10_000, 'holder running');
    const rows = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, any>>;
    assert.equal(rows[0]?.state, 'running');
    assert.equal(rows[0]?.history?.invocations, 1, 'the finished run; the running one is recorded when it ends');
    assert.equal(rows[0]?.history?.lastRun?.outcome, 'completed');
    await finished(holder);
  });

  it('a job without history is a normal answer; a bad name is a usage error', async () => {
    const b = box();
    const none = await runIoguard(['history', 'nothing'], { env: b.env });
    assert.equal(none.code, 0);
    assert.equal(none.stdout, 'No history for job "nothing".\n');
    const bad = await runIoguard(['history', '../etc/passwd'], { env: b.env });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });

  it('corrupt lines are skipped and counted, never fatal', async () => {
    const b = box();
    await runIoguard(['run', '--no-gate', '--name', 'cj', '--', 'true'], { env: b.env });
    appendFileSync(join(b.lockDir, 'cj.history'), '{"v":1,"at":\nnot json at all\n');
    await runIoguard(['run', '--no-gate', '--name', 'cj', '--', 'true'], { env: b.env });
    const r = await runIoguard(['history', 'cj'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cj: 2 invocations recorded/);
    assert.match(r.stdout, /\(2 corrupt line\(s\) in the history were skipped\)/);
  });

  it('recording never changes the result: an unusable metrics folder costs one log line, the job keeps its status', async () => {
    const b = box();
    mkdirSync(b.dir, { recursive: true });
    const notADir = join(b.dir, 'file');
    writeFileSync(notADir, '');
    const r = await runIoguard(['run', '--no-gate', '--name', 'kept', '--metrics-dir', join(notADir, 'sub'), '--', 'sh', '-c', 'exit 5'], { env: b.env });
    assert.equal(r.code, 5);
    assert.equal(r.stderr, '');
    assert.ok(b.events().some((e) => e.event === 'history-failed'), 'the failure is logged');
  });

  it('library runs are recorded too: runCommand with metricsDir and guard', async () => {
    const b = box();
    const metricsDir = join(b.dir, 'prom');
    const common = { lockDir: b.lockDir, logFile: false as const, gate: { enabled: false } };
    const run = await runCommand(['sh', '-c', 'head -c 30000000 /dev/zero | cat > /dev/null; sleep 0.5'], { ...common, name: 'lib', metricsDir, sampleIntervalMs: 100 });
    assert.equal(run.outcome, 'completed');
    assert.ok((run.usage?.peakRssBytes ?? 0) > 0, 'peak RSS sampled');
    await guard('fn', async () => 42, common);
    const json = JSON.parse((await runIoguard(['history', '--json'], { env: b.env })).stdout) as Array<Record<string, any>>;
    assert.deepEqual(json.map((v) => [v.name, v.invocations]), [['fn', 1], ['lib', 1]]);
    assert.match((await runIoguard(['history', 'lib'], { env: b.env })).stdout, /completed/);
  });
});

describe('a deferral in the history', () => {
  it('records the time deferred and the signal that held the job back', async () => {
    const b = box();
    // A /proc whose load average (3.79 on the fixture's CPUs) trips a low --max-load at every look.
    const procRoot = new URL('../fixtures/proc-6.18', import.meta.url).pathname;
    const r = await runCommand(['true'], {
      name: 'held', lockDir: b.lockDir, logFile: false, procRoot, gateRetryMs: 100,
      gate: { thresholds: { maxLoad: 0.01 }, onPressure: 'defer', deferMaxMs: 600, deferThen: 'skip', windowMs: 50 },
    });
    assert.equal(r.outcome, 'deferred-then-skipped');
    const json = JSON.parse((await runIoguard(['history', 'held', '--json'], { env: b.env })).stdout) as Record<string, any>;
    const e = json.entries[0];
    assert.equal(e.cause, 'pressure');
    assert.deepEqual(e.heldBy, ['load']);
    assert.ok(e.deferredMs >= 600, `deferred ${e.deferredMs} ms`);
    assert.equal(json.totals.deferredMs, e.deferredMs);
    assert.deepEqual(json.totals.skips, { pressure: 1 });
  });

  it('by default (deferThen run) a deferral that reaches deferMaxMs starts the job, and the line says it ran paced', async () => {
    const b = box();
    const procRoot = new URL('../fixtures/proc-6.18', import.meta.url).pathname;
    const r = await runCommand(['true'], {
      name: 'held-paced', lockDir: b.lockDir, logFile: false, procRoot, gateRetryMs: 100,
      gate: { thresholds: { maxLoad: 0.01 }, onPressure: 'defer', deferMaxMs: 600, windowMs: 50 },
    });
    assert.equal(r.outcome, 'completed');
    assert.equal(r.deferral?.paced, true);
    const json = JSON.parse((await runIoguard(['history', 'held-paced', '--json'], { env: b.env })).stdout) as Record<string, any>;
    const e = json.entries[0];
    assert.equal(e.outcome, 'completed');
    assert.equal(e.pacedAfterDeferral, true);
    assert.ok(e.deferredMs >= 600, `deferred ${e.deferredMs} ms`);
  });
});

describe('a fleet skip in the history', () => {
  it('is recorded with the cause fleet, not pressure', async () => {
    const b = box();
    // Port 1 on loopback refuses at once: the fleet server is unreachable and the default policy skips.
    const r = await runIoguard(['run', '--no-gate', '--name', 'fl', '--fleet', 'postgres://127.0.0.1:1/x', '--', 'true'], { env: b.env });
    assert.equal(r.code, 75, r.stderr);
    const json = JSON.parse((await runIoguard(['history', 'fl', '--json'], { env: b.env })).stdout) as Record<string, any>;
    assert.equal(json.entries[0].cause, 'fleet');
    assert.deepEqual(json.totals.skips, { fleet: 1 });
  });
});
