import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { test } from 'node:test';
import { vforkHelperPath } from '../helpers/d-state.ts';

test('the D-state helper is built fresh in a private folder of this test process, never a shared /tmp path', () => {
  const bin = vforkHelperPath();
  const dir = statSync(dirname(bin));
  assert.notEqual(basename(dirname(bin)), 'ioguard-test-bin', 'not the old shared cache');
  assert.equal(dir.uid, process.getuid?.());
  assert.equal(dir.mode & 0o777, 0o700, 'nobody else can plant or swap the binary');
  assert.ok(statSync(bin).mtimeMs >= statSync(new URL('../helpers/vfork-d.c', import.meta.url)).mtimeMs, 'built from the current source');
  assert.equal(vforkHelperPath(), bin, 'built once per process');
});
