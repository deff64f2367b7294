#!/usr/bin/env node
// Cost of the I/O health probe: CPU of one full probe (sampling wait excluded: the wait is a
// timer and costs no CPU) and of the D-state census with 5,000 extra processes. Prints medians;
// asserts nothing, since times depend on the machine. Run: node bench/probe-bench.mjs [--runs N]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { register } from 'tsx/esm/api';

register();
const { probe } = await import('../src/probe/probe.ts');
const { censusDState } = await import('../src/probe/d-state-census.ts');

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const EXTRA_PROCESSES = 5000;

// Forks N children that pause; PR_SET_PDEATHSIG makes them die with the parent, so a crash of
// this bench cannot leave 5,000 sleepers behind.
const FORKER_C = `#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) { prctl(PR_SET_PDEATHSIG, SIGKILL); if (getppid() == 1) _exit(0); pause(); _exit(0); }
    if (p < 0) return 1;
  }
  if (write(1, "ready\\n", 6) < 0) return 1;
  pause();
  return 0;
}
`;

function forkerPath() {
  const dir = join(tmpdir(), 'ioguard-bench-bin');
  const bin = join(dir, 'forker');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${bin}.c`, FORKER_C);
    execFileSync('gcc', ['-O1', '-o', bin, `${bin}.c`]);
  }
  return bin;
}

const countPids = () => readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (u) => (u.user + u.system) / 1000;

/** CPU and wall time of fn, `runs` times after one warm-up; wall minus `waitMs` excludes the window. */
async function measure(label, runs, fn, waitMs = 0) {
  const cpu = [];
  const wall = [];
  let first;
  for (let i = 0; i <= runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const c = cpuMs(process.cpuUsage(c0));
    const w = performance.now() - t0 - waitMs;
    if (i === 0) first = c;
    else {
      cpu.push(c);
      wall.push(w);
    }
  }
  console.log(`${label.padEnd(52)} cpu median ${median(cpu).toFixed(1).padStart(6)} ms  (first run ${first.toFixed(1)} ms)  wall-excl-window median ${median(wall).toFixed(1).padStart(6)} ms`);
}

console.log(`node ${process.version}, ${RUNS} runs each after one warm-up, ${countPids()} processes on the machine`);
await measure('probe({ path: "/work" }), default 1000 ms window', RUNS, () => probe({ path: '/work' }), 1000);
await measure('censusDState()', RUNS, () => censusDState({ procRoot: '/proc' }));

const baseline = countPids();
const forker = spawn(forkerPath(), [String(EXTRA_PROCESSES)], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const [chunk] = await once(forker.stdout, 'data');
  if (!String(chunk).includes('ready')) throw new Error('forker did not start');
  console.log(`\nwith ${EXTRA_PROCESSES} extra processes: ${countPids()} processes on the machine`);
  await measure(`censusDState() over ${countPids()} processes`, RUNS, () => censusDState({ procRoot: '/proc' }));
  await measure('probe({ path: "/work" }), 100 ms window', RUNS, () => probe({ path: '/work', windowMs: 100 }), 100);
} finally {
  forker.kill('SIGKILL');
  await once(forker, 'exit');
  for (let i = 0; i < 100 && countPids() > baseline + 20; i++) await new Promise((r) => setTimeout(r, 100));
  console.log(`\ncleaned up: ${countPids()} processes on the machine`);
}
