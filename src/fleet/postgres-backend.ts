import type { Client as PgClient } from 'pg';
import { IoguardError } from '../errors/ioguard-error.ts';
import type { AcquireRequest, AcquireResult, FleetBackend, FleetHolder, FleetPhase, RefreshRequest, RefreshResult } from './backend.ts';
import { fleetLockKey, SCHEMA_LOCK_KEY } from './fleet-key.ts';
import type { NormalizedFleet } from './fleet-options.ts';
import { ACQUIRE, CREATE_TABLE, LIST, REFRESH, RELEASE, REPORT_CONFLICT, SELECT_ONE, TABLE } from './postgres-schema.ts';
import { readPgpassPassword } from './pgpass.ts';
import { redactText, redactUrl } from './redact.ts';

type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToHolder(r: Row): FleetHolder {
  return {
    namespace: String(r.namespace),
    name: String(r.name),
    host: String(r.host),
    bootId: String(r.boot_id),
    wrapperPid: Number(r.wrapper_pid),
    jobPid: num(r.job_pid),
    startedAt: Number(r.started_ms),
    deadline: num(r.deadline_ms),
    phase: String(r.phase) as FleetPhase,
    heartbeatAt: Number(r.heartbeat_ms),
    finishedAt: num(r.finished_ms),
    fencingToken: String(r.fencing_token),
    conflict: r.conflict === null || r.conflict === undefined ? null : String(r.conflict),
    ...(r.held === undefined ? {} : { held: Boolean(r.held) }),
  };
}

/** Why the server cannot be used, as one line without credentials. */
function describe(error: unknown, f: NormalizedFleet): string {
  const e = error as { code?: string; message?: string };
  let text = e?.message ?? String(error);
  if (e?.code === '42501') text = `${text} (the role needs CREATE on its schema once, to create table ${TABLE}; see docs/locking.md)`;
  if (/^Query read timeout/.test(text)) text = `${text} (no answer within ${f.lockTimeoutMs} ms)`;
  else if (/connection timeout/i.test(text)) text = `${text} (${f.connectTimeoutMs} ms)`;
  return redactText(text.replace(/\s+/g, ' ').trim(), f.url);
}

export function unavailable(error: unknown, f: NormalizedFleet): IoguardError {
  return new IoguardError('ERR_FLEET_UNAVAILABLE', `fleet server ${redactUrl(f.url)} unavailable: ${describe(error, f)}`);
}

/**
 * PostgreSQL: a session-level advisory lock per job (pg_try_advisory_lock on a 64-bit key from the
 * job name) and one row per job in ioguard_fleet_jobs. The server drops a session's advisory locks
 * when the session ends, as the kernel drops a flock when its holder dies.
 */
export class PostgresFleet implements FleetBackend {
  readonly where: string;
  private readonly client: PgClient;
  private readonly f: NormalizedFleet;
  private closing = false;
  private lostListener: ((reason: string) => void) | undefined;
  private lost: string | undefined;

  private constructor(client: PgClient, f: NormalizedFleet) {
    this.client = client;
    this.f = f;
    this.where = redactUrl(f.url);
    // Without a listener a dropped connection would throw out of the event loop and kill the wrapper mid-job.
    const onLost = (reason: string): void => {
      if (this.closing || this.lost !== undefined) return;
      this.lost = reason;
      this.lostListener?.(reason);
    };
    client.on('error', (error) => onLost(describe(error, f)));
    client.on('end', () => onLost('connection closed by the server'));
  }

  /** Connect within the connect timeout; throws ERR_FLEET_UNAVAILABLE with one clear line. */
  static async connect(f: NormalizedFleet): Promise<PostgresFleet> {
    // Loaded only when a fleet URL is given: the local path never pays for the driver. The client
    // module alone: pg's index also loads its pool and the probe for native bindings.
    const Client = (await import('pg/lib/client.js')).default;
    const client = new Client({
      connectionString: f.url,
      connectionTimeoutMillis: f.connectTimeoutMs,
      // The server's own timeouts below say more ("canceling statement due to lock timeout"); this
      // one is the backstop for a server that stops answering, a little later.
      query_timeout: f.lockTimeoutMs + 1000,
      statement_timeout: f.lockTimeoutMs,
      lock_timeout: f.lockTimeoutMs,
      application_name: 'ioguard',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // Server side: notice a vanished host (power loss, cut network) within about a minute and drop its lock.
      options: '-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3',
    });
    // No password in the URL: ours, read when the server asks (PGPASSWORD, then pgpass), instead
    // of pg's pgpass path, which prints a DeprecationWarning on stderr on every connection. Set
    // after construction: the URL's empty password would override a `password` given with it.
    const settable = client as unknown as { password: unknown };
    if (settable.password === null || settable.password === undefined || settable.password === '') {
      settable.password = async (): Promise<string | undefined> => readPgpassPassword({ host: client.host, port: client.port, database: client.database ?? '', user: client.user ?? '' });
    }
    const swallow = (): void => {};
    client.on('error', swallow);
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(swallow);
      throw unavailable(error, f);
    }
    client.off('error', swallow);
    return new PostgresFleet(client, f);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
    if (this.lost !== undefined) listener(this.lost);
  }

  private async query(text: string, values: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.client.query(text, values)).rows as Row[];
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '42P01') throw error;
      throw unavailable(error, this.f);
    }
  }

  /** Create the table once; a transaction-level lock keeps two first users from racing on CREATE TABLE. */
  private async ensureTable(): Promise<void> {
    await this.query('BEGIN');
    try {
      await this.query('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_LOCK_KEY]);
      await this.query(CREATE_TABLE);
      await this.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  /** A statement on the table; the first use anywhere creates it. */
  private async onTable(text: string, values: unknown[]): Promise<Row[]> {
    try {
      return await this.query(text, values);
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error;
      await this.ensureTable();
      return this.query(text, values);
    }
  }

  async acquire(r: AcquireRequest): Promise<AcquireResult> {
    const key = fleetLockKey(this.f.namespace, r.name);
    const [row] = await this.onTable(ACQUIRE, [this.f.namespace, r.name, key, r.host, r.bootId, r.wrapperPid, r.jobPid, r.deadline, r.phase]);
    const previous = row?.previous ? rowToHolder(row.previous as Row) : null;
    if (!row?.got) return { kind: 'busy', holder: previous };
    return { kind: 'acquired', token: String(row.token), previous };
  }

  async refresh(name: string, token: string, u: RefreshRequest): Promise<RefreshResult> {
    const rows = await this.query(REFRESH, [this.f.namespace, name, token, u.phase, u.jobPid, u.deadline]);
    if (rows.length > 0) return { kind: 'ok', conflict: (rows[0]?.conflict as string | null) ?? null };
    const [row] = await this.query(SELECT_ONE, [this.f.namespace, name]);
    return { kind: 'superseded', holder: row ? rowToHolder(row) : null };
  }

  async release(name: string, token: string, phase: FleetPhase = 'finished'): Promise<void> {
    try {
      await this.query(RELEASE, [this.f.namespace, name, token, phase, fleetLockKey(this.f.namespace, name)]);
    } catch (error) {
      await this.close();
      throw error;
    }
    // The lock is already released explicitly: send the goodbye without waiting for the server's (~5 ms of every run).
    this.closing = true;
    this.client.end().catch(() => {});
  }

  async list(): Promise<FleetHolder[]> {
    try {
      return (await this.query(LIST, [this.f.namespace])).map(rowToHolder);
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return [];
      throw error;
    }
  }

  async reportConflict(name: string, message: string): Promise<void> {
    await this.onTable(REPORT_CONFLICT, [this.f.namespace, name, message]);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // end() waits for the server's goodbye; a dead server must not hold the wrapper up.
    await Promise.race([this.client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

