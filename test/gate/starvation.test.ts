import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { finished, runIoguard, sandbox, sleep, startIoguard, until } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
// A limit no filesystem meets, read from the real statfs: every look trips it, on every tick.
const PRESSURED = ['--on-pressure', 'skip', '--path', '/', '--min-free', '100%'];

describe('starvation is loud', () => {
  it('a job skipped for pressure longer than --starve-after says so once on stderr, with the figures', async () => {
    const tick = () => runIoguard(['run', '--name', 'starved', '--starve-after', '200ms', ...PRESSURED, '--', 'true'], { env: b.env });
    const first = await tick();
    assert.equal(first.code, 75);
    assert.equal(first.stderr, '', 'a single skip stays quiet (cron sends no mail)');
    assert.ok(existsSync(join(b.lockDir, 'starved.starve')), 'the streak is kept beside the lock');
    await sleep(300);
    const second = await tick();
    assert.equal(second.code, 75);
    assert.match(second.stderr, /^ioguard: job "starved" starved by pressure: skipped 2 times in [^ ]+ \(since \d{4}-[^)]+\), never started; last: free space \d+(\.\d)?% \(limit 100%\)\n$/);
    const third = await tick();
    assert.equal(third.stderr, '', 'reported once per streak');
    assert.equal(b.events().filter((e) => e.event === 'starving' && e.job === 'starved').length, 1);
  });

  it('a run that starts ends the streak', async () => {
    const args = ['run', '--name', 'fed', '--starve-after', '100ms'];
    assert.equal((await runIoguard([...args, ...PRESSURED, '--', 'true'], { env: b.env })).code, 75);
    assert.equal((await runIoguard([...args, '--', 'true'], { env: b.env })).code, 0);
    assert.equal(existsSync(join(b.lockDir, 'fed.starve')), false);
    await sleep(200);
    const again = await runIoguard([...args, ...PRESSURED, '--', 'true'], { env: b.env });
    assert.equal(again.code, 75);
    assert.equal(again.stderr, '', 'a new streak starts from zero');
  });

  it('--starve-after off never reports', async () => {
    const args = ['run', '--name', 'quiet', '--starve-after', 'off', ...PRESSURED, '--', 'true'];
    await runIoguard(args, { env: b.env });
    await sleep(50);
    assert.equal((await runIoguard(args, { env: b.env })).stderr, '');
  });

  it('a slot that stays busy tick after tick starves the job too: reported once, naming the slot', async () => {
    const holder = startIoguard(['run', '--no-gate', '--name', 'hog', '--slot', 'disk', '--', 'sleep', '5'], { env: b.env });
    await until(() => b.events().some((e) => e.event === 'started' && e.job === 'hog'), 10_000, 'the slot holder running');
    const tick = () => runIoguard(['run', '--no-gate', '--name', 'queued', '--slot', 'disk', '--defer-max', '100ms', '--starve-after', '300ms', '--', 'true'], { env: b.env });
    const first = await tick();
    assert.equal(first.code, 75);
    assert.equal(first.stderr, '');
    await sleep(400);
    const second = await tick();
    assert.equal(second.code, 75);
    assert.match(second.stderr, /^ioguard: job "queued" starved by pressure: skipped 2 times in .*never started; last: slot disk still busy after \d+ms\n$/);
    holder.kill('SIGTERM');
    await finished(holder);
  });
});

