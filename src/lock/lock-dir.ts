import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { IoguardError } from '../errors/ioguard-error.ts';
import { makeDir } from '../util/make-dir.ts';

export interface LockDirContext {
  env: NodeJS.ProcessEnv;
  uid: number;
}

/**
 * --lock-dir, else $IOGUARD_LOCK_DIR, else /run/ioguard for root (tmpfs: a reboot clears it), else
 * /tmp/ioguard-<uid>. Never $XDG_RUNTIME_DIR: a login shell sets it and cron does not, so the same
 * user's cron entry and manual run would lock in two folders (and logind removes it at logout).
 */
export function resolveLockDir(explicit: string | undefined, ctx: LockDirContext): string {
  if (explicit) return explicit;
  if (ctx.env.IOGUARD_LOCK_DIR) return ctx.env.IOGUARD_LOCK_DIR;
  if (ctx.uid === 0) return '/run/ioguard';
  return `/tmp/ioguard-${ctx.uid}`;
}

/**
 * Create the folder (0700) if missing, then refuse one another user could tamper with: a symlink
 * (it could point anywhere), one owned by someone else, or one writable by group or others
 * (they could swap records and make ioguard judge a stranger's processes).
 */
export function ensureLockDir(dir: string, uid: number, create = true): void {
  if (create) {
    try {
      makeDir(dir, 0o700);
    } catch (error) {
      throw new IoguardError('ERR_LOCK_DIR', `lock folder ${dir}: cannot create it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
  }
  let st;
  try {
    st = lstatSync(dir);
  } catch (error) {
    throw new IoguardError('ERR_LOCK_DIR', `lock folder ${dir}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  if (st.isSymbolicLink()) throw unsafe(dir, 'is a symbolic link');
  if (!st.isDirectory()) throw unsafe(dir, 'is not a directory');
  if (st.uid !== uid) throw unsafe(dir, `is owned by uid ${st.uid}, not by this user (uid ${uid})`);
  if ((st.mode & 0o022) !== 0) throw unsafe(dir, `is writable by other users (mode ${(st.mode & 0o777).toString(8)}); chmod go-w it`);
}

function unsafe(dir: string, why: string): IoguardError {
  return new IoguardError('ERR_LOCK_DIR_UNSAFE', `lock folder ${dir} ${why}; refusing to use it`);
}

/** The three files of one job: the flock target (never deleted), the run record, the waiter's lock. */
export function jobPaths(dir: string, name: string): { lock: string; record: string; wait: string } {
  return { lock: join(dir, `${name}.lock`), record: join(dir, `${name}.json`), wait: join(dir, `${name}.wait`) };
}
