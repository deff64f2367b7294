#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx. Node 20's --test takes no
// globs, so the file list is built here. Extra arguments are passed on (e.g. a single file).
import { readdirSync, statSync } from 'node:fs';
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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...flags, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
