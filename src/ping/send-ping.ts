import type { IncomingMessage } from 'node:http';
import { abortableSleep } from '../util/sleep.ts';

/** What one ping came to: enough for one log line, never the URL. */
export interface PingAttempts {
  ok: boolean;
  /** HTTP status of the last answer; null when none came. */
  status: number | null;
  attempts: number;
  /** Why it failed, from the last attempt: `timeout after 5s`, `ECONNREFUSED`, `HTTP 503`. */
  error: string | null;
  elapsedMs: number;
}

export interface SendOptions {
  /** The longest one attempt may take. */
  timeoutMs: number;
  /** Retries after the first attempt (network error, timeout, 5xx; never a 4xx). Default 2. */
  retries?: number;
  /** Delay before retry n (0-based): backoffMs × 3^n. Default 250 ms. */
  backoffMs?: number;
  /** An abort (the wrapper got a signal) ends the waiting, not the run. */
  signal?: AbortSignal;
}

const USER_AGENT = 'ioguard';

/**
 * POST `body` to `url`, retrying what a retry can fix. Never throws, never rejects: a monitoring
 * server that is down must not change a job's run. Retries are bounded, so a ping takes at most
 * (retries + 1) × timeoutMs plus the backoff.
 */
export async function sendPing(url: URL, body: string, o: SendOptions): Promise<PingAttempts> {
  const started = Date.now();
  const retries = o.retries ?? 2;
  const backoffMs = o.backoffMs ?? 250;
  let last: { status: number | null; error: string | null; retry: boolean } = { status: null, error: 'not sent', retry: false };
  let attempts = 0;
  for (let n = 0; n <= retries; n++) {
    if (o.signal?.aborted) break;
    if (n > 0) await abortableSleep(backoffMs * 3 ** (n - 1), o.signal ?? new AbortController().signal);
    attempts++;
    // node:http(s) load at the first ping, not at every start of the wrapper (https pulls in tls).
    const send = url.protocol === 'https:' ? (await import('node:https')).request : (await import('node:http')).request;
    last = await attempt(send, url, body, o.timeoutMs);
    if (last.status !== null && last.status >= 200 && last.status < 300) {
      return { ok: true, status: last.status, attempts, error: null, elapsedMs: Date.now() - started };
    }
    if (!last.retry) break;
  }
  return { ok: false, status: last.status, attempts, error: last.error, elapsedMs: Date.now() - started };
}

function attempt(send: typeof import('node:http').request, url: URL, body: string, timeoutMs: number): Promise<{ status: number | null; error: string | null; retry: boolean }> {
  return new Promise((resolve) => {
    const payload = Buffer.from(body, 'utf8');
    let settled = false;
    const finish = (r: { status: number | null; error: string | null; retry: boolean }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    // One deadline for the whole exchange (connect, send, answer), not node's idle-socket timeout.
    const timer = setTimeout(() => {
      finish({ status: null, error: `timeout after ${timeoutMs}ms`, retry: true });
      req.destroy();
    }, timeoutMs);
    const req = send(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': payload.length, 'user-agent': USER_AGENT },
      // No keep-alive pool: the wrapper exits right after its last ping.
      agent: false,
    }, (res: IncomingMessage) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const answer = { status, error: status >= 200 && status < 300 ? null : `HTTP ${status}`, retry: status >= 500 };
      res.on('end', () => finish(answer));
      res.on('error', () => finish(answer));
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, error: error.code ?? 'network error', retry: true }));
    req.end(payload);
  });
}
