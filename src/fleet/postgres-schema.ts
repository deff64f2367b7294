/**
 * The fleet record table, created on first use by whoever connects first (no superuser needed:
 * the role needs CREATE on its schema once, then SELECT/INSERT/UPDATE; see docs/locking.md).
 */
export const TABLE = 'ioguard_fleet_jobs';

export const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  namespace     text        NOT NULL,
  name          text        NOT NULL,
  lock_key      bigint      NOT NULL,
  host          text        NOT NULL,
  boot_id       text        NOT NULL,
  wrapper_pid   integer     NOT NULL,
  job_pid       integer,
  started_at    timestamptz NOT NULL,
  deadline      timestamptz,
  phase         text        NOT NULL,
  heartbeat_at  timestamptz NOT NULL,
  finished_at   timestamptz,
  fencing_token bigint      NOT NULL,
  conflict      text,
  PRIMARY KEY (namespace, name)
)`;

const ms = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`;

/** The columns of one row as FleetHolder wants them (times in epoch ms, the token as text). */
export const COLUMNS = `namespace, name, host, boot_id, wrapper_pid, job_pid, ${ms('started_at')} AS started_ms,
  ${ms('deadline')} AS deadline_ms, phase, ${ms('heartbeat_at')} AS heartbeat_ms, ${ms('finished_at')} AS finished_ms,
  fencing_token::text AS fencing_token, conflict`;

/**
 * One round trip: try the job's advisory lock; if it is ours, take the row (the token grows by one).
 * Either way the row as it was comes back: the previous holder to judge, or the current one to name.
 * `l` is evaluated once and before the insert, which reads it; every part sees the same snapshot.
 */
export const ACQUIRE = `WITH l AS MATERIALIZED (SELECT pg_try_advisory_lock($3::bigint) AS got),
prev AS (SELECT ${COLUMNS} FROM ${TABLE} WHERE namespace = $1 AND name = $2),
ins AS (
  INSERT INTO ${TABLE} AS t (namespace, name, lock_key, host, boot_id, wrapper_pid, job_pid, started_at, deadline, phase, heartbeat_at, finished_at, fencing_token, conflict)
  SELECT $1, $2, $3::bigint, $4, $5, $6, $7, now(), to_timestamp($8::float8 / 1000), $9, now(), NULL, 1, NULL FROM l WHERE l.got
  ON CONFLICT (namespace, name) DO UPDATE SET lock_key = EXCLUDED.lock_key, host = EXCLUDED.host, boot_id = EXCLUDED.boot_id,
    wrapper_pid = EXCLUDED.wrapper_pid, job_pid = EXCLUDED.job_pid, started_at = now(), deadline = EXCLUDED.deadline,
    phase = EXCLUDED.phase, heartbeat_at = now(), finished_at = NULL, fencing_token = t.fencing_token + 1, conflict = NULL
  RETURNING t.fencing_token::text AS token)
SELECT (SELECT got FROM l) AS got, (SELECT token FROM ins) AS token, (SELECT row_to_json(prev) FROM prev) AS previous`;

export const REFRESH = `UPDATE ${TABLE} SET heartbeat_at = now(), phase = $4, job_pid = $5, deadline = to_timestamp($6::float8 / 1000)
WHERE namespace = $1 AND name = $2 AND fencing_token = $3::bigint RETURNING conflict`;

export const RELEASE = `WITH done AS (UPDATE ${TABLE} SET phase = $4, finished_at = now(), heartbeat_at = now()
  WHERE namespace = $1 AND name = $2 AND fencing_token = $3::bigint)
SELECT pg_advisory_unlock($5::bigint)`;

export const SELECT_ONE = `SELECT ${COLUMNS} FROM ${TABLE} WHERE namespace = $1 AND name = $2`;

export const REPORT_CONFLICT = `UPDATE ${TABLE} SET conflict = $3 WHERE namespace = $1 AND name = $2`;

/** Every row, and whether a session holds its advisory lock now (a bigint key shows as classid/objid halves). */
export const LIST = `SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid::bigint = ((t.lock_key >> 32) & 4294967295) AND l.objid::bigint = (t.lock_key & 4294967295)) AS held
FROM ${TABLE} t WHERE namespace = $1 ORDER BY name`;
