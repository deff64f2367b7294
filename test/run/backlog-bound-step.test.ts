import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBdiLimits, type BdiLimits } from '../../src/govern/bdi-limits.ts';
import { boundLedgerDir, listBounds } from '../../src/govern/backlog-bound.ts';
import { historyPaths } from '../../src/history/paths.ts';
import { listJobs, type JobStatus } from '../../src/status/list-jobs.ts';
import { runIoguard, sandbox, startIoguard, type Sandbox } from '../helpers/cli.ts';
import { needsRoot } from '../helpers/root.ts';
import { scratchLoop, type ScratchLoop } from '../helpers/scratch-loop.ts';

type Setting = Omit<BdiLimits, 'maxBytes'>;

describe('--bound-backlog on a real loop device', { skip: needsRoot('a loop device and /sys/class/bdi writes') }, () => {
  let mnt = '';
  let majMin = '';
  let original: Setting | undefined;
  let b: Sandbox;
  const limits = (): BdiLimits => readBdiLimits(majMin, '/sys') as BdiLimits;
  // max_bytes moves with the global dirty limit (free memory): compare the setting itself.
  const setting = (): Setting => ({ strictLimit: limits().strictLimit, maxRatio: limits().maxRatio, maxRatioFine: limits().maxRatioFine });
  const sysFile = (file: string): string => `/sys/class/bdi/${majMin}/${file}`;
  /** `ioguard run` with the governor on (and no gate: these tests are about the bound, not the machine's load). */
  const args = (name: string, extra: string[], ...job: string[]): string[] =>
    ['run', '--name', name, '--no-gate', '--govern', '--path', mnt, ...extra, '--', ...job];
  /** A job that writes what the device's max_bytes and strict_limit read while it runs, then does `then`. */
  const probe = (out: string, then = 'exit 0'): string[] => ['sh', '-c', `cat ${sysFile('strict_limit')} ${sysFile('max_bytes')} > ${out}; ${then}`];
  const seen = (out: string): { strict: number; maxBytes: number } => {
    const [strict, maxBytes] = readFileSync(out, 'utf8').trim().split('\n').map(Number);
    return { strict: strict as number, maxBytes: maxBytes as number };
  };
  /** The machine's ledger of this test's device (other tests may bound other devices meanwhile). */
  const ledgers = () => listBounds(boundLedgerDir()).filter((l) => l.device === majMin);
  const nearly = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 64 * 1024, `max_bytes ${actual}, asked ${expected}`);

  let dev: ScratchLoop | undefined;
  before(() => {
    dev = scratchLoop('ioguard-bound-step-');
    ({ mnt, majMin, original } = dev);
    b = sandbox();
  });
  after(() => {
    b?.cleanup();
    dev?.cleanup();
  });

  it('a completed job ran under the bound on its --path device, and the device is restored after', async () => {
    const out = join(b.dir, 'completed');
    const r = await runIoguard(args('completed', ['--bound-backlog', '256K'], ...probe(out)), { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen(out).strict, 1);
    nearly(seen(out).maxBytes, 256 << 10);
    assert.deepEqual(setting(), original);
    assert.deepEqual(ledgers(), []);
    const history = readFileSync(historyPaths(b.lockDir, 'completed').history, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(history.at(-1)?.backlogBoundBytes, 256 << 10);
    const line = b.events().find((e) => e.event === 'backlog-bound' && e.device === majMin);
    assert.match(String(line?.msg), /held to 256 KiB \(strict_limit 1, max_bytes 262144; --path\).*was strict_limit 0, max_ratio 100/);
  });

  it('a failed job: the bound is released too', async () => {
    const out = join(b.dir, 'failed');
    const r = await runIoguard(args('failed', ['--bound-backlog', '1M'], ...probe(out, 'exit 3')), { env: b.env });
    assert.equal(r.code, 3);
    nearly(seen(out).maxBytes, 1 << 20);
    assert.deepEqual(setting(), original);
  });

  it('a timed-out job: the bound is released too', async () => {
    const out = join(b.dir, 'timed-out');
    const r = await runIoguard(args('timed-out', ['--bound-backlog', '1M', '--timeout', '1s', '--kill-after', '1s'], ...probe(out, 'sleep 30')), { env: b.env });
    assert.equal(r.code, 124);
    assert.equal(seen(out).strict, 1);
    assert.deepEqual(setting(), original);
  });

  it('a SIGKILLed wrapper leaves the bound; the next governed run, whatever it writes, restores the device', async () => {
    const out = join(b.dir, 'killed');
    const child = startIoguard(args('killed', ['--bound-backlog', '1M'], ...probe(out, 'sleep 30')), { env: b.env, detached: true });
    await waitFor(() => { try { return seen(out).strict === 1; } catch { return false; } });
    child.kill('SIGKILL');
    await child.exited;
    assert.equal(limits().strictLimit, true, 'nothing ran to restore it');
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
    const r = await runIoguard(['run', '--name', 'next', '--no-gate', '--govern', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(setting(), original);
    assert.ok(b.events().some((e) => e.event === 'backlog-restored' && e.device === majMin));
  });

  it('two concurrent jobs on one device: the first to end leaves the bound, the second restores it; status shows it', async () => {
    const gate = join(b.dir, 'release-long');
    const long = startIoguard(args('long', ['--bound-backlog', '1M'], 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done`), { env: b.env });
    // Whatever fails below, the long job ends, so that its bound does not outlive this test.
    try {
      await waitFor(() => ledgers().some((l) => l.holders.length === 1));
      // The pace appears with the supervisor's first record write, a moment after the bound.
      let row: JobStatus | undefined;
      for (let i = 0; i < 100 && row?.ranPercent == null; i++) {
        row = (await listJobs({ lockDir: b.lockDir, usage: false })).find((r) => r.name === 'long');
        await new Promise((r) => setTimeout(r, 50));
      }
      // The job also names the gate file's folder: that device may be bounded too (a guess, let go after 10 s).
      assert.deepEqual(row?.backlogBound?.filter((d) => d.device === majMin), [{ device: majMin, bytes: 1 << 20 }]);
      assert.equal(typeof row?.ranPercent, 'number', 'a governed run has a pace');
      const short = await runIoguard(args('short', ['--bound-backlog', '1M'], 'true'), { env: b.env });
      assert.equal(short.code, 0, short.stderr);
      assert.equal(limits().strictLimit, true, 'long still runs: the bound stays');
    } finally {
      writeFileSync(gate, '');
    }
    assert.equal((await long.done).code, 0);
    assert.deepEqual(setting(), original);
  });

  it('--no-govern, or --bound-backlog off: the device is left as it is', async () => {
    for (const [name, extra] of [['no-govern', ['--no-govern', '--bound-backlog', '1M']], ['no-govern-auto', ['--no-govern']], ['off', ['--bound-backlog', 'off']]] as const) {
      const out = join(b.dir, name);
      const argv = ['run', '--name', name, '--no-gate', '--path', mnt, ...extra, '--', ...probe(out)];
      const r = await runIoguard(argv, { env: b.env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(seen(out).strict, 0, name);
      assert.deepEqual(setting(), original);
    }
  });

  it('by default (auto), a device the job holds a file open on for writing is bounded while it writes, and restored after', async () => {
    const out = join(b.dir, 'auto');
    // No --path, and the command does not name the device: the job opens a file there ($F) and reads the device's settings a while later.
    const job = ['sh', '-c', `exec 3>"$F"; sleep 1.5; cat ${sysFile('strict_limit')} ${sysFile('max_bytes')} > ${out}`];
    const r = await runIoguard(['run', '--name', 'auto', '--no-gate', '--govern', '--', ...job], { env: { ...b.env, F: join(mnt, 'auto-file') } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen(out).strict, 1, 'bounded while the job wrote there');
    assert.ok(seen(out).maxBytes >= (512 << 10) - 64 * 1024, `at least the 512 KiB floor: ${seen(out).maxBytes}`);
    assert.deepEqual(setting(), original);
    assert.deepEqual(ledgers(), []);
    const line = b.events().find((e) => e.job === 'auto' && e.event === 'backlog-bound' && e.device === majMin);
    assert.equal(line?.why, 'the job writes there');
  });

  it('a job that only reads the device does not bound it', async () => {
    writeFileSync(join(mnt, 'read-me'), 'x');
    const out = join(b.dir, 'reader');
    const job = ['sh', '-c', `exec 3<"$F"; sleep 1.5; cat ${sysFile('strict_limit')} ${sysFile('max_bytes')} > ${out}`];
    const r = await runIoguard(['run', '--name', 'reader', '--no-gate', '--govern', '--', ...job], { env: { ...b.env, F: join(mnt, 'read-me') } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen(out).strict, 0);
  });

  it('a device the command names is bounded before the job starts, and let go after 10 s when the job never wrote there', { timeout: 60_000 }, async () => {
    const [early, late] = [join(b.dir, 'named-early'), join(b.dir, 'named-late')];
    const read = `cat ${sysFile('strict_limit')} ${sysFile('max_bytes')}`;
    const job = ['sh', '-c', `${read} > ${early}; sleep 11; ${read} > ${late}`, 'sh', join(mnt, 'named-only')];
    const r = await runIoguard(['run', '--name', 'named', '--no-gate', '--govern', '--', ...job], { env: b.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen(early).strict, 1, 'bounded from the first instruction of the job');
    assert.equal(seen(late).strict, 0, 'released once the job had not written there for 10 s');
    const events = b.events().filter((e) => e.job === 'named');
    assert.equal(events.find((e) => e.event === 'backlog-bound' && e.device === majMin)?.why, 'named in the command');
    assert.ok(events.some((e) => e.event === 'backlog-released' && /has not written there/.test(String(e.msg))));
    assert.deepEqual(setting(), original);
  });
});

describe('--bound-backlog values', () => {
  it('a size that is not one is refused with one line naming the flag', async () => {
    const b = sandbox();
    try {
      const r = await runIoguard(['run', '--no-gate', '--bound-backlog', 'lots', '--', 'true'], { env: b.env });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--bound-backlog/);
      const tiny = await runIoguard(['run', '--no-gate', '--bound-backlog', '12', '--', 'true'], { env: b.env });
      assert.equal(tiny.code, 2);
      assert.match(tiny.stderr, /--bound-backlog/);
    } finally {
      b.cleanup();
    }
  });
});

async function waitFor(ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
