import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { IoguardError } from '../errors/ioguard-error.ts';

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

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a device';
}

/** What is wrong with a planted file, without its path: `a FIFO, not a regular file; ...`. */
export function notRegularProblem(fileKind: string): string {
  return `${fileKind}, not a regular file; ioguard leaves it alone: remove it`;
}

/** A lock-folder file that is not a regular file; `fileKind` ('a FIFO', 'a symbolic link'...) for callers that say it their way. */
export class NotRegularFileError extends IoguardError {
  readonly fileKind: string;
  constructor(path: string, fileKind: string) {
    super('ERR_LOCK_DIR', `${path} is ${notRegularProblem(fileKind)}`);
    this.fileKind = fileKind;
  }
}

/** The one-line problem of a lock-folder file that is not a regular file: status shows it, a run logs it. */
function notRegularFile(path: string, what: string): IoguardError {
  return new NotRegularFileError(path, what);
}

/**
 * Open a file of the lock folder (history, summary, starvation, metrics) the one safe way, as
 * records and locks are: never through a symlink (O_NOFOLLOW), never blocking on a FIFO
 * (O_NONBLOCK: a planted FIFO hung the wrapper in open(2), deaf to SIGTERM), regular files only
 * (fstat after the open). ENOENT is thrown as is; anything planted is one IoguardError line.
 */
export function openRegularFile(path: string, flags: number, mode = 0o600): number {
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: the name is a symlink; ENXIO: a FIFO opened for writing with no reader.
    if (code === 'ELOOP') throw notRegularFile(path, 'a symbolic link');
    if (code === 'ENXIO') throw notRegularFile(path, 'a FIFO');
    throw error;
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw notRegularFile(path, kindOf(st));
  }
  return fd;
}

/** Open for reading (safely, see openRegularFile); undefined when the file does not exist. */
export function openForReading(path: string): number | undefined {
  try {
    return openRegularFile(path, constants.O_RDONLY);
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
