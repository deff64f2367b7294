import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sandboxes, until } from '../helpers/cli.ts';
import { FakeHost } from '../fleet/helpers/hosts.ts';
import { PgServer, pgSkipReason } from '../fleet/helpers/pg-server.ts';

const newBox = sandboxes();

describe('an orphan adopted by a fleet keeper', { skip: pgSkipReason(), timeout: 120_000 }, () => {
  let pg: PgServer;
  let host: FakeHost;
  before(async () => {
    pg = await PgServer.create();
    host = await FakeHost.create('keeper-host');
  });
  after(async () => {
    host?.destroy();
    await pg?.destroy();
  });

  test('is ended by its keeper once past its deadline plus kill-after (the keeper holds the flock, so no later start could)', async () => {
    const file = join(newBox().dir, 'runs');
    const run = (command: string[], extra: string[] = []) =>
      host.ioguard(['run', '--no-gate', '--name', 'kept', '--fleet', pg.url(), '--fleet-heartbeat', '300ms', ...extra, '--', ...command]);
    const first = run(['sh', '-c', `echo start >> ${file}; sleep 60; echo end >> ${file}`], ['--timeout', '2s', '--kill-after', '1s']);
    await until(() => { try { return readFileSync(file, 'utf8').includes('start'); } catch { return false; } }, 15_000, 'job started');
    process.kill(await host.wrapperPid(first), 'SIGKILL');
    await first.exited;
    const keeper = await run(['true']).done;
    assert.equal(keeper.code, 75, keeper.stderr);
    assert.match(keeper.stderr, /orphaned run \(job pid \d+, its wrapper \d+ gone\) is .* past its deadline; sending SIGTERM/);
    assert.ok(host.events().some((e) => e.event === 'fleet-adopted'));
    assert.ok(host.events().some((e) => e.event === 'overdue'));
    assert.equal(readFileSync(file, 'utf8'), 'start\n', 'the 60 s job did not run to its end');
  });
});
