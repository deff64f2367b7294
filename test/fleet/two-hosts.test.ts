import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sandboxes, sleep, until, type CliResult, type Started } from '../helpers/cli.ts';
import { maxOverlap } from '../helpers/overlap.ts';
import { FakeHost } from './helpers/hosts.ts';
import { PgServer, pgSkipReason } from './helpers/pg-server.ts';

const skip = pgSkipReason();
const newBox = sandboxes();

interface JobEvent {
  kind: string;
  host: string;
  t: number;
  token: number;
}

/** The job writes one line when it starts and one when it ends: host, time (ns), fencing token. */
function job(file: string, seconds: number): string[] {
  const line = (kind: string): string => `echo ${kind} $(hostname) $(date +%s%N) \${IOGUARD_FENCING_TOKEN:-0} >> ${file}`;
  return ['sh', '-c', `${line('start')}; sleep ${seconds}; ${line('end')}`];
}

function readEvents(file: string): JobEvent[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => {
    const [kind, host, ns, token] = l.split(' ');
    return { kind: kind as string, host: host as string, t: Number(BigInt(ns as string) / 1000n) / 1000, token: Number(token) };
  });
}

describe('two hosts share one job through the fleet lock', { skip, concurrency: false, timeout: 300_000 }, () => {
  let pg: PgServer;
  let hostA: FakeHost;
  let hostB: FakeHost;
  before(async () => {
    pg = await PgServer.create();
    hostA = await FakeHost.create('fleet-host-a');
    hostB = await FakeHost.create('fleet-host-b');
  });
  after(async () => {
    hostA?.destroy();
    hostB?.destroy();
    await pg?.destroy();
  });

  const tick = (host: FakeHost, name: string, command: string[], extra: string[] = []): Started =>
    host.ioguard(['run', '--no-gate', '--name', name, '--fleet', pg.url(), '--fleet-heartbeat', '300ms', ...extra, '--', ...command]);

  /** Start a job of `seconds` on host A, then SIGKILL its wrapper once the job runs: the job lives on as an orphan. */
  const orphanOnHostA = async (name: string, file: string, seconds: number): Promise<void> => {
    const first = tick(hostA, name, job(file, seconds));
    await until(() => readEvents(file).length > 0, 15_000, 'job started on host A');
    process.kill(await hostA.wrapperPid(first), 'SIGKILL');
    await first.exited;
  };

  test('the hosts see different host names and boot ids', async () => {
    const [a, b] = await Promise.all([hostA, hostB].map((h) => h.ioguard(['run', '--no-gate', '--', 'sh', '-c', 'hostname; cat /proc/sys/kernel/random/boot_id']).done));
    assert.equal(a?.stdout, `fleet-host-a\n${hostA.bootId}\n`);
    assert.equal(b?.stdout, `fleet-host-b\n${hostB.bootId}\n`);
  });

  test('2 hosts x 30 ticks of a 2 s job on one key never overlap, and the fencing token grows run after run', async () => {
    const file = join(newBox().dir, 'runs');
    const ticks: Array<Promise<CliResult>> = [];
    for (let i = 0; i < 30; i++) {
      ticks.push(tick(hostA, 'shared', job(file, 2)).done);
      await sleep(500);
      ticks.push(tick(hostB, 'shared', job(file, 2)).done);
      await sleep(500);
    }
    const results = await Promise.all(ticks);
    const codes = results.map((r) => r.code);
    assert.ok(codes.every((c) => c === 0 || c === 75), `exit codes ${codes} ${results.map((r) => r.stderr).join('')}`);
    const events = readEvents(file);
    const starts = events.filter((e) => e.kind === 'start').sort((x, y) => x.t - y.t);
    assert.equal(maxOverlap(events), 1, 'two copies ran at once');
    assert.equal(starts.length, codes.filter((c) => c === 0).length);
    assert.ok(starts.length >= 8, `only ${starts.length} runs in 30 s`);
    assert.ok(starts.some((s) => s.host === 'fleet-host-a') && starts.some((s) => s.host === 'fleet-host-b'), 'both hosts ran the job');
    assert.ok(starts.every((s, i) => i === 0 || s.token > (starts[i - 1] as JobEvent).token), `tokens ${starts.map((s) => s.token)}`);
  });

  test("SIGKILL of the holder's wrapper: the next start on its host adopts the orphan and the other host starts no second copy", async () => {
    const file = join(newBox().dir, 'runs');
    await orphanOnHostA('orphan', file, 5);
    const adopter = tick(hostA, 'orphan', job(file, 5));
    await until(() => hostA.events().some((e) => e.event === 'fleet-adopted'), 15_000, 'orphan adopted');
    const bTicks: Array<CliResult & { doneAt: number }> = [];
    while (readEvents(file).filter((e) => e.kind === 'end').length === 0) {
      const r = await tick(hostB, 'orphan', ['true']).done;
      bTicks.push({ ...r, doneAt: Date.now() });
      await sleep(300);
    }
    const adopted = await adopter.done;
    assert.equal(adopted.code, 75, adopted.stderr);
    // A tick that finished before the orphan's end must have been refused; the last tick may
    // overlap the end, and once the orphan is gone host B may rightly run.
    const orphanEnd = readEvents(file).find((e) => e.kind === 'end')?.t ?? Infinity;
    const whileAlive = bTicks.filter((r) => r.doneAt < orphanEnd);
    assert.ok(whileAlive.length > 0 && whileAlive.every((r) => r.code === 75), `host B while the orphan ran: ${bTicks.map((r) => `${r.code}@${r.doneAt - orphanEnd}ms`)}`);
    const after = await tick(hostB, 'orphan', job(file, 0)).done;
    assert.equal(after.code, 0, after.stderr);
    const events = readEvents(file);
    assert.equal(maxOverlap(events), 1);
    assert.deepEqual(events.map((e) => `${e.kind} ${e.host}`), ['start fleet-host-a', 'end fleet-host-a', 'start fleet-host-b', 'end fleet-host-b']);
  });

  test('another host took the lock between the SIGKILL and the adoption: both say so, and the late side exits 76', async () => {
    const file = join(newBox().dir, 'runs');
    await orphanOnHostA('conflict', file, 6);
    const early = tick(hostB, 'conflict', job(file, 4));
    await until(() => readEvents(file).filter((e) => e.host === 'fleet-host-b').length > 0, 15_000, 'job started on host B');
    const late = await tick(hostA, 'conflict', ['true']).done;
    assert.equal(late.code, 76, late.stderr);
    assert.match(late.stderr, /FLEET CONFLICT: the orphaned run on this host \(job pid \d+\) still runs, and host fleet-host-b .* holds the fleet lock: two copies are running/);
    const b = await early.done;
    assert.equal(b.code, 0);
    assert.match(b.stderr, /the previous holder, host fleet-host-a .*ended without releasing the fleet lock/);
    assert.match(b.stderr, /FLEET CONFLICT: host fleet-host-a still runs an orphaned copy of this job/);
    assert.ok(hostA.events().some((e) => e.event === 'fleet-conflict') && hostB.events().some((e) => e.event === 'fleet-conflict'));
  });
});
