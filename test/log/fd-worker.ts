// Runs guard() and runCommand() through every outcome in one process and prints the number of
// open descriptors before and after, as JSON. Started by fd-leak.test.ts under a low `ulimit -n`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { guard } from '../../src/guard/guard.ts';
import { runCommand } from '../../src/run/run-command.ts';

const [dir, guardCalls, commandCalls] = [process.argv[2] as string, Number(process.argv[3]), Number(process.argv[4])];
const o = { lockDir: join(dir, 'locks'), logFile: join(dir, 'decisions.log'), gate: { enabled: false } } as const;
const openFds = (): number => readdirSync('/proc/self/fd').length;
const outcomes: Record<string, number> = {};
const count = (label: string, outcome: string): void => {
  const key = `${label}:${outcome}`;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
};

// Warm up once so lazily loaded modules (pino, execa) and their handles are counted before.
await guard('warm', () => 1, o);
await runCommand(['true'], { ...o, name: 'warm' });
const before = openFds();

let release = (): void => {};
const holder = guard('busy', () => new Promise<void>((r) => (release = r)), o);
await new Promise((r) => setTimeout(r, 200));

for (let i = 0; i < guardCalls; i++) {
  count('guard', (await guard('ok', () => 1, o)).outcome);
  count('guard', (await guard('fail', () => { throw new Error('no'); }, o)).outcome);
  count('guard', (await guard('busy', () => 1, o)).outcome);
  count('guard', (await guard('slow', (signal) => new Promise((r) => signal.addEventListener('abort', r)), { ...o, timeoutMs: 1 })).outcome);
}
for (let i = 0; i < commandCalls; i++) {
  count('run', (await runCommand(['true'], { ...o, name: 'ok' })).outcome);
  count('run', (await runCommand(['false'], { ...o, name: 'fail' })).outcome);
  count('run', (await runCommand(['true'], { ...o, name: 'busy' })).outcome);
  count('run', `${(await runCommand(['no-such-command-ioguard'], { ...o, name: 'enoent' })).exitCode}`);
  count('run', `${(await runCommand(['true'], { ...o, name: 'cwd', cwd: join(dir, 'missing') })).exitCode}`);
  count('run', (await runCommand(['sleep', '5'], { ...o, name: 'slow', timeoutMs: 1, killAfterMs: 1000 })).outcome);
}
release();
await holder;
process.stdout.write(`${JSON.stringify({ before, after: openFds(), outcomes })}\n`);
