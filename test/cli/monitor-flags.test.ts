import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlags } from '../../src/cli/flag-table.ts';
import { RUN_FLAGS, runOptionsFromFlags } from '../../src/cli/run-flags.ts';
import { monitorFromFlags } from '../../src/cli/monitor-flags.ts';
import { normalizeRunOptions } from '../../src/run/options.ts';

const flags = (args: string[]) => parseFlags(args, RUN_FLAGS).flags;

describe('the monitoring flags of ioguard run', () => {
  it('--ping with its bounds, --output, --jitter and --jitter-seed reach the run options', () => {
    const o = runOptionsFromFlags(flags(['--ping', 'https://hc-ping.com/abc', '--ping-timeout', '2s', '--ping-body-max', '4k', '--output', 'on-failure', '--jitter', '10m', '--jitter-seed', 'host']));
    assert.deepEqual(o.ping, { url: 'https://hc-ping.com/abc', timeoutMs: 2000, bodyMax: 4096 });
    assert.equal(o.output, 'on-failure');
    assert.equal(o.jitterMs, 600_000);
    assert.equal(o.jitterSeed, 'host');
    const n = normalizeRunOptions(o);
    assert.deepEqual(n.jitter, { windowMs: 600_000, seed: 'host' });
    assert.deepEqual(n.ping, { url: 'https://hc-ping.com/abc', timeoutMs: 2000, bodyMax: 4096 });
  });

  it('without flags: no ping, output inherited, no jitter (nothing piped by default)', () => {
    const n = normalizeRunOptions(runOptionsFromFlags(flags([])));
    assert.deepEqual([n.ping, n.output, n.jitter], [undefined, 'inherit', undefined]);
  });

  it('IOGUARD_PING_URL is the URL when --ping is not given, and --ping wins over it', () => {
    assert.equal((monitorFromFlags(flags([]), { IOGUARD_PING_URL: 'https://hc.example/env' }).ping as { url: string } | undefined)?.url, 'https://hc.example/env');
    assert.equal((monitorFromFlags(flags(['--ping', 'https://hc.example/flag']), { IOGUARD_PING_URL: 'https://hc.example/env' }).ping as { url: string } | undefined)?.url, 'https://hc.example/flag');
    assert.equal(monitorFromFlags(flags([]), { IOGUARD_PING_URL: '' }).ping, undefined);
  });

  it('bad values name their flag, and a bad URL is not quoted back', () => {
    assert.throws(() => runOptionsFromFlags(flags(['--output', 'never'])), /--output: "never" is not one of inherit, on-failure/);
    assert.throws(() => runOptionsFromFlags(flags(['--jitter', '10'])), /--jitter/);
    assert.throws(() => runOptionsFromFlags(flags(['--jitter-seed', 'daily'])), /--jitter-seed/);
    assert.throws(() => runOptionsFromFlags(flags(['--ping', 'x', '--ping-body-max', 'lots'])), /--ping-body-max/);
    assert.throws(() => normalizeRunOptions(runOptionsFromFlags(flags(['--ping', 'ftp://secret-key@h/x']))), (e: Error) => /ping/.test(e.message) && !e.message.includes('secret-key'));
  });
});
