import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readJobRecord, runIoguard, sandboxes, startIoguard, until, finished } from '../helpers/cli.ts';

const box = sandboxes();

describe('the metrics files', () => {
  it('promtool check metrics accepts them, skips and history included', async () => {
    const b = box();
    const dir = join(b.dir, 'textfile');
    const base = ['run', '--no-gate', '--metrics-dir', dir];
    assert.equal((await runIoguard([...base, '--name', 'a', '--', 'true'], { env: b.env })).code, 0);
    const holder = startIoguard([...base, '--name', 'b', '--', 'sleep', '2'], { env: b.env });
    await until(() => readJobRecord(b, 'b')?.job, 10_000, 'holder running');
    assert.equal((await runIoguard([...base, '--name', 'b', '--', 'true'], { env: b.env })).code, 75);
    await finished(holder);
    const files = readdirSync(dir);
    assert.deepEqual(files.sort(), ['ioguard_a.prom', 'ioguard_b.prom'], 'one file per job, no temp file left');
    for (const f of files) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(join(dir, f)), encoding: 'utf8' });
      assert.equal(check.status, 0, `${f}: ${check.stdout}${check.stderr}`);
      assert.equal(`${check.stdout}${check.stderr}`.trim(), '', `${f}: no lint warning`);
    }
  });
});

describe('docs/metrics.md', () => {
  it('its alerting rules pass promtool check rules', () => {
    const b = box();
    const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    const rules = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(rules, 'the doc has a rules block');
    mkdirSync(b.dir, { recursive: true });
    const file = join(b.dir, 'rules.yml');
    writeFileSync(file, rules);
    const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });
});
