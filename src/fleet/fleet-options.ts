import { invalidOption } from '../errors/ioguard-error.ts';
import { validateJobName } from '../lock/job-key.ts';
import { checkFleetUrl } from './fleet-url.ts';

export type FleetUnavailablePolicy = 'skip' | 'run-local';
/** The lock lost while the job runs: keep it running (a duplicate is the lesser harm) or end it (exit 76). */
export type FleetLostPolicy = 'keep' | 'terminate';

/** The fleet lock (issue 13): one run per job across every host that shares the server. */
export interface FleetOptions {
  /** postgres://user[:password]@host[:port]/database (credentials may also come from PGPASSFILE / PGPASSWORD). */
  url: string;
  /** Server down or unreachable: 'skip' (default: exit 75 with the reason) or 'run-local' (run under the local lock only). */
  unavailable?: FleetUnavailablePolicy;
  /** Bound on connecting. Default 5 s. */
  connectTimeoutMs?: number;
  /** Bound on each statement (taking the lock, writing the row). Default 5 s. */
  lockTimeoutMs?: number;
  /** How often the holder refreshes its row. Default 10 s. */
  heartbeatMs?: number;
  /** Separates fleets sharing one database; part of the lock key. Default "default". */
  namespace?: string;
  /** Not held for heartbeat x 3 and not retaken: 'keep' (default) or 'terminate' the job's group (exit 76). */
  lost?: FleetLostPolicy;
}

export interface NormalizedFleet {
  url: string;
  unavailable: FleetUnavailablePolicy;
  connectTimeoutMs: number;
  lockTimeoutMs: number;
  heartbeatMs: number;
  namespace: string;
  lost: FleetLostPolicy;
}

const POLICIES: readonly FleetUnavailablePolicy[] = ['skip', 'run-local'];
export const LOST_POLICIES: readonly FleetLostPolicy[] = ['keep', 'terminate'];

function positive(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidOption(option, value, 'a number of milliseconds above zero');
  return Math.round(value);
}

/** Check the fleet options; a URL in an error is never echoed (it may hold a password). */
export function normalizeFleet(value: FleetOptions | string | undefined): NormalizedFleet | undefined {
  if (value === undefined) return undefined;
  const f: FleetOptions = typeof value === 'string' ? { url: value } : value;
  if (typeof f !== 'object' || f === null) throw invalidOption('fleet', f, 'a postgres:// URL or { url, ... }');
  if (typeof f.url !== 'string') throw invalidOption('fleet.url', f.url, 'a postgres:// or postgresql:// URL');
  checkFleetUrl(f.url, 'fleet.url');
  const unavailable = f.unavailable ?? 'skip';
  if (!POLICIES.includes(unavailable)) throw invalidOption('fleet.unavailable', unavailable, `one of ${POLICIES.join(', ')}`);
  const lost = f.lost ?? 'keep';
  if (!LOST_POLICIES.includes(lost)) throw invalidOption('fleet.lost', lost, `one of ${LOST_POLICIES.join(', ')}`);
  const namespace = f.namespace ?? 'default';
  validateJobName(namespace, 'fleet.namespace');
  return {
    url: f.url,
    unavailable,
    connectTimeoutMs: positive('fleet.connectTimeoutMs', f.connectTimeoutMs, 5000),
    lockTimeoutMs: positive('fleet.lockTimeoutMs', f.lockTimeoutMs, 5000),
    heartbeatMs: positive('fleet.heartbeatMs', f.heartbeatMs, 10_000),
    namespace,
    lost,
  };
}
