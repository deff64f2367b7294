import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, sandboxes } from '../helpers/cli.ts';

const newBox = sandboxes();

/** The files a run loads (the CLI bundle is CommonJS: everything it required, listed at exit). */
function loadedChunks(args: string[]): { files: string[]; code: number | null } {
  const box = newBox();
  const out = join(box.dir, 'loaded');
  writeFileSync(join(box.dir, 'record.cjs'), `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, Object.keys(require.cache).join('\\n')));\n`);
  const r = spawnSync(process.execPath, ['--require', join(box.dir, 'record.cjs'), BIN, ...args], { env: box.env, encoding: 'utf8' });
  const files = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  return { files, code: r.status };
}

const holdsPg = (files: string[]): boolean => files.some((f) => readFileSync(f, 'utf8').includes('SASLInitialResponse'));

test('a run without a fleet URL loads no PostgreSQL driver code', () => {
  const { files, code } = loadedChunks(['run', '--no-gate', '--', 'true']);
  assert.equal(code, 0);
  assert.ok(files.length > 0);
  assert.equal(holdsPg(files), false, files.join('\n'));
});

test('a run with a fleet URL loads the driver', () => {
  const { files, code } = loadedChunks(['run', '--no-gate', '--fleet', 'postgres://u:p@127.0.0.1:1/db', '--', 'true']);
  assert.equal(code, 75);
  assert.equal(holdsPg(files), true, files.join('\n'));
});
