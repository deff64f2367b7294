import { createHash } from 'node:crypto';

/**
 * The advisory-lock key of a job: the first 8 bytes of sha256("ioguard" NUL namespace NUL name) as
 * a signed 64-bit integer (PostgreSQL's bigint). Stable across hosts, versions and Node releases,
 * so every host of a fleet locks the same key for the same job name. Returned as a decimal string
 * (pg passes it as text; a JS number would lose bits).
 */
export function fleetLockKey(namespace: string, name: string): string {
  const digest = createHash('sha256').update(`ioguard\0${namespace}\0${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/** A key of its own for the one-time table creation, so two first users do not race on CREATE TABLE. */
export const SCHEMA_LOCK_KEY = fleetLockKey('ioguard-schema', 'ioguard_fleet_jobs');
