import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after } from 'node:test';

/** One request as the server saw it. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  at: number;
}

export interface PingServer {
  url: string;
  received: Received[];
  close: () => Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request. `answer` decides per request (its
 * 0-based index): a status to send, or 'hang' to never answer (a server slow past any timeout).
 */
export async function startPingServer(answer: (r: Received, index: number) => number | 'hang' = () => 200): Promise<PingServer> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const r: Received = { method: req.method ?? '', path: u.pathname, query: u.searchParams, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const index = received.length;
      received.push(r);
      const a = answer(r, index);
      if (a === 'hang') return void hanging.push(res);
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'OK' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const close = (): Promise<void> => new Promise((resolve) => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  after(close);
  return { url: `http://127.0.0.1:${address.port}`, received, close };
}

/** A loopback port nothing listens on (the kernel picked it, then it was closed): connections are refused. */
export function refusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}
