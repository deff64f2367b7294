import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, statSync } from 'node:fs';
import { IoguardError } from '../errors/ioguard-error.ts';
import { NotRegularFileError, openRegularFile } from '../util/file-io.ts';

// flock(1) locks an inherited descriptor: the lock belongs to the open file description we share
// with it, so it stays ours after flock exits and the kernel drops it when we die, even by SIGKILL.
// Node has no flock(2); this costs one ~2.5 ms exec (docs/decisions.md).
const CONFLICT = 75;

/** Where util-linux installs flock(1); searched in this order, never through $PATH. */
export const FLOCK_CANDIDATES: readonly string[] = ['/usr/bin/flock', '/bin/flock', '/usr/sbin/flock', '/sbin/flock', '/usr/local/bin/flock'];
let flockPath: string | undefined;

/**
 * The flock(1) binary, found once by absolute path: a root wrapper run from cron must not exec
 * whatever `flock` comes first on a PATH a user may write to. Only a regular executable that
 * no one but its owner (root or this user) may write qualifies.
 */
export function flockBinary(candidates: readonly string[] = FLOCK_CANDIDATES): string {
  if (flockPath !== undefined && candidates === FLOCK_CANDIDATES) return flockPath;
  const uid = process.getuid?.() ?? 0;
  for (const path of candidates) {
    try {
      const st = statSync(path);
      if (st.isFile() && (st.mode & 0o111) !== 0 && (st.mode & 0o022) === 0 && (st.uid === 0 || st.uid === uid)) {
        if (candidates === FLOCK_CANDIDATES) flockPath = path;
        return path;
      }
    } catch {
      // Not there: try the next place.
    }
  }
  throw new IoguardError('ERR_LOCK', `flock(1) from util-linux is not installed (looked in ${candidates.join(', ')})`);
}

/** Open (creating) a lock file without following symlinks. The fd is close-on-exec: jobs never inherit it. */
export function openLockFile(path: string): number {
  try {
    // openRegularFile: O_NOFOLLOW, O_NONBLOCK (a planted FIFO must not hang the open), regular files only.
    return openRegularFile(path, constants.O_RDWR | constants.O_CREAT);
  } catch (error) {
    if (error instanceof NotRegularFileError) throw new IoguardError('ERR_LOCK', `lock file ${path} is not a regular file; remove it`, { cause: error });
    throw new IoguardError('ERR_LOCK', `cannot open lock file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

/** True when `path` still names the file open as `fd`: a lock on a file unlinked meanwhile excludes no one. */
export function stillNamed(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function outcome(status: number | null, error: Error | undefined, path: string): boolean {
  if (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? 'flock(1) from util-linux is not installed' : String(code ?? error.message);
    throw new IoguardError('ERR_LOCK', `cannot lock ${path}: ${hint}`, { cause: error });
  }
  if (status === 0) return true;
  if (status === CONFLICT) return false;
  throw new IoguardError('ERR_LOCK', `cannot lock ${path}: flock exited with ${status}`);
}

/** Try once, without waiting. True when this process now holds the exclusive lock. */
export function tryFlock(fd: number, path: string): boolean {
  const r = spawnSync(flockBinary(), ['-n', '-E', String(CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
  return outcome(r.status, r.error, path);
}

/** Wait up to `ms` for the lock without blocking the event loop. Resolves false on timeout or abort. */
export function waitFlock(fd: number, path: string, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const seconds = Math.max(0.01, ms / 1000).toFixed(2);
    const child = spawn(flockBinary(), ['-w', seconds, '-E', String(CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
    const onAbort = (): void => void child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => reject(new IoguardError('ERR_LOCK', `cannot lock ${path}: ${error.message}`, { cause: error })));
    child.once('exit', (status) => {
      signal?.removeEventListener('abort', onAbort);
      if (status === null) return resolve(false);
      try {
        resolve(outcome(status, undefined, path));
      } catch (error) {
        reject(error);
      }
    });
  });
}

export function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: the lock is released either way.
  }
}
