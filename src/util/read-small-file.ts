import { closeSync, fstatSync, readSync } from 'node:fs';
import { isIoguardError } from '../errors/ioguard-error.ts';
import { openForReading } from './file-io.ts';

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
    // A planted symlink or FIFO: the one line of openRegularFile, less the path the caller names.
    if (isIoguardError(error)) return { kind: 'bad', problem: error.message.slice(path.length + ' is '.length) };
    return { kind: 'bad', problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (fd === undefined) return { kind: 'missing' };
  try {
    const st = fstatSync(fd);
    if (st.size > max) return { kind: 'bad', problem: `${st.size} bytes, more than ${max}` };
    const buffer = Buffer.alloc(Math.min(st.size, max) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > max) return { kind: 'bad', problem: `more than ${max} bytes` };
    return { kind: 'ok', text: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    return { kind: 'bad', problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  } finally {
    closeSync(fd);
  }
}
