import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { IoguardError } from '../../src/errors/ioguard-error.ts';
import { createRunContext } from '../../src/run/context.ts';
import { normalizeRunOptions } from '../../src/run/options.ts';
import { emptyResult } from '../../src/run/result.ts';
import { runSteps, type Step } from '../../src/run/run-state.ts';
import { pingStep } from '../../src/run/steps/ping.ts';
import { sandbox } from '../helpers/cli.ts';
import { startPingServer } from '../helpers/ping-server.ts';

const b = sandbox();
after(() => b.cleanup());
const UUID = '5d1f1a0c-7c1e-4a5e-9f57-2b2f7c9d1e11';

/** A step standing for any later step that fails (a record that cannot be written...). */
const failing: Step = {
  name: 'failing',
  enter: () => {
    throw new IoguardError('ERR_INTERNAL', 'ioguard: the run record could not be written');
  },
};

async function contextFor(name: string, ping: string | { url: string; timeoutMs: number }, lines: string[]) {
  const o = normalizeRunOptions({ lockDir: b.lockDir, logFile: false, ping, report: (line) => lines.push(line) });
  return createRunContext(name, ['true'], o);
}

describe('the ping step', () => {
  it('a run that throws after it is entered still sends its ending: /fail with the error, and the error reaches the caller', async () => {
    const server = await startPingServer();
    const ctx = await contextFor('threw', `${server.url}/${UUID}`, []);
    await assert.rejects(runSteps(ctx, emptyResult('threw'), [pingStep, failing]), /could not be written/);
    assert.deepEqual(server.received.map((q) => q.path), [`/${UUID}/fail`]);
    assert.equal(server.received[0]?.body, 'ioguard: job "threw" error: the run record could not be written\n');
  });

  it('a ping server that hangs costs the run its bounded timeout, never its result', async () => {
    const server = await startPingServer(() => 'hang');
    const lines: string[] = [];
    const ctx = await contextFor('hung', { url: `${server.url}/${UUID}`, timeoutMs: 100 }, lines);
    const t0 = Date.now();
    const result = await runSteps(ctx, emptyResult('hung'), [pingStep]);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.deepEqual([result.outcome, result.exitCode], ['completed', 0]);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /ping success to .* failed: timeout after 100ms/);
  });
});
