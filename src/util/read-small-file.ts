import { closeSync, fstatSync } from 'node:fs';
import { NotRegularFileError, notRegularProblem, openForReading, readRange } from './file-io.ts';

/** State files (a run record, a wait file) are a few kilobytes; anything past this is not one, and reading it whole would cost the memory. */
export const MAX_SMALL_FILE_BYTES = 1 << 20;

export type SmallFileRead = { kind: 'missing' } | { kind: 'ok'; text: string } | { kind: 'bad'; problem: string };

/**
 * Read a small state file someone else could have replaced: never follow a symlink, never block
 * (a FIFO would hang every start and ignore SIGTERM while we hold the lock), accept only a regular
 * file, and read at most `max` bytes.
 */
export function readSmallFile(path: string, max = MAX_SMALL_FILE_BYTES): SmallFileRead {
  let fd: number | undefined;
  try {
    fd = openForReading(path);
  } catch (error) {
    // A planted symlink or FIFO: the problem of openRegularFile's line, less the path the caller names.
    if (error instanceof NotRegularFileError) return { kind: 'bad', problem: notRegularProblem(error.fileKind) };
    return { kind: 'bad', problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (fd === undefined) return { kind: 'missing' };
  try {
    const st = fstatSync(fd);
    if (st.size > max) return { kind: 'bad', problem: `${st.size} bytes, more than ${max}` };
    // One byte past the bound: a file grown since the fstat shows as too big rather than cut.
    const bytes = readRange(fd, 0, Math.min(st.size, max) + 1);
    if (bytes.length > max) return { kind: 'bad', problem: `more than ${max} bytes` };
    return { kind: 'ok', text: bytes.toString('utf8') };
  } catch (error) {
    return { kind: 'bad', problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  } finally {
    closeSync(fd);
  }
}
