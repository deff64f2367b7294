import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after } from 'node:test';
import { sleep } from '../../helpers/cli.ts';

/** A free loopback port (the kernel picks one; it is free again once the probe closes). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Exporter {
  scrape: () => Promise<string>;
}

/** Debian's prometheus-node-exporter with only the textfile collector, reading `dir`; stopped when the file's tests end. */
export async function startNodeExporter(dir: string): Promise<Exporter> {
  const port = await freePort();
  const child: ChildProcess = spawn('prometheus-node-exporter', [
    `--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  after(() => void child.kill('SIGTERM'));
  const scrape = async (): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (!response.ok) throw new Error(`scrape: HTTP ${response.status}`);
    return response.text();
  };
  const end = Date.now() + 15_000;
  for (;;) {
    try {
      await scrape();
      return { scrape };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`node_exporter did not come up: ${String(error)} ${stderr}`);
      await sleep(100);
    }
  }
}

/** The value of one sample, `metric{labels}` written exactly as exposed (labels in order). */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
