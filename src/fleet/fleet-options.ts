import { invalidOption } from '../errors/ioguard-error.ts';
import { validateJobName } from '../lock/job-key.ts';
import { choice, milliseconds, postgresUrl } from '../util/validate.ts';

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

export const FLEET_UNAVAILABLE_POLICIES: readonly FleetUnavailablePolicy[] = ['skip', 'run-local'];
export const FLEET_LOST_POLICIES: readonly FleetLostPolicy[] = ['keep', 'terminate'];

/** Check the fleet options; a URL in an error is never echoed (it may hold a password). */
export function normalizeFleet(value: FleetOptions | string | undefined): NormalizedFleet | undefined {
  if (value === undefined) return undefined;
  const f: FleetOptions = typeof value === 'string' ? { url: value } : value;
  if (typeof f !== 'object' || f === null) throw invalidOption('fleet', f, 'a postgres:// URL or { url, ... }');
  return { url: postgresUrl('fleet.url', f.url), ...normalizeFleetSettings(f) };
}

/** Everything but the URL: the CLI checks these even without one, so a typo does not wait for the day the fleet is switched on. */
export function normalizeFleetSettings(f: Omit<FleetOptions, 'url'>): Omit<NormalizedFleet, 'url'> {
  const positive = (option: string, value: unknown, fallback: number): number => milliseconds(option, value, fallback, { aboveZero: true });
  const namespace = f.namespace ?? 'default';
  validateJobName(namespace, 'fleet.namespace');
  return {
    unavailable: choice('fleet.unavailable', f.unavailable ?? 'skip', FLEET_UNAVAILABLE_POLICIES),
    connectTimeoutMs: positive('fleet.connectTimeoutMs', f.connectTimeoutMs, 5000),
    lockTimeoutMs: positive('fleet.lockTimeoutMs', f.lockTimeoutMs, 5000),
    heartbeatMs: positive('fleet.heartbeatMs', f.heartbeatMs, 10_000),
    namespace,
    lost: choice('fleet.lost', f.lost ?? 'keep', FLEET_LOST_POLICIES),
  };
}
