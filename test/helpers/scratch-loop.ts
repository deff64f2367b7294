import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBdiLimits, type BdiLimits } from '../../src/govern/bdi-limits.ts';

/** A device's bound setting without max_bytes, which moves with the global dirty limit (free memory). */
export type BdiSetting = Omit<BdiLimits, 'maxBytes'>;

export interface ScratchLoop {
  /** The private folder holding the image and the mount point. */
  dir: string;
  mnt: string;
  /** /dev/loopN and its MAJ:MIN. */
  loop: string;
  majMin: string;
  /** The kernel's default setting, as the device was reset to (compare restores with this). */
  original: BdiSetting;
  limits: () => BdiLimits;
  setting: () => BdiSetting;
  sysFile: (file: string) => string;
  write: (file: string, value: string | number) => void;
  /** Unmount, detach, put back the bdi settings the device had, remove the folder. */
  cleanup: () => void;
}

/**
 * A 32 MiB ext4 on a loop device in a private temp folder (root only), its bdi reset to the
 * kernel's defaults: loop devices keep bdi settings across detach, so a test starts from known ones
 * and puts back what it found. Direct I/O: a loop through the page cache would put the temp
 * folder's own disk under a bound too.
 */
export function scratchLoop(prefix: string): ScratchLoop {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  execFileSync('truncate', ['-s', '32M', join(dir, 'img')]);
  execFileSync('mkfs.ext4', ['-q', '-F', join(dir, 'img')]);
  const loop = execFileSync('losetup', ['--direct-io=on', '-f', '--show', join(dir, 'img')], { encoding: 'utf8' }).trim();
  execFileSync('mount', [loop, mnt]);
  const majMin = readFileSync(`/sys/block/${loop.replace('/dev/', '')}/dev`, 'utf8').trim();
  const sysFile = (file: string): string => `/sys/class/bdi/${majMin}/${file}`;
  const write = (file: string, value: string | number): void => writeFileSync(sysFile(file), String(value));
  const limits = (): BdiLimits => readBdiLimits(majMin, '/sys') as BdiLimits;
  const setting = (): BdiSetting => ({ strictLimit: limits().strictLimit, maxRatio: limits().maxRatio, maxRatioFine: limits().maxRatioFine });
  const found = limits();
  write('strict_limit', 0);
  write('max_ratio', 100);
  return {
    dir, mnt, loop, majMin, original: setting(), limits, setting, sysFile, write,
    cleanup: () => {
      write('max_ratio_fine', found.maxRatioFine ?? found.maxRatio * 10_000);
      write('strict_limit', found.strictLimit ? 1 : 0);
      try {
        execFileSync('umount', [mnt]);
      } catch {
        // Busy (a failed test left a process or a mount on it): detach it lazily rather than leave it mounted.
        try {
          execFileSync('umount', ['-l', mnt]);
        } catch {}
      }
      execFileSync('losetup', ['-d', loop]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
