#!/usr/bin/env node
// A/B of the run path's start-up: `ioguard run --no-gate -- true` of two builds and bare
// `node -e ''`, interleaved run by run, medians and ratios to node. Measures, never asserts.
//   node bench/ab-startup.mjs OLD/bin/ioguard.js NEW/bin/ioguard.js [RUNS]
// (build the old commit in a worktree first: git worktree add ../old COMMIT && cd ../old && npm ci && npm run build)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [oldBin, newBin, runsArg] = process.argv.slice(2);
if (!oldBin || !newBin) {
  process.stderr.write('usage: node bench/ab-startup.mjs OLD_BIN NEW_BIN [RUNS]\n');
  process.exit(2);
}
const runs = Number(runsArg ?? 21);
const dir = mkdtempSync(join(tmpdir(), 'ioguard-ab-'));
const run = (bin, tag) => [bin, 'run', '--no-gate', '--lock-dir', join(dir, tag), '--log-file', join(dir, `${tag}.log`), '--', 'true'];
const arms = { node: ['-e', ''], old: run(oldBin, 'old'), new: run(newBin, 'new') };
const times = { node: [], old: [], new: [] };
try {
  for (let i = 0; i < runs; i++) {
    for (const [arm, args] of Object.entries(arms)) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args);
      times[arm].push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`${arm} exited ${r.status}: ${r.stderr}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = Object.fromEntries(Object.entries(times).map(([arm, xs]) => [arm, median(xs)]));
const ratio = (arm) => `${m[arm].toFixed(1)} ms (${(m[arm] / m.node).toFixed(2)}x node)`;
console.log(`medians of ${runs}: node -e '' ${m.node.toFixed(1)} ms | old ${ratio('old')} | new ${ratio('new')}`);
