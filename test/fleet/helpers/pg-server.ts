import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest PostgreSQL server binaries of a Debian install (/usr/lib/postgresql/<major>/bin), if any. */
export function findPgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const m of majors) if (existsSync(join(base, m, 'bin', 'postgres'))) return join(base, m, 'bin');
  return undefined;
}

/** Why the fleet tests cannot run here, or false. */
export function pgSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: starts PostgreSQL as the postgres user and uses namespaces';
  if (!findPgBin()) return 'needs the Debian postgresql package (scripts/install-test-deps.sh)';
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'needs the postgres system user (Debian postgresql package)';
  }
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const TEST_ROLE = 'ioguard_fleet';
export const TEST_PASSWORD = 'S3cret-pw-never-logged';
export const TEST_DB = 'fleet';

/**
 * A real PostgreSQL in a private temporary folder, run as the postgres user (postgres refuses
 * root), on a free TCP port of 127.0.0.1 with its unix socket in that folder. The test role is no
 * superuser: it owns the test database and creates the fleet table itself on first use.
 */
export class PgServer {
  readonly dir: string;
  readonly data: string;
  readonly bin: string;
  port = 0;
  private proc: ChildProcess | undefined;
  private uid: number;
  private gid: number;

  private constructor(dir: string, bin: string) {
    this.dir = dir;
    this.data = join(dir, 'data');
    this.bin = bin;
    this.uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    this.gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  }

  /** postgres://role:password@127.0.0.1:port/db */
  url(password = TEST_PASSWORD, user = TEST_ROLE): string {
    return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${TEST_DB}`;
  }

  /** The URL without a password (for PGPASSFILE / PGPASSWORD tests). */
  bareUrl(): string {
    return `postgres://${TEST_ROLE}@127.0.0.1:${this.port}/${TEST_DB}`;
  }

  static async create(): Promise<PgServer> {
    const bin = findPgBin();
    if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    const dir = mkdtempSync(join(tmpdir(), 'ioguard-pg-'));
    const s = new PgServer(dir, bin);
    chownSync(dir, s.uid, s.gid);
    chmodSync(dir, 0o700);
    const pwfile = join(dir, 'pw');
    writeFileSync(pwfile, 'superpw\n');
    chownSync(pwfile, s.uid, s.gid);
    s.asPostgres(join(bin, 'initdb'), ['-D', s.data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync']);
    s.port = await freePort();
    await s.start();
    s.psql(`CREATE ROLE ${TEST_ROLE} LOGIN PASSWORD '${TEST_PASSWORD}'`);
    s.psql(`CREATE DATABASE ${TEST_DB} OWNER ${TEST_ROLE}`);
    return s;
  }

  // Straight setuid by spawn, not runuser: runuser stops itself when its child is stopped (job
  // control), so SIGSTOP/SIGCONT of the server would leave a stopped runuser behind.
  private asPostgres(cmd: string, args: string[]): string {
    return execFileSync(cmd, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], uid: this.uid, gid: this.gid, env: this.env() }).toString();
  }

  private env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: this.dir };
  }

  /** Run SQL as the superuser over the unix socket. */
  psql(sql: string, db = 'postgres'): string {
    return this.asPostgres(join(this.bin, 'psql'), ['-h', this.dir, '-p', String(this.port), '-U', 'postgres', '-d', db, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql]).trim();
  }

  async start(): Promise<void> {
    const args = ['-D', this.data, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=60'];
    this.proc = spawn(join(this.bin, 'postgres'), args, { cwd: this.dir, stdio: 'ignore', uid: this.uid, gid: this.gid, env: this.env() });
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        this.psql('SELECT 1');
        return;
      } catch {
        if (Date.now() > end) throw new Error('PostgreSQL did not start within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The postmaster's pid (from postmaster.pid). */
  postmasterPid(): number | undefined {
    try {
      return Number(execFileSync('head', ['-1', join(this.data, 'postmaster.pid')]).toString().trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Freeze or thaw the postmaster: new connections are accepted by the kernel and then never answered. */
  pause(paused: boolean): void {
    const pid = this.postmasterPid();
    if (pid) process.kill(pid, paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** A superuser psql session kept open on stdin (e.g. to hold a table lock); end() closes it. */
  session(db = TEST_DB): { send: (sql: string) => void; end: () => Promise<void> } {
    const child = spawn(join(this.bin, 'psql'), ['-h', this.dir, '-p', String(this.port), '-U', 'postgres', '-d', db, '-Xq'], { cwd: this.dir, stdio: ['pipe', 'ignore', 'ignore'], uid: this.uid, gid: this.gid, env: this.env() });
    return {
      send: (sql) => void child.stdin!.write(`${sql}\n`),
      end: () => new Promise((r) => {
        child.once('exit', () => r());
        child.stdin!.end();
      }),
    };
  }

  /** Kill the server hard (SIGKILL to the postmaster and its backends), as a crash would. */
  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid) {
      try {
        execFileSync('pkill', ['-KILL', '-P', String(pid)]);
      } catch {
        // No backends.
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await this.waitExit();
  }

  /** Fast shutdown. */
  async stop(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // Gone already.
      }
    }
    await this.waitExit();
  }

  private async waitExit(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise((r) => proc.once('exit', r));
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
