// Where a levers job's backlog sits, beside a bench:levers run (docs/governor.md, "The job's write
// size"): every 20 ms, the machine's dirty and writeback KiB (/proc/vmstat) and the writes in flight
// on the bench's loop devices (/sys/block/loopN/inflight). On SIGTERM, writes percentiles over the
// samples where the job had a backlog (dirty or writeback over 100 KiB) to the file named first.
// Usage: sudo node bench/levers/queue-sample.mjs OUT & ... npm run bench:levers ...; kill %1
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
if (!out) throw new Error('usage: node bench/levers/queue-sample.mjs OUT_FILE');
const rows = [];

function loopsInFlight() {
  const loops = {};
  for (const d of readdirSync('/sys/block')) {
    if (!d.startsWith('loop')) continue;
    let back;
    try {
      back = readFileSync(`/sys/block/${d}/loop/backing_file`, 'utf8').trim();
    } catch {
      continue;
    }
    if (!back.includes('ioguard-levers')) continue;
    loops[`${d} (${back.endsWith('upper.img') ? 'upper' : 'lower'})`] = Number(readFileSync(`/sys/block/${d}/inflight`, 'utf8').trim().split(/\s+/)[1]);
  }
  return loops;
}

setInterval(() => {
  const vm = Object.fromEntries(readFileSync('/proc/vmstat', 'utf8').split('\n').map((l) => l.split(' ')));
  rows.push({ dirtyK: Number(vm.nr_dirty) * 4, writebackK: Number(vm.nr_writeback) * 4, loops: loopsInFlight() });
}, 20);

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];

process.on('SIGTERM', () => {
  const busy = rows.filter((r) => Object.keys(r.loops).length > 0 && (r.dirtyK > 100 || r.writebackK > 100));
  const lines = [`samples with a backlog: ${busy.length}`];
  for (const key of ['dirtyK', 'writebackK']) lines.push(`${key}: p50 ${pct(busy.map((r) => r[key]), 0.5)} p90 ${pct(busy.map((r) => r[key]), 0.9)}`);
  for (const loop of new Set(busy.flatMap((r) => Object.keys(r.loops)))) {
    const xs = busy.map((r) => r.loops[loop] ?? 0);
    lines.push(`${loop} writes in flight: p50 ${pct(xs, 0.5)} p90 ${pct(xs, 0.9)} max ${Math.max(...xs)}`);
  }
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.exit(0);
});
