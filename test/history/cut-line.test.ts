import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runIoguard, sandboxes, type Sandbox } from '../helpers/cli.ts';

const box = sandboxes();
const run = (b: Sandbox) => runIoguard(['run', '--no-gate', '--name', 'a', '--', 'true'], { env: b.env });
async function counts(b: Sandbox): Promise<{ invocations: number; corruptLines: number }> {
  const r = await runIoguard(['history', 'a', '--json'], { env: b.env });
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { invocations: number; corruptLines: number };
  return { invocations: v.invocations, corruptLines: v.corruptLines };
}

/** One run, a cut line planted by `cut`, two more runs: every invocation counted, the fragment counted as one corrupt line. */
async function afterCut(cut: (history: string) => void): Promise<{ invocations: number; corruptLines: number }> {
  const b = box();
  mkdirSync(b.lockDir, { mode: 0o700 });
  assert.equal((await run(b)).code, 0);
  cut(join(b.lockDir, 'a.history'));
  assert.equal((await run(b)).code, 0);
  assert.equal((await run(b)).code, 0);
  return counts(b);
}

describe('a cut line in the history', () => {
  it('the next append starts on a fresh line: 3 invocations and 1 corrupt line', { timeout: 60_000 }, async () => {
    assert.deepEqual(await afterCut((h) => appendFileSync(h, '{"v":1,"id":"cut","at":1')), { invocations: 3, corruptLines: 1 });
  });

  it('trailing binary garbage without a newline: 3 invocations and 1 corrupt line', { timeout: 60_000 }, async () => {
    assert.deepEqual(await afterCut((h) => appendFileSync(h, Buffer.from([0, 0xff, 0xfe, 0x7b, 0x22, 0]))), { invocations: 3, corruptLines: 1 });
  });

  it('a 50 MB line without a newline: 3 invocations and 1 corrupt line', { timeout: 120_000 }, async () => {
    const counted = await afterCut((h) => {
      const fd = openSync(h, 'a');
      const mb = Buffer.alloc(1024 * 1024, 'x');
      for (let i = 0; i < 50; i++) writeSync(fd, mb);
      closeSync(fd);
    });
    assert.deepEqual(counted, { invocations: 3, corruptLines: 1 });
  });
});
