import { accessSync, constants } from 'node:fs';
import { readProcFile } from './read-file.ts';

/** A signal file's text, or why there is none: absent on this kernel, or present but not readable. */
export type SignalRead =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' | 'unreadable'; path: string };

/**
 * Read a /proc or /sys file and tell "missing" (ENOENT: an older kernel, psi=0) from
 * "unreadable" (permissions, a directory): the first is a normal answer, the second is reported.
 */
export function readSignal(path: string): SignalRead {
  const text = readProcFile(path);
  if (text !== undefined) return { ok: true, text };
  // Only the failure path pays for the second syscall.
  try {
    accessSync(path, constants.F_OK);
    return { ok: false, reason: 'unreadable', path };
  } catch {
    return { ok: false, reason: 'missing', path };
  }
}
