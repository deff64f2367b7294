#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx. Node 20's --test takes no
// globs, so the file list is built here. Extra arguments are passed on (e.g. a single file).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === 'fixtures' || name === 'helpers') continue;
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith('.ts')) ? args.filter((a) => a.endsWith('.ts')) : find('test');
const flags = args.filter((a) => !a.endsWith('.ts'));
// Files that load the disk (exclusiveLoad, withThrottledWriter) move system-wide PSI, which every
// gated `ioguard run` of another file reads (the gate defers at io some 30%): they run after the
// rest, one at a time.
const loads = (f) => /\b(exclusiveLoad|withThrottledWriter)\(/.test(readFileSync(f, 'utf8'));
const run = (list, concurrency) =>
  list.length === 0
    ? 0
    : (spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...flags, ...list], { stdio: 'inherit' }).status ?? 1);
const quiet = run(files.filter((f) => !loads(f)), 2);
const loaded = run(files.filter(loads), 1);
process.exit(quiet || loaded);
