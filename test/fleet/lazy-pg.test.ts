import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { BIN, sandboxes } from '../helpers/cli.ts';

const newBox = sandboxes();

/** The files of the CLI bundle a run loads, recorded by a module resolve hook. */
function loadedChunks(args: string[]): { files: string[]; code: number | null } {
  const box = newBox();
  const out = join(box.dir, 'loaded');
  writeFileSync(join(box.dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(out)}, r.url + '\\n');
  return r;
}\n`);
  writeFileSync(join(box.dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  const r = spawnSync(process.execPath, ['--import', join(box.dir, 'register.mjs'), BIN, ...args], { env: box.env, encoding: 'utf8' });
  const files = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u));
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
