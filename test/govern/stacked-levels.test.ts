// The auto bound's wait is shared among stacked page-cache levels (src/govern/backlog-pacer.ts):
// an ext4 on a loop device that writes through the page cache (direct I/O off) of a file on
// another ext4 has two levels, and a foreground write waits behind both backlogs. Real loop
// devices, as root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BacklogPacer, type BoundWhy } from '../../src/govern/backlog-pacer.ts';
import { readBdiLimits } from '../../src/govern/bdi-limits.ts';
import { needsRoot } from '../helpers/root.ts';
import { scratchLoop, type ScratchLoop } from '../helpers/scratch-loop.ts';

interface Upper {
  mnt: string;
  majMin: string;
  cleanup: () => void;
}

/** An ext4 on a loop device (direct I/O off) whose image lives on `lower`'s filesystem. */
function upperOn(lower: ScratchLoop): Upper {
  const img = join(lower.mnt, 'upper.img');
  const mnt = join(lower.dir, 'upper-mnt');
  mkdirSync(mnt);
  execFileSync('truncate', ['-s', '16M', img]);
  execFileSync('mkfs.ext4', ['-q', '-F', img]);
  const loop = execFileSync('losetup', ['--direct-io=off', '-f', '--show', img], { encoding: 'utf8' }).trim();
  const majMin = readFileSync(`/sys/block/${loop.replace('/dev/', '')}/dev`, 'utf8').trim();
  execFileSync('mount', [loop, mnt]);
  return {
    mnt,
    majMin,
    cleanup: () => {
      try {
        execFileSync('umount', [mnt]);
      } catch {
        execFileSync('umount', ['-l', mnt]);
      }
      execFileSync('losetup', ['-d', loop]);
    },
  };
}

/** The devices a pacer bounds for `path` before any job runs, with the levels it counted for each. */
async function boundFor(path: string, dir: string): Promise<Array<{ device: string; levels: number; why: BoundWhy }>> {
  const seen: Array<{ device: string; levels: number; why: BoundWhy }> = [];
  const pacer = new BacklogPacer({
    bytes: 'auto', waitMs: 100, paths: [path], guessedPaths: [], guessHoldMs: 10_000, ledgerDir: join(dir, 'ledgers'), job: 'levels-test',
    roots: { procRoot: '/proc', sysRoot: '/sys' }, now: Date.now, intervalMs: 500,
    onBound: (b, why, levels) => seen.push({ device: b.device, levels, why }), onResize: () => {}, onRelease: () => {}, onProblem: () => {},
  });
  try {
    await pacer.start();
  } finally {
    await pacer.stop();
  }
  return seen;
}

describe('the auto bound on stacked page-cache levels', { skip: needsRoot('loop devices and /sys/class/bdi writes') }, () => {
  let lower: ScratchLoop | undefined;
  let upper: Upper | undefined;
  let upperWas: ReturnType<typeof readBdiLimits>;
  before(() => {
    lower = scratchLoop('ioguard-levels-');
    upper = upperOn(lower);
    upperWas = readBdiLimits(upper.majMin, '/sys');
  });
  after(() => {
    upper?.cleanup();
    lower?.cleanup();
  });

  it('a path on a loop that writes through the page cache: both devices bounded, each counted as one of 2 levels', async () => {
    const u = upper as Upper;
    const l = lower as ScratchLoop;
    const seen = await boundFor(u.mnt, l.dir);
    assert.deepEqual(seen.map((s) => s.device).sort(), [u.majMin, l.majMin].sort());
    assert.deepEqual(seen.map((s) => s.levels), [2, 2]);
    // Both restored once the pacer stopped.
    assert.deepEqual(l.setting(), l.original);
    assert.equal(readBdiLimits(u.majMin, '/sys')?.strictLimit, upperWas?.strictLimit);
  });

  it('a path on the lower filesystem alone: one level', async () => {
    const l = lower as ScratchLoop;
    const seen = await boundFor(l.mnt, l.dir);
    assert.deepEqual(seen.map((s) => [s.device, s.levels]), [[l.majMin, 1]]);
    assert.deepEqual(l.setting(), l.original);
  });
});
