import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { boundBacklog } from '../../src/govern/backlog-bound.ts';
import { readBdiLimits } from '../../src/govern/bdi-limits.ts';
import { BIN } from '../helpers/cli.ts';
import { BLKIO, exclusiveLoad } from '../probe/helpers/load.ts';

// A test-sized run of docs/governor.md "Bounding the backlog": a buffered writer on a device held
// to 8 MiB/s with a 16 MiB dirty allowance, an O_DIRECT|O_DSYNC commit every 50 ms beside it.
const PROBE_C = new URL('../../bench/levers/direct-probe.c', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;
const noBlkio = !existsSync(`${BLKIO}/blkio.throttle.write_bps_device`) && 'no cgroup v1 blkio here';
const skip = (!isRoot && 'needs root: a loop device, a blkio rule and /sys/class/bdi writes') || noBlkio;
const p99 = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? Infinity;

describe('the backlog bound under a real throttled device', { skip }, () => {
  let dir = '';
  let loop = '';
  let mnt = '';
  let majMin = '';
  let saved: { fine: number; strict: boolean } | undefined;
  const bdi = (file: string, value: number): void => writeFileSync(`/sys/class/bdi/${majMin}/${file}`, String(value));

  before(() => {
    dir = mkdtempSync('/var/tmp/ioguard-bound-effect-');
    mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    execFileSync('gcc', ['-O2', '-o', join(dir, 'direct-probe'), PROBE_C]);
    execFileSync('truncate', ['-s', '256M', join(dir, 'img')]);
    loop = execFileSync('losetup', ['--direct-io=on', '-f', '--show', join(dir, 'img')], { encoding: 'utf8' }).trim();
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', loop]);
    execFileSync('mount', [loop, mnt]);
    majMin = readFileSync(`/sys/block/${loop.replace('/dev/', '')}/dev`, 'utf8').trim();
    const found = readBdiLimits(majMin, '/sys');
    saved = { fine: found?.maxRatioFine ?? 1_000_000, strict: found?.strictLimit ?? false };
    writeFileSync(`${BLKIO}/blkio.throttle.write_bps_device`, `${majMin} ${8 << 20}`);
    bdi('strict_limit', 1);
    bdi('max_bytes', 16 << 20);
  });
  after(() => {
    if (majMin) writeFileSync(`${BLKIO}/blkio.throttle.write_bps_device`, `${majMin} 0`);
    if (saved) {
      bdi('max_ratio_fine', saved.fine);
      bdi('strict_limit', saved.strict ? 1 : 0);
    }
    try {
      execFileSync('umount', [mnt]);
    } catch {}
    if (loop) execFileSync('losetup', ['-d', loop]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The probe's latencies (ms) and the job's time while a 32 MiB `dd conv=fsync` runs (bare, or with `wrap` in front). */
  async function arm(wrap: string[] = []): Promise<{ latencies: number[]; jobMs: number }> {
    execFileSync('sync');
    const probe = spawn(join(dir, 'direct-probe'), [join(mnt, 'commit'), '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    probe.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    const dd = ['if=/dev/zero', `of=${join(mnt, 'job')}`, 'bs=1M', 'count=32', 'conv=fsync', 'status=none'];
    const [cmd, ...args] = [...wrap, 'dd', ...dd] as [string, ...string[]];
    const job = spawn(cmd, args, { stdio: 'ignore' });
    assert.equal(await new Promise((r) => job.once('exit', r)), 0);
    const t1 = Date.now();
    probe.kill('SIGTERM');
    await new Promise((r) => probe.once('exit', r));
    rmSync(join(mnt, 'job'));
    const calls = out.trim().split('\n').map((l) => l.split(' ').map(Number));
    const latencies = calls.filter(([at]) => at !== undefined && at >= t0 && at <= t1).map(([, ms]) => ms ?? 0);
    return { latencies, jobMs: t1 - t0 };
  }

  const name = 'a foreground O_DIRECT commit\'s p99 is far below the same probe\'s without the bound, and the job is not slower';
  it(name, { timeout: 120_000 }, async () => {
    const { bare, bounded } = await exclusiveLoad(async () => {
      const bare = await arm();
      const held = await boundBacklog({ paths: [mnt], bytes: 1 << 20, ledgerDir: dir, job: 'effect' });
      assert.deepEqual(held.problems, []);
      try {
        return { bare, bounded: await arm() };
      } finally {
        for (const h of held.bounds) await h.release();
      }
    });
    const [a, b] = [p99(bare.latencies), p99(bounded.latencies)];
    // Without the bound a call takes seconds, so only a few fit in the job's time.
    const calls = `calls: ${bare.latencies.length} without, ${bounded.latencies.length} with`;
    assert.ok(bare.latencies.length >= 2 && bounded.latencies.length >= 20, calls);
    assert.ok(b < a / 2, `p99 with the bound ${b} ms, without ${a} ms`);
    assert.ok(bounded.jobMs < bare.jobMs * 1.5, `job ${bounded.jobMs} ms with the bound, ${bare.jobMs} ms without`);
  });

  it('under `ioguard run` with the default auto bound (no flag, no --path), the same probe\'s p99 is far below bare, and the device is restored', { timeout: 120_000 }, async () => {
    const box = join(dir, 'ioguard');
    // --on-pressure run --govern: the governor (and so the bound) as by default, without a gate another test's load could hold.
    const wrap = [process.execPath, BIN, 'run', '--name', 'effect', '--lock-dir', box, '--log-file', join(box, 'log'), '--on-pressure', 'run', '--govern', '--'];
    const before = readBdiLimits(majMin, '/sys');
    const { bare, paced } = await exclusiveLoad(async () => ({ bare: await arm(), paced: await arm(wrap) }));
    const [a, b] = [p99(bare.latencies), p99(paced.latencies)];
    assert.ok(paced.latencies.length >= 20, `calls: ${bare.latencies.length} bare, ${paced.latencies.length} under ioguard`);
    assert.ok(b < a / 2, `p99 under ioguard ${b} ms, bare ${a} ms`);
    const log = readFileSync(join(box, 'log'), 'utf8');
    assert.match(log, new RegExp(`"event":"backlog-bound".*"device":"${majMin}"`), 'the job\'s device was bounded');
    assert.deepEqual({ ...readBdiLimits(majMin, '/sys'), maxBytes: 0 }, { ...before, maxBytes: 0 }, 'restored after the run');
  });
});
