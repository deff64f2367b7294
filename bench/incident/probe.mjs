// Foreground probe: stands for everything else on the box (the ssh login that hung in CASES.md §1).
// Every interval it appends a short line to a file on the slow device and fsyncs it, then prints
// one line "<startMs> <latencyMs>" per attempt. A slow attempt delays the next one (like a real
// user waiting), so the number of lines also shows how much work got through.
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const [file, intervalArg, onArg, offArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: probe.mjs FILE [INTERVAL_MS]\n');
  process.exit(2);
}
const intervalMs = Number(intervalArg ?? 100);
// Optional bursts: write for onMs, rest for offMs, from the probe's start (a tenant that comes and goes).
const onMs = Number(onArg ?? 0);
const offMs = Number(offArg ?? 0);
const born = performance.now();
let stopping = false;
process.on('SIGTERM', () => { stopping = true; });
process.on('SIGINT', () => { stopping = true; });

const handle = await open(file, 'a');
const origin = performance.timeOrigin;
while (!stopping) {
  if (onMs > 0 && offMs > 0) {
    const phase = (performance.now() - born) % (onMs + offMs);
    if (phase >= onMs) {
      await sleep(onMs + offMs - phase);
      continue;
    }
  }
  const start = performance.now();
  await handle.write(`probe ${Date.now()}\n`);
  await handle.sync();
  const end = performance.now();
  process.stdout.write(`${Math.round(origin + start)} ${(end - start).toFixed(3)}\n`);
  const rest = intervalMs - (end - start);
  if (rest > 0) await sleep(rest);
}
await handle.close();
