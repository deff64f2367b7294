import { readFileSync, writeFileSync } from 'node:fs';
import { resolvePathDevices } from '../proc/path-devices.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';

/**
 * A device's writeback allowance, as /sys/class/bdi/MAJ:MIN/ shows it. `maxRatioFine` (millionths,
 * kernel 6.2+) is the kernel's own unit for the share; `max_bytes` is derived from it and the
 * global dirty limit, so saving the fine ratio (else `max_ratio`) and `strict_limit` restores a
 * device exactly.
 */
export interface BdiLimits {
  strictLimit: boolean;
  maxRatio: number;
  maxRatioFine: number | undefined;
  maxBytes: number | undefined;
}

export const bdiDir = (majMin: string, sysRoot: string): string => `${sysRoot}/class/bdi/${majMin}`;

/** Undefined when the device has no bdi folder or no `max_ratio` (not a writeback device). */
export function readBdiLimits(majMin: string, sysRoot: string): BdiLimits | undefined {
  const dir = bdiDir(majMin, sysRoot);
  const num = (file: string): number | undefined => {
    const text = readProcFile(`${dir}/${file}`)?.trim();
    return text === undefined || !/^\d+$/.test(text) ? undefined : Number(text);
  };
  const maxRatio = num('max_ratio');
  if (maxRatio === undefined) return undefined;
  return { strictLimit: num('strict_limit') === 1, maxRatio, maxRatioFine: num('max_ratio_fine'), maxBytes: num('max_bytes') };
}

/** Set strict_limit 1 and max_bytes; throws the errno error of the write that failed. */
export function writeBdiBound(majMin: string, bytes: number, sysRoot: string): void {
  const dir = bdiDir(majMin, sysRoot);
  writeFileSync(`${dir}/max_bytes`, String(bytes));
  writeFileSync(`${dir}/strict_limit`, '1');
}

/** Put back what `readBdiLimits` saw: the share first (fine form when there is one), then strict_limit. */
export function writeBdiLimits(majMin: string, saved: BdiLimits, sysRoot: string): void {
  const dir = bdiDir(majMin, sysRoot);
  if (saved.maxRatioFine !== undefined) writeFileSync(`${dir}/max_ratio_fine`, String(saved.maxRatioFine));
  else writeFileSync(`${dir}/max_ratio`, String(saved.maxRatio));
  writeFileSync(`${dir}/strict_limit`, saved.strictLimit ? '1' : '0');
}

const MAX_CHAIN = 8;

/** Why a path has no writeback device to bound, and its filesystem's type when known (tmpfs, overlay). */
export interface PathProblem {
  problem: string;
  fsType?: string;
}

/** A loop device's backing file when the loop writes through the page cache (direct I/O off). */
function bufferedBacking(majMin: string, sysRoot: string): string | undefined {
  const dir = `${sysRoot}/dev/block/${majMin}/loop`;
  if (readProcFile(`${dir}/dio`)?.trim() !== '0') return undefined;
  return readProcFile(`${dir}/backing_file`)?.trim() || undefined;
}

/**
 * The bdi of one path's filesystem: its whole disk (a partition shares its disk's bdi), or its own
 * anonymous device (NFS, FUSE). On overlay, resolvePathDevices gives the upper layer's disks; an
 * upper layer on no disk (tmpfs, NFS) is looked up once more, and one on another overlay counts as
 * out of sight.
 */
function bdiOfOne(path: string, roots: ProcRoots, intoUpper = true): string | PathProblem {
  let found;
  try {
    found = resolvePathDevices(path, roots);
  } catch (error) {
    return { problem: `${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  if (intoUpper && found.upperPath !== undefined && found.disks.length === 0) {
    const below = bdiOfOne(found.upperPath, roots, false);
    if (typeof below === 'string' || below.fsType !== 'overlay') return below;
  }
  const candidates = [found.dev];
  const disk = found.disks[0];
  if (disk !== undefined) {
    try {
      candidates.unshift(readFileSync(`${roots.sysRoot}/block/${disk.replaceAll('/', '!')}/dev`, 'utf8').trim());
    } catch {}
  }
  const majMin = candidates.find((c) => readBdiLimits(c, roots.sysRoot) !== undefined);
  if (majMin !== undefined) return majMin;
  return {
    problem: `${path}: no writeback device (${found.fsType ?? 'unknown'} on ${found.dev})`,
    ...(found.fsType ? { fsType: found.fsType } : {}),
  };
}

/**
 * The bdis that hold a path's backlog: its filesystem's, and, where that is a loop device writing
 * through the page cache (direct I/O off), the backing file's filesystem's too, and so on down:
 * those pages queue at the lower device. A loop with direct I/O, dm and md add no page cache of
 * their own. overlay has no writeback of its own: what is written through it is the upper layer's
 * file, so the chain goes on at `upperdir`. A `problem` says why a path has none (tmpfs; an
 * overlay whose upper layer this mount namespace cannot see, as inside a container).
 */
export function bdisOfPath(path: string, roots: ProcRoots): string[] | PathProblem {
  const out: string[] = [];
  let next: string | undefined = path;
  while (next !== undefined && out.length < MAX_CHAIN) {
    const bdi = bdiOfOne(next, roots);
    if (typeof bdi !== 'string') return out.length > 0 ? out : bdi;
    if (out.includes(bdi)) break;
    out.push(bdi);
    next = bufferedBacking(bdi, roots.sysRoot);
  }
  return out;
}
