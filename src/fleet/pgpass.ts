import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The password file libpq documents (`hostname:port:database:username:password`, `*` for any,
 * `\:` and `\\` escaped, `#` comments), read by ioguard itself: pg's own pgpass path prints a
 * DeprecationWarning on every connection, two lines on stderr that cron mails every tick.
 */
export interface PgpassEntry {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

/** One line's five fields, or undefined for a comment, a blank or a malformed line (libpq skips those). */
export function parsePgpassLine(line: string): PgpassEntry | undefined {
  if (line.startsWith('#') || line.trim() === '') return undefined;
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) field += line[++i];
    else if (c === ':' && fields.length < 4) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  if (fields.length !== 5) return undefined;
  const [host, port, database, user, password] = fields as [string, string, string, string, string];
  return { host, port, database, user, password };
}

export interface PgpassTarget {
  host: string;
  port: number | string;
  database: string;
  user: string;
}

/** The password of the first entry that matches, as libpq picks it; a unix-socket host matches `localhost`. */
export function findPgpassPassword(text: string, t: PgpassTarget): string | undefined {
  const host = t.host.startsWith('/') ? 'localhost' : t.host;
  const want = [host, String(t.port), t.database, t.user];
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const e = parsePgpassLine(line);
    if (e && [e.host, e.port, e.database, e.user].every((v, i) => v === '*' || v === want[i])) return e.password;
  }
  return undefined;
}

/** Where libpq looks: PGPASSFILE, else ~/.pgpass. */
function pgpassPath(env: NodeJS.ProcessEnv): string | undefined {
  return env.PGPASSFILE ?? (env.HOME === undefined ? undefined : join(env.HOME, '.pgpass'));
}

/**
 * The password for a connection that asked for one: PGPASSWORD, else the pgpass file. As libpq:
 * a symlink is followed (the user's own file), the file must be regular and not readable by group
 * or others; O_NONBLOCK so a FIFO there cannot hang the run. A problem is the connection's error.
 */
export function readPgpassPassword(t: PgpassTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PGPASSWORD !== undefined) return env.PGPASSWORD;
  const path = pgpassPath(env);
  if (path === undefined) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read password file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`password file ${path} is not a plain file`);
    if ((st.mode & 0o077) !== 0) throw new Error(`password file ${path} has group or world access; permissions should be u=rw (0600) or less`);
    return findPgpassPassword(readFileSync(fd, 'utf8'), t);
  } finally {
    closeSync(fd);
  }
}
