import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finished, runIoguard, sandboxes, sleep, startIoguard, type Started } from '../helpers/cli.ts';

const box = sandboxes();

describe('the forecast from real invocations', () => {
  it('a 3 s job started every second by a loop: status names the ratio and the skips per run', async () => {
    const b = box();
    const started: Started[] = [];
    // The loop a too-frequent scheduler is: a start every second, whether the last one ended or not.
    for (let i = 0; i < 10; i++) {
      started.push(startIoguard(['run', '--no-gate', '--name', 'archive', '--', 'sleep', '3'], { env: b.env }));
      await sleep(1000);
    }
    const codes = (await Promise.all(started.map((c) => finished(c)))).map((r) => r.code);
    assert.ok(codes.filter((c) => c === 0).length >= 2, `runs: ${codes}`);
    assert.ok(codes.filter((c) => c === 75).length >= 5, `skips: ${codes}`);
    const table = await runIoguard(['status'], { env: b.env });
    assert.match(table.stdout, /archive runs [34]s \(p90\) but is started every 1s: [234] starts skipped per run; schedule it at most every [345]s or use --on-busy wait/);
    const line = table.stdout.split('\n').find((l) => l.startsWith('archive '));
    const ratio = Number(line?.trim().split(/\s+/).at(-1));
    assert.ok(ratio > 2 && ratio < 5, `ratio ${ratio} in: ${line}`);
    const json = JSON.parse((await runIoguard(['history', '--json'], { env: b.env })).stdout) as Array<{ name: string; forecast: { ratio: number; warning: string } }>;
    assert.equal(json[0]?.name, 'archive');
    assert.equal(json[0]?.forecast.ratio, ratio);
  });
});
