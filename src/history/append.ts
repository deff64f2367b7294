import { closeSync, constants, fstatSync, readSync, statSync, writeSync } from 'node:fs';
import { openRegularFile } from '../util/file-io.ts';
import { serializeEntry, type HistoryEntry } from './entry.ts';
import { compactHistory, DEFAULT_RETENTION, type Retention } from './compact.ts';

export type HistoryPaths = { history: string; compactLock: string };

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

const NEWLINE = 10;

/** True when the file is empty or its last byte is a newline: one pread(2) of one byte, never a read of the file. */
function endsWithNewline(fd: number, size: number): boolean {
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NEWLINE;
}

/** Append one line with a single write(2); returns the inode written to and the size after it. */
function appendOnce(path: string, line: Buffer): { ino: number; size: number } {
  // O_RDWR for the one-byte pread below; O_APPEND still puts every write at the end.
  const fd = openRegularFile(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT);
  try {
    // A cut line (a crash, a full disk, a hand edit) must not swallow ours: start on a fresh line,
    // in the same write. Racing an appender costs at most an empty line, which readers skip.
    if (!endsWithNewline(fd, fstatSync(fd).size)) line = Buffer.concat([Buffer.from('\n'), line]);
    const n = writeSync(fd, line);
    // A short write (disk full) leaves a fragment: end it so only it is lost, not the next line too.
    if (n !== line.length) writeSync(fd, '\n');
    const st = fstatSync(fd);
    return { ino: st.ino, size: st.size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Append one invocation to the job's history, from any process, lock held or not.
 *
 * Concurrent appenders never tear or interleave: the file is opened O_APPEND and each line goes
 * out in one write(2), and on local filesystems (ext4, xfs, btrfs, tmpfs) the kernel takes the
 * inode lock for the whole write and moves to the end of file under it. (NFS emulates O_APPEND
 * on the client: keep the lock folder local.) Lines stay under one page, so a short write can only
 * come from a full disk.
 *
 * A compaction renames a new file over the path. A line written to the old file before the
 * compactor's last read is copied by the compactor; one written later would be lost, so after
 * writing, the appender checks that the path still names the file it wrote to, and appends again
 * if not. A line that ends up twice is folded once (entries carry an id).
 */
export function appendEntry(paths: HistoryPaths, entry: HistoryEntry, retention: Retention = DEFAULT_RETENTION, now = Date.now): { compacted: boolean } {
  const line = Buffer.from(serializeEntry(entry));
  let written = appendOnce(paths.history, line);
  for (let i = 0; i < 3 && inodeOf(paths.history) !== written.ino; i++) written = appendOnce(paths.history, line);
  if (written.size <= retention.compactAboveBytes) return { compacted: false };
  return { compacted: compactHistory(paths, retention, now()) };
}
