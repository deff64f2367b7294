import { HIDDEN, invalidOption } from '../errors/ioguard-error.ts';
import { integer, milliseconds } from '../util/validate.ts';

/** `ping` of runCommand: the check's URL, or the URL with its bounds. */
export interface PingOptions {
  url: string;
  /** The longest one attempt may take (3 attempts: worst case 3 × timeout + ~1 s of backoff). Default 5 s. */
  timeoutMs?: number;
  /** The most bytes of the job's output sent in a ping's body (its tail). Default 10 KB. */
  bodyMax?: number;
}

export interface NormalizedPing {
  url: string;
  timeoutMs: number;
  bodyMax: number;
}

const DEFAULT_PING_TIMEOUT_MS = 5_000;
const DEFAULT_PING_BODY_MAX = 10_240;
/** healthchecks.io keeps at most 100 KB of a ping's body; more would be cut by the server anyway. */
export const PING_BODY_LIMIT = 100_000;

/** Check the ping option; errors name the option, the value (redacted: it is a secret) and what was expected. */
export function normalizePing(value: PingOptions | string | undefined, option = 'ping'): NormalizedPing | undefined {
  if (value === undefined) return undefined;
  const o: PingOptions = typeof value === 'string' ? { url: value } : value;
  if (typeof o !== 'object' || o === null) throw invalidOption(option, value, 'a URL or { url, timeoutMs, bodyMax }');
  checkUrl(o.url, option);
  const timeoutMs = milliseconds(`${option}.timeoutMs`, o.timeoutMs, DEFAULT_PING_TIMEOUT_MS, { min: 1, max: 300_000 });
  const bodyMax = o.bodyMax === undefined ? DEFAULT_PING_BODY_MAX : integer(`${option}.bodyMax`, o.bodyMax, 0, PING_BODY_LIMIT);
  return { url: o.url, timeoutMs, bodyMax };
}

function checkUrl(url: unknown, option: string): void {
  // The value itself is never quoted back: a typo'd URL is still the secret.
  const refuse = (why: string) => invalidOption(option, HIDDEN, why);
  if (typeof url !== 'string' || url === '') throw refuse('a ping URL (http:// or https://)');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw refuse('a URL that parses (like https://hc-ping.com/<uuid>)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw refuse(`an http:// or https:// URL (it is ${u.protocol}//)`);
  if (u.hash !== '') throw refuse('a URL without a #fragment');
}
