import { constants, fstatSync } from 'node:fs';
import { openFds } from '../proc/open-files.ts';
import { readProcFile } from '../proc/read-file.ts';
import type { ProcRoots } from '../proc/roots.ts';

/** Most descriptors looked at per process: a job with thousands of open sockets costs no more than this. */
const MAX_FDS_PER_PROCESS = 256;
const O_ACCMODE = 0o3;

/** The open flags of a /proc/PID/fdinfo/FD text (`flags:\t0100001`, octal); undefined without that line. */
function fdinfoFlags(text: string): number | undefined {
  const m = /^flags:\s*([0-7]+)$/m.exec(text);
  return m ? Number.parseInt(m[1] as string, 8) : undefined;
}

/** True when an fdinfo text says the descriptor was opened for writing (O_WRONLY or O_RDWR). */
export function parseFdinfoWritable(text: string): boolean | undefined {
  const flags = fdinfoFlags(text);
  return flags === undefined ? undefined : (flags & O_ACCMODE) !== 0;
}

const O_APPEND = 0o2000;

/**
 * `dev:ino` of this process's stdout and stderr when they are files opened for appending (cron's
 * `>> /var/log/job.log 2>&1`): the caller's log, which the job inherits. A file the caller opened
 * with `>` (`ioguard run -- pg_dump db > /backup/db.sql`) is the job's output and is not left out.
 */
export function ownLogFiles(procRoot = '/proc'): Set<string> {
  const out = new Set<string>();
  for (const fd of [1, 2]) {
    try {
      const st = fstatSync(fd);
      const flags = fdinfoFlags(readProcFile(`${procRoot}/self/fdinfo/${fd}`) ?? '');
      if (st.isFile() && flags !== undefined && (flags & O_APPEND) !== 0) out.add(`${st.dev}:${st.ino}`);
    } catch {}
  }
  return out;
}

/** Written past the page cache (`O_DIRECT`, the platform's value): such writes leave no dirty backlog to bound. */
export function parseFdinfoDirect(text: string): boolean {
  return ((fdinfoFlags(text) ?? 0) & constants.O_DIRECT) !== 0;
}

/** A file a job holds open for writing, one per filesystem: where to look up its writeback devices. */
export interface WrittenFile {
  /** `/proc/PID/fd/N`, for the caller to map to the file's writeback devices. */
  path: string;
  /** Some descriptor on this filesystem writes with O_DIRECT (dirties no pages). */
  direct: boolean;
}

/** What a job's processes hold open for writing. */
export interface WrittenByJob {
  /** Regular files, one per filesystem (st_dev). */
  files: Map<number, WrittenFile>;
  /** Block devices written themselves (`dd of=/dev/sdb`), by number (st_rdev): no filesystem's bound covers them. */
  blockDevices: Set<number>;
}

/**
 * The regular files the given processes hold open for writing (but `ignore`, as `dev:ino`), one
 * per filesystem (st_dev), whether any of them is written with O_DIRECT, and the block devices
 * they hold open for writing themselves. Processes that are gone or not readable are skipped:
 * this is a sample, taken again on the next tick.
 */
export function writtenFilesByDevice(
  pids: readonly number[],
  roots: Pick<ProcRoots, 'procRoot'>,
  ignore: ReadonlySet<string> = new Set(),
): WrittenByJob {
  const out = new Map<number, WrittenFile>();
  const blockDevices = new Set<number>();
  for (const pid of pids) {
    for (const { fd, link, st } of openFds(pid, roots.procRoot, MAX_FDS_PER_PROCESS)) {
      const block = st.isBlockDevice();
      if (!(st.isFile() || block) || ignore.has(`${st.dev}:${st.ino}`)) continue;
      const seen = block ? undefined : out.get(st.dev);
      // Nothing more to learn: a device already listed, a filesystem already known to be written with O_DIRECT.
      if ((block && blockDevices.has(st.rdev)) || seen?.direct) continue;
      const info = readProcFile(`${roots.procRoot}/${pid}/fdinfo/${fd}`);
      if (info === undefined || !parseFdinfoWritable(info)) continue;
      if (block) blockDevices.add(st.rdev);
      else if (seen) seen.direct = parseFdinfoDirect(info);
      else out.set(st.dev, { path: link, direct: parseFdinfoDirect(info) });
    }
  }
  return { files: out, blockDevices };
}
