import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlags } from '../../src/cli/flag-table.ts';
import { RUN_FLAGS, runOptionsFromFlags } from '../../src/cli/run-flags.ts';
import { isIoguardError } from '../../src/errors/ioguard-error.ts';
import { normalizeRunOptions } from '../../src/run/options.ts';

const fromFlags = (...args: string[]) => runOptionsFromFlags(parseFlags(args, RUN_FLAGS).flags);

/** The error a call throws, as an IoguardError (fails when it throws none or another kind). */
function errorOf(call: () => unknown): { code: string; option: string | undefined; message: string } {
  try {
    call();
  } catch (error) {
    assert.ok(isIoguardError(error), String(error));
    return error;
  }
  assert.fail('no error thrown');
}

describe('the flag layer maps flags to library options and lets the library validate', () => {
  it('every string flag of run names the library option it sets', () => {
    const missing = Object.entries(RUN_FLAGS).filter(([name, spec]) => spec.option === undefined && !name.startsWith('max-') && name !== 'min-free' && name !== 'verbose');
    assert.deepEqual(missing.map(([name]) => name), []);
  });

  it('the library refuses a value and the CLI tells it with the flag and the text typed', () => {
    assert.match(errorOf(() => normalizeRunOptions({ onBusy: 'queue' as never })).message, /^onBusy: "queue" is not one of skip, wait, replace$/);
    const e = errorOf(() => fromFlags('--on-busy', 'queue'));
    assert.equal(e.message, '--on-busy: "queue" is not one of skip, wait, replace');
    assert.equal(e.option, '--on-busy');
    assert.equal(e.code, 'ERR_INVALID_OPTION');
  });

  it('a number is shown as typed, not as the number it became', () => {
    assert.equal(errorOf(() => fromFlags('--nice', '40')).message, '--nice: "40" is not an integer from -20 to 19');
    assert.equal(errorOf(() => fromFlags('--nice', 'ten')).message, '--nice: "ten" is not an integer from -20 to 19');
    assert.equal(errorOf(() => fromFlags('--timeout', '0s')).message, '--timeout: "0s" is not a duration above zero');
  });

  it('a nested option names its flag', () => {
    assert.equal(errorOf(() => fromFlags('--govern-lever', 'hammer')).message, '--govern-lever: "hammer" is not one of auto, stop, freeze, throttle');
    assert.equal(errorOf(() => fromFlags('--fleet-heartbeat', '0s')).option, '--fleet-heartbeat');
  });

  it('a URL that may hold a password is never echoed', () => {
    const e = errorOf(() => fromFlags('--fleet', 'mysql://u:topsecret@db/x'));
    assert.equal(e.message, '--fleet: not a postgres:// or postgresql:// URL');
  });

  it('valid flags pass through unchanged', () => {
    const o = fromFlags('--on-busy', 'wait', '--wait', '5m', '--nice', '-5', '--name', 'nightly', '--slot', 'heavy:2');
    assert.equal(o.onBusy, 'wait');
    assert.equal(o.waitMs, 300_000);
    assert.equal(o.nice, -5);
    assert.equal(o.name, 'nightly');
    assert.equal(o.slot, 'heavy:2');
  });
});
