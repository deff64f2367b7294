import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { DEFAULT_BACKLOG_BYTES, boundBacklog, listBounds, restoreOrphanedBounds } from '../../src/govern/backlog-bound.ts';
import { readBdiLimits, type BdiLimits } from '../../src/govern/bdi-limits.ts';
import { boundInForce, ledgerPaths, parseLedger, serializeLedger } from '../../src/govern/bound-ledger.ts';
import type { BoundHolder, BoundLedger } from '../../src/govern/bound-ledger.ts';
import { scratchLoop, type ScratchLoop } from '../helpers/scratch-loop.ts';

const WORKER = new URL('../helpers/bound-worker.ts', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;
const since = '2026-01-01T00:00:00.000Z';
const holder = (bytes: number, token = 't'): BoundHolder => ({ token, pid: 1, starttime: 2, bootId: 'b', job: 'j', bytes, since });
type Setting = Omit<BdiLimits, 'maxBytes'>;
const loose: BdiLimits = { strictLimit: false, maxRatio: 100, maxRatioFine: 1_000_000, maxBytes: 4_000_000_000 };

describe('the bound ledger (pure)', () => {
  it('reads back what it wrote', () => {
    const l: BoundLedger = { device: '7:3', saved: loose, holders: [holder(1 << 20)] };
    assert.deepEqual(parseLedger(serializeLedger(l)), l);
  });
  it('refuses text that is not a ledger, so a damaged file never restores garbage', () => {
    assert.equal(parseLedger('{'), undefined);
    assert.equal(parseLedger(JSON.stringify({ device: 'x', saved: loose, holders: [] })), undefined);
    assert.equal(parseLedger(JSON.stringify({ device: '7:3', saved: { ...loose, maxRatio: -1 }, holders: [] })), undefined);
    assert.equal(parseLedger(JSON.stringify({ device: '7:3', saved: loose, holders: [{ pid: 1 }] })), undefined);
  });
  it('holds the smallest bound any holder asked for, and never loosens a stricter bound the device already had', () => {
    assert.equal(boundInForce([holder(1 << 20), holder(256 << 10)], loose), 256 << 10);
    assert.equal(boundInForce([holder(1 << 20)], { ...loose, strictLimit: true, maxBytes: 64 << 10 }), 64 << 10);
    assert.equal(boundInForce([holder(1 << 20)], { ...loose, strictLimit: false, maxBytes: 64 << 10 }), 1 << 20);
    assert.equal(boundInForce([], loose), undefined);
  });
});

const realDevice = { skip: !isRoot && 'needs root: a loop device and /sys/class/bdi writes' };

describe('the backlog bound on a real loop device', realDevice, () => {
  let dir = '';
  let mnt = '';
  let majMin = '';
  let lockDir = '';
  let original: Setting | undefined;
  const limits = (): BdiLimits => readBdiLimits(majMin, '/sys') as BdiLimits;
  // max_bytes is derived from the global dirty limit, which moves with free memory: compare the setting itself.
  const setting = (): Setting => ({ strictLimit: limits().strictLimit, maxRatio: limits().maxRatio, maxRatioFine: limits().maxRatioFine });
  /** A wrapper that bounds the backlog, then waits to be killed. */
  const worker = (bytes: number) =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, mnt, lockDir, String(bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const write = (file: string, value: string | number): void => writeFileSync(`/sys/class/bdi/${majMin}/${file}`, String(value));

  let dev: ScratchLoop | undefined;
  before(() => {
    dev = scratchLoop('ioguard-bound-');
    ({ dir, mnt, majMin, original } = dev);
    lockDir = join(dir, 'locks');
    mkdirSync(lockDir, { mode: 0o700 });
  });
  after(() => dev?.cleanup());

  it('sets strict_limit 1 and max_bytes on the device of the path while held, and puts back what it found after release', async () => {
    const r = await boundBacklog({ paths: [join(mnt, 'sub', '..')], bytes: DEFAULT_BACKLOG_BYTES, ledgerDir: lockDir, job: 'one' });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.bounds.map((b) => b.device), [majMin]);
    assert.equal(limits().strictLimit, true);
    assert.ok(Math.abs((limits().maxBytes ?? 0) - DEFAULT_BACKLOG_BYTES) < 64 * 1024, `max_bytes ${limits().maxBytes}`);
    assert.equal(listBounds(lockDir)[0]?.holders[0]?.job, 'one');
    await r.bounds[0]!.release();
    assert.deepEqual(setting(), original);
    assert.equal(existsSync(ledgerPaths(lockDir, majMin).ledger), false);
  });

  it('two jobs on one device: the first to end leaves the bound, the second restores the device', async () => {
    const a = await boundBacklog({ paths: [mnt], bytes: 1 << 20, ledgerDir: lockDir, job: 'a' });
    const b = await boundBacklog({ paths: [mnt], bytes: 1 << 20, ledgerDir: lockDir, job: 'b' });
    assert.equal(listBounds(lockDir)[0]?.holders.length, 2);
    await a.bounds[0]!.release();
    assert.equal(limits().strictLimit, true, 'b still runs: the bound stays');
    await a.bounds[0]!.release();
    assert.equal(limits().strictLimit, true, 'a second release of a is a no-op');
    await b.bounds[0]!.release();
    assert.deepEqual(setting(), original);
  });

  it('a SIGKILLed wrapper leaves the bound; the next run restores the device to what it was before that wrapper', async () => {
    const child = worker(256 << 10);
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    assert.deepEqual(JSON.parse(line), { devices: [majMin], problems: [] });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(limits().strictLimit, true, 'nothing ran to restore it');
    assert.deepEqual(await restoreOrphanedBounds(lockDir), [majMin]);
    assert.deepEqual(setting(), original);
    assert.deepEqual(listBounds(lockDir), []);
  });

  it('a run that finds a dead holder restores that holder\'s original on its own release, not the dead one\'s bound', async () => {
    const child = worker(64 << 10);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = await boundBacklog({ paths: [mnt], bytes: 1 << 20, ledgerDir: lockDir, job: 'next' });
    assert.equal(r.bounds[0]?.bytes, 1 << 20, 'the dead holder\'s 64 KiB no longer counts');
    await r.bounds[0]!.release();
    assert.deepEqual(setting(), original);
  });

  it('keeps a stricter bound the device already had and restores it as it was', async () => {
    write('max_bytes', 128 << 10);
    write('strict_limit', 1);
    const before = setting();
    try {
      const r = await boundBacklog({ paths: [mnt], bytes: 1 << 20, ledgerDir: lockDir, job: 'loose' });
      assert.ok((limits().maxBytes ?? Infinity) <= (128 << 10) + 4096, `max_bytes ${limits().maxBytes}`);
      await r.bounds[0]!.release();
      assert.deepEqual(setting(), before);
    } finally {
      write('strict_limit', 0);
      write('max_ratio', 100);
    }
  });

  it('under a loop device that writes through the page cache, bounds the lower device as well and restores both', async () => {
    const upperImg = join(mnt, 'upper.img');
    const upperMnt = join(dir, 'upper');
    mkdirSync(upperMnt);
    execFileSync('truncate', ['-s', '16M', upperImg]);
    execFileSync('mkfs.ext4', ['-q', '-F', upperImg]);
    const upper = execFileSync('losetup', ['--direct-io=off', '-f', '--show', upperImg], { encoding: 'utf8' }).trim();
    try {
      execFileSync('mount', [upper, upperMnt]);
      const upperMajMin = readFileSync(`/sys/block/${upper.replace('/dev/', '')}/dev`, 'utf8').trim();
      const upperBefore = readBdiLimits(upperMajMin, '/sys') as BdiLimits;
      const r = await boundBacklog({ paths: [upperMnt], bytes: 1 << 20, ledgerDir: lockDir, job: 'stacked' });
      assert.deepEqual(r.bounds.map((b) => b.device), [upperMajMin, majMin]);
      assert.equal(limits().strictLimit, true, 'the lower device holds the upper one\'s writeback');
      for (const h of r.bounds) await h.release();
      assert.deepEqual(setting(), original);
      const upperAfter = readBdiLimits(upperMajMin, '/sys') as BdiLimits;
      assert.deepEqual([upperAfter.strictLimit, upperAfter.maxRatioFine], [upperBefore.strictLimit, upperBefore.maxRatioFine]);
    } finally {
      try {
        execFileSync('umount', [upperMnt]);
      } catch {}
      execFileSync('losetup', ['-d', upper]);
    }
  });

  it('names a path without a writeback device (tmpfs) as a problem and bounds nothing', async () => {
    const r = await boundBacklog({ paths: ['/dev/shm'], bytes: 1 << 20, ledgerDir: lockDir, job: 'shm' });
    assert.deepEqual(r.bounds, []);
    assert.match(r.problems[0] ?? '', /no writeback device \(tmpfs/);
  });
});

describe('the backlog bound on a fixture /sys (the writes the kernel may refuse)', { skip: !isRoot && 'needs root: boundBacklog refuses to bound as another user' }, () => {
  const READ_ONLY_NUMBER = '/sys/kernel/mm/transparent_hugepage/hpage_pmd_size';
  let sys = '';
  const bdi = (file: string): string => join(sys, 'class', 'bdi', '9:9', file);
  const read = (file: string): string => readFileSync(bdi(file), 'utf8').trim();
  const ledgerDir = (): string => join(sys, 'ledgers');
  /** A bdi folder as the kernel shows a loose device: strict_limit 0, the whole share; max_bytes a plain file or a link to one that refuses writes. */
  const fixture = (maxBytes: number | 'refuses writes'): void => {
    sys = mkdtempSync(join(tmpdir(), 'ioguard-fixture-sys-'));
    mkdirSync(join(sys, 'class', 'bdi', '9:9'), { recursive: true });
    writeFileSync(bdi('strict_limit'), '0\n');
    writeFileSync(bdi('max_ratio'), '100\n');
    writeFileSync(bdi('max_ratio_fine'), '1000000\n');
    if (maxBytes === 'refuses writes') symlinkSync(READ_ONLY_NUMBER, bdi('max_bytes'));
    else writeFileSync(bdi('max_bytes'), `${maxBytes}\n`);
  };
  afterEach(() => rmSync(sys, { recursive: true, force: true }));

  it('a refused max_bytes write puts the device back as it was and leaves no ledger behind', async (t) => {
    if (!existsSync(READ_ONLY_NUMBER)) return t.skip(`no ${READ_ONLY_NUMBER} to stand for a refused write`);
    fixture('refuses writes');
    const r = await boundBacklog({ paths: [], devices: ['9:9'], bytes: 1 << 20, ledgerDir: ledgerDir(), job: 'refused', roots: { procRoot: '/proc', sysRoot: sys } });
    assert.deepEqual(r.bounds, []);
    // EACCES where /sys is writable, EROFS in a container that mounts it read-only.
    assert.match(r.problems.join('\n'), /^9:9: cannot bound the backlog \((EACCES|EROFS|EPERM)\)$/);
    assert.equal(read('strict_limit'), '0');
    assert.equal(read('max_ratio_fine'), '1000000');
    assert.deepEqual(listBounds(ledgerDir()), [], 'no ledger that a later run would "restore" from');
  });

  it('a bound above the global dirty limit is held to 90% of it (the kernel would refuse it with EINVAL)', async () => {
    fixture(100 << 20);
    const r = await boundBacklog({ paths: [], devices: ['9:9'], bytes: 200 << 20, ledgerDir: ledgerDir(), job: 'capped', roots: { procRoot: '/proc', sysRoot: sys } });
    assert.deepEqual(r.problems, []);
    assert.equal(r.bounds[0]?.bytes, Math.floor((100 << 20) * 0.9));
    assert.equal(Number(read('max_bytes')), Math.floor((100 << 20) * 0.9));
    assert.equal(read('strict_limit'), '1');
    await r.bounds[0]?.release();
    assert.equal(read('strict_limit'), '0');
    assert.equal(read('max_ratio_fine'), '1000000');
  });
});
