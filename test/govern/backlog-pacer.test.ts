import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { BacklogPacer } from '../../src/govern/backlog-pacer.ts';
import { readPidStat } from '../../src/proc/processes.ts';
import { parseDiskstats } from '../../src/proc/parse-diskstats.ts';
import { needsRoot } from '../helpers/root.ts';
import { exclusiveLoad } from '../probe/helpers/load.ts';
import { scratchLoop, type ScratchLoop } from '../helpers/scratch-loop.ts';

/** SIGKILL a child's whole group and wait until the child is gone (its files no longer hold the mount busy). */
async function killGroup(child: ChildProcess): Promise<void> {
  const gone = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {}
  await gone;
}

/** A process in its own group running `script` (node), which prints "ready" once its files are open; killed by the test. */
async function holding(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `const fs = require('fs'); ${script}; console.log('ready'); setTimeout(() => {}, 30000);`], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  await new Promise((resolve, reject) => {
    child.stdout?.once('data', resolve);
    child.once('exit', () => reject(new Error('the writer could not open its file')));
  });
  return child;
}

const openFor = (file: string, flags: string): string => `fs.openSync(${JSON.stringify(file)}, ${flags})`;

describe('BacklogPacer.holdsJob on a real loop device', { skip: needsRoot('a loop device and /sys/class/bdi writes') }, () => {
  let dev: ScratchLoop | undefined;
  before(() => {
    dev = scratchLoop('ioguard-pacer-');
  });
  after(() => dev?.cleanup());

  /** What holdsJob says of a job running `script` after a few of the pacer's looks; `io` stands for the supervisor's totals. */
  type Held = { holds: boolean; bound: string[]; problems: string[] };
  async function heldFor(script: (mnt: string) => string, io?: { read: number; write: number }): Promise<Held> {
    const d = dev as ScratchLoop;
    const child = await holding(script(d.mnt));
    const pid = child.pid as number;
    const bound: string[] = [];
    const problems: string[] = [];
    const pacer = new BacklogPacer({
      bytes: 'auto', waitMs: 100, paths: [], guessedPaths: [], guessHoldMs: 10_000, ledgerDir: join(d.dir, 'ledgers'), job: 'pacer-test',
      roots: { procRoot: '/proc', sysRoot: '/sys' }, now: Date.now, intervalMs: 500,
      onBound: (b) => bound.push(b.device), onResize: () => {}, onRelease: () => {}, onProblem: (p) => problems.push(p),
    });
    let holds: boolean;
    try {
      await pacer.start();
      assert.equal(pacer.holdsJob(), false, 'nothing written yet');
      pacer.watch(pid, readPidStat(pid)?.starttime ?? 0, io && (() => io));
      // The first looks come every 50 ms; four of them, and the ledger's flock, fit in 400 ms.
      await sleep(400);
      holds = pacer.holdsJob();
    } finally {
      await pacer.stop();
      await killGroup(child);
    }
    assert.equal(pacer.holdsJob(), false, 'a stopped pacer holds nothing');
    assert.deepEqual(d.setting(), d.original);
    return { holds, bound, problems };
  }

  it('a job writing through the page cache on a bounded device: the bound holds its writes', async () => {
    const r = await heldFor((mnt) => openFor(join(mnt, 'buffered'), 'fs.constants.O_WRONLY | fs.constants.O_CREAT'));
    assert.deepEqual(r.bound, [(dev as ScratchLoop).majMin]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.holds, true);
  });

  it('a job writing with O_DIRECT: the device is bounded, but the bound does not hold its writes', async () => {
    const r = await heldFor((mnt) => openFor(join(mnt, 'direct'), 'fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT'));
    assert.deepEqual(r.bound, [(dev as ScratchLoop).majMin]);
    assert.equal(r.holds, false);
  });

  it('a job that also holds a block device open for writing: no filesystem\'s bound covers it', async () => {
    const loop = (dev as ScratchLoop).loop;
    const r = await heldFor((mnt) => `${openFor(join(mnt, 'beside'), 'fs.constants.O_WRONLY | fs.constants.O_CREAT')}; ${openFor(loop, 'fs.constants.O_RDWR')}`);
    assert.deepEqual(r.bound, [(dev as ScratchLoop).majMin], 'its file is bounded all the same');
    assert.equal(r.holds, false);
  });

  it('a job that reads far more than it writes (tar czf): the bound holds its writes, not its harm', async () => {
    const script = (mnt: string): string => openFor(join(mnt, 'archive'), 'fs.constants.O_WRONLY | fs.constants.O_CREAT');
    assert.equal((await heldFor(script, { read: 1 << 30, write: 100 << 20 })).holds, false);
    assert.equal((await heldFor(script, { read: 150 << 20, write: 100 << 20 })).holds, true, 'a copy reads what it writes');
  });

  it('sizes the bound by the page-cache writeback when another process\'s direct I/O fills the device', { timeout: 60_000 }, async (t) => {
    const d = dev as ScratchLoop;
    const sectors = (): number => parseDiskstats(readFileSync('/proc/diskstats', 'utf8')).find((x) => `${x.major}:${x.minor}` === d.majMin)?.writeSectors ?? 0;
    await exclusiveLoad(async () => {
      // The tenant: 8 MiB O_DIRECT writes back to back, in a group of its own (not the job).
      const tenant = spawn('sh', ['-c', 'while :; do dd if=/dev/zero of="$0" bs=1M count=8 oflag=direct conv=notrunc status=none; done', join(d.mnt, 'tenant')], { detached: true, stdio: 'ignore' });
      // The job: 64 KiB buffered every 100 ms (~640 KB/s) through a descriptor its shell holds; the
      // machine's page-cache writeback (what the bound is sized by) is that and whatever else runs.
      const job = spawn('sh', ['-c', 'exec 3>>"$0"; while :; do head -c 65536 /dev/zero >&3; sleep 0.1; done', join(d.mnt, 'job')], { detached: true, stdio: 'ignore' });
      const problems: string[] = [];
      const pacer = new BacklogPacer({
        bytes: 'auto', waitMs: 100, paths: [], guessedPaths: [], guessHoldMs: 10_000, ledgerDir: join(d.dir, 'ledgers'), job: 'pacer-rate',
        roots: { procRoot: '/proc', sysRoot: '/sys' }, now: Date.now, intervalMs: 250,
        onBound: () => {}, onResize: () => {}, onRelease: () => {}, onProblem: (p) => problems.push(p),
      });
      try {
        await pacer.start();
        const [s0, t0] = [sectors(), Date.now()];
        pacer.watch(job.pid as number, readPidStat(job.pid as number)?.starttime ?? 0);
        await sleep(3000);
        const deviceRate = ((sectors() - s0) * 512 * 1000) / (Date.now() - t0);
        if (deviceRate * 0.1 < 4 << 20) return t.skip(`the tenant wrote only ${Math.round(deviceRate / 1e6)} MB/s: a device bound would be small anyway`);
        const bound = pacer.bounds.find((b) => b.device === d.majMin)?.bytes;
        assert.deepEqual(problems, []);
        assert.ok(bound !== undefined && bound <= 2 << 20, `bound ${bound} B, the device wrote ${Math.round(deviceRate / 1e6)} MB/s (a device-sized bound: ${Math.round(deviceRate / 10 / 1e6)} MB)`);
      } finally {
        await pacer.stop();
        await Promise.all([tenant, job].map(killGroup));
      }
    });
    assert.deepEqual(d.setting(), d.original);
  });
});

