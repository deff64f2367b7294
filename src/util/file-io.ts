import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** Read bytes [from, to) of an open file (to = its size when the caller stat'ed it). */
export function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, to - from));
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Open for reading without following a symlink; undefined when the file does not exist. */
export function openForReading(path: string): number | undefined {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Replace a file atomically: write a temp file in the same folder, then rename(2) it over the
 * target, so a reader (status, node_exporter) sees the old content or the new, never half.
 */
export function writeAtomically(path: string, data: string, mode = 0o600): void {
  // A fresh name created exclusively: in a folder others can write to (a metrics folder), nobody
  // can plant the temp file or a symlink for us to write through.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    try {
      writeSync(fd, data);
      // The mode asked for, whatever the umask; on the descriptor, so never through a swapped path.
      fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    // A full or vanished folder: leave no temp file behind (a run record's folder is read by status).
    try {
      unlinkSync(tmp);
    } catch {
      // The folder is gone.
    }
    throw error;
  }
}
