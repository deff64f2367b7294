import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHistory } from '../../src/history/parse-history.ts';
import { finished, readJobRecord, runIoguard, sandboxes, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();

describe('history under concurrent invocations', () => {
  it('50 concurrent skippers and one runner each append one whole line', async () => {
    const b = box();
    const stop = join(b.dir, 'stop');
    // The runner lasts until every skipper is done, however slow the machine is.
    const runner = startIoguard(['run', '--no-gate', '--name', 'crowd', '--', 'sh', '-c', `while [ ! -e ${stop} ]; do sleep 0.1; done`], { env: b.env });
    await until(() => readJobRecord(b, 'crowd')?.job, 10_000, 'runner started');
    const skippers = await Promise.all(Array.from({ length: 50 }, () => runIoguard(['run', '--no-gate', '--name', 'crowd', '--', 'true'], { env: b.env })));
    assert.deepEqual(skippers.map((s) => s.code), Array(50).fill(75), skippers.find((s) => s.code !== 75)?.stderr);
    writeFileSync(stop, '');
    assert.equal((await finished(runner)).code, 0);
    const text = readFileSync(join(b.lockDir, 'crowd.history'), 'utf8');
    const parsed = parseHistory(text);
    assert.equal(parsed.corrupt, 0, 'no torn or interleaved line');
    assert.equal(text.split('\n').length - 1, 51, 'one line per invocation');
    assert.equal(parsed.entries.filter((e) => e.outcome === 'skipped' && e.cause === 'busy').length, 50);
    assert.equal(parsed.entries.filter((e) => e.outcome === 'completed').length, 1);
    assert.equal(new Set(parsed.entries.map((e) => e.id)).size, 51);
  });
});
