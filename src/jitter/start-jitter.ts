import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { abortableSleep } from '../util/sleep.ts';
import type { JitterOptions } from './jitter-options.ts';

/**
 * The delay before the lock is taken. Seeded by the host, it is systemd's FixedRandomDelay: a hash
 * of the machine id (the hostname where there is none) and the job's name, so one crontab on many
 * hosts spreads them over the window, each host at its own fixed minute, and two jobs of a host apart.
 */
export function jitterDelayMs(o: JitterOptions, name: string, hostKey: () => string = machineKey, random: () => number = Math.random): number {
  if (o.windowMs <= 0) return 0;
  if (o.seed === 'random') return Math.floor(random() * o.windowMs);
  const digest = createHash('sha256').update(`${hostKey()}\0${name}`).digest();
  // 48 bits of the hash as a fraction of the window: uniform, and exact in a double.
  return Math.floor((digest.readUIntBE(0, 6) / 2 ** 48) * o.windowMs);
}

/** systemd's own host key: /etc/machine-id, else the hostname. */
export function machineKey(etc = '/etc'): string {
  try {
    const id = readFileSync(`${etc}/machine-id`, 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch {
    // No machine id (a minimal container): the hostname.
  }
  return hostname();
}

/** Wait out the delay; a signal ends it early (the caller then skips as interrupted). Returns the time waited. */
export async function waitJitter(delayMs: number, signal: AbortSignal, now: () => number = Date.now): Promise<number> {
  const t0 = now();
  if (delayMs > 0) await abortableSleep(delayMs, signal);
  return now() - t0;
}
