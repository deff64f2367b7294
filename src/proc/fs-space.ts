import { statfsSync } from 'node:fs';

/** Free space and inodes on the filesystem holding a path, as an unprivileged writer sees them (like df). */
export interface FsSpace {
  totalBytes: number;
  /** Bytes a non-root writer may still use (f_bavail): the root reserve does not count. */
  availableBytes: number;
  /** availableBytes / (used + available), the complement of df's Use%. */
  freePercent: number;
  totalInodes: number;
  freeInodes: number;
  /** undefined when the filesystem has no inode limit (btrfs, many FUSE and network filesystems report 0). */
  freeInodesPercent: number | undefined;
}

/** statfs in bigint, since block count × block size passes 2^53 on large arrays before it is scaled down. */
export function readFsSpace(path: string): FsSpace {
  const s = statfsSync(path, { bigint: true });
  const used = (s.blocks - s.bfree) * s.bsize;
  const available = s.bavail * s.bsize;
  const denominator = used + available;
  return {
    totalBytes: Number(s.blocks * s.bsize),
    availableBytes: Number(available),
    freePercent: denominator > 0n ? Number((available * 1_000_000n) / denominator) / 10_000 : 100,
    totalInodes: Number(s.files),
    freeInodes: Number(s.ffree),
    freeInodesPercent: s.files > 0n ? Number((s.ffree * 1_000_000n) / s.files) / 10_000 : undefined,
  };
}
