import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { finished, runIoguard, sandboxes, sleep, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();

interface Row { name: string; state: string; wrapperPid: number | null; note: string | null; holding: string[]; holdingSince: string | null; argv: string[] }

async function rows(env: NodeJS.ProcessEnv): Promise<Row[]> {
  return JSON.parse((await runIoguard(['status', '--json'], { env })).stdout) as Row[];
}

/** Ask status until `pick` finds something (status is a process: the check is async). */
async function statusUntil<T>(env: NodeJS.ProcessEnv, pick: (rows: Row[]) => T | undefined, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const found = pick(await rows(env));
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('ioguard status while a run waits out --jitter', () => {
  it('shows the waiting wrapper as jittering, with when it takes the lock; the row goes when the wait ends', async () => {
    const b = box();
    // A delay drawn from one hour: below a few seconds once in a thousand runs.
    const child = startIoguard(['run', '--no-gate', '--name', 'spread', '--jitter', '1h', '--', 'echo', 'late'], { env: b.env });
    const row = await statusUntil(b.env, (r) => r.find((x) => x.name === 'spread'), 'a jittering row');
    assert.equal(row.state, 'jittering');
    assert.equal(row.wrapperPid, child.pid);
    assert.deepEqual(row.argv, ['echo', 'late']);
    assert.deepEqual(row.holding, ['--jitter']);
    assert.ok(row.holdingSince !== null && Date.parse(row.holdingSince) <= Date.now());
    const at = /takes the lock at (\S+)$/.exec(row.note ?? '')?.[1];
    assert.ok(at !== undefined && Date.parse(at) > Date.now() && Date.parse(at) < Date.now() + 3_600_000, `note: ${row.note}`);
    const table = await runIoguard(['status'], { env: b.env });
    assert.match(table.stdout, /^spread +jittering +\d+ /m);
    child.kill('SIGTERM');
    assert.equal((await finished(child)).code, 143);
    assert.deepEqual(readdirSync(b.lockDir).filter((f) => f.endsWith('.jitter')), []);
    assert.deepEqual(await rows(b.env), []);
  });

  it('a wrapper SIGKILLed mid-wait is not shown, and the next wait of the job removes its file', async () => {
    const b = box();
    const first = startIoguard(['run', '--no-gate', '--name', 'gone', '--jitter', '1h', '--', 'true'], { env: b.env });
    await statusUntil(b.env, (r) => r.find((x) => x.state === 'jittering'), 'a jittering row');
    const left = `${b.lockDir}/gone.${first.pid}.jitter`;
    first.kill('SIGKILL');
    await finished(first);
    assert.ok(existsSync(left), 'a SIGKILLed wrapper leaves its file');
    assert.deepEqual(await rows(b.env), [], 'a dead wrapper is not shown');
    const second = startIoguard(['run', '--no-gate', '--name', 'gone', '--jitter', '1h', '--', 'true'], { env: b.env });
    await until(() => !existsSync(left), 10_000, 'the dead wait removed');
    const shown = await rows(b.env);
    assert.deepEqual(shown.map((r) => [r.state, r.wrapperPid]), [['jittering', second.pid]]);
    second.kill('SIGTERM');
    await finished(second);
  });
});
