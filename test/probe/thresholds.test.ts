import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IoguardError } from '../../src/errors/ioguard-error.ts';
import { DEFAULT_THRESHOLDS, parseThresholdOptions } from '../../src/probe/thresholds.ts';

function refusal(raw: Record<string, string>): IoguardError {
  try {
    parseThresholdOptions(raw);
  } catch (error) {
    assert.ok(error instanceof IoguardError);
    return error;
  }
  assert.fail(`${JSON.stringify(raw)} was accepted`);
}

test('no flags give the defaults', () => {
  assert.deepEqual(parseThresholdOptions({}), { ...DEFAULT_THRESHOLDS });
});

test('percent flags take a number with or without the percent sign', () => {
  const t = parseThresholdOptions({ 'max-io-pressure': '20', 'max-io-full': '15%', 'max-util': '95.5', 'max-dirty': '80%' });
  assert.deepEqual([t.maxIoPressure, t.maxIoFull, t.maxUtil, t.maxDirty], [20, 15, 95.5, 80]);
});

test('min-free takes a percentage or a size in binary units', () => {
  assert.deepEqual(parseThresholdOptions({ 'min-free': '10%' }).minFree, { percent: 10 });
  assert.deepEqual(parseThresholdOptions({ 'min-free': '5G' }).minFree, { bytes: 5 * 2 ** 30 });
  assert.deepEqual(parseThresholdOptions({ 'min-free': '1.5TiB' }).minFree, { bytes: 1.5 * 2 ** 40 });
  assert.deepEqual(parseThresholdOptions({ 'min-free': '500MB' }).minFree, { bytes: 500 * 2 ** 20 });
});

test('max-blocked takes a whole number and max-load a decimal per CPU', () => {
  const t = parseThresholdOptions({ 'max-blocked': '50', 'max-load': '1.5' });
  assert.deepEqual([t.maxBlocked, t.maxLoad], [50, 1.5]);
});

test('off switches one check off and leaves the others at their defaults', () => {
  const t = parseThresholdOptions({ 'max-io-pressure': 'off' });
  assert.equal('maxIoPressure' in t, false);
  assert.equal(t.maxDirty, DEFAULT_THRESHOLDS.maxDirty);
});

test('a negative percentage is refused naming the flag', () => {
  const error = refusal({ 'max-io-pressure': '-5' });
  assert.equal(error.code, 'ERR_INVALID_OPTION');
  assert.equal(error.option, '--max-io-pressure');
  assert.equal(error.exitCode, 2);
  assert.match(error.message, /^--max-io-pressure: "-5" is not a percentage/);
});

test('a percentage over 100 is refused naming the flag', () => {
  assert.equal(refusal({ 'max-util': '120%' }).option, '--max-util');
  assert.equal(refusal({ 'min-free': '101%' }).option, '--min-free');
});

test('min-free without a unit is refused, since 10 could mean percent or bytes', () => {
  const error = refusal({ 'min-free': '10' });
  assert.equal(error.option, '--min-free');
  assert.match(error.message, /10% or a size with a unit like 5G/);
});

test('garbage is refused for every flag', () => {
  for (const flag of ['max-io-pressure', 'max-io-full', 'max-util', 'max-dirty', 'max-dirty-rise', 'max-blocked', 'min-free', 'max-load']) {
    assert.equal(refusal({ [flag]: 'lots' }).option, `--${flag}`);
    assert.equal(refusal({ [flag]: '' }).option, `--${flag}`);
  }
});

test('a count with a fraction or a unit is refused', () => {
  assert.equal(refusal({ 'max-blocked': '2.5' }).option, '--max-blocked');
  assert.equal(refusal({ 'max-blocked': '5%' }).option, '--max-blocked');
  assert.equal(refusal({ 'max-load': '-1' }).option, '--max-load');
});

test('the library refuses the values the CLI refuses, naming the field (one validator)', async () => {
  const { checkSystem } = await import('../../src/probe/check-system.ts');
  await assert.rejects(checkSystem({ maxIoPressure: 150 }), (e: unknown) => e instanceof IoguardError && e.code === 'ERR_INVALID_OPTION' && /maxIoPressure/.test(e.message));
  await assert.rejects(checkSystem({ maxBlocked: 2.5 }), /maxBlocked/);
  await assert.rejects(checkSystem({ minFree: { percent: 101 } }), /minFree/);
  assert.equal(refusal({ 'max-io-pressure': '150' }).option, '--max-io-pressure');
});

test('runCommand refuses out-of-range gate thresholds before taking any lock', async () => {
  const { normalizeGate } = await import('../../src/gate/gate-options.ts');
  assert.throws(() => normalizeGate({ thresholds: { maxIoPressure: 150 } }), /gate\.thresholds\.maxIoPressure/);
  assert.throws(() => normalizeGate({ thresholds: { maxLoad: -1 } }), /gate\.thresholds\.maxLoad/);
  assert.throws(() => normalizeGate({ thresholds: { maxIoPresure: 20 } as never }), /gate\.thresholds\.maxIoPresure/);
  assert.deepEqual(normalizeGate({ thresholds: { maxIoPressure: 20 } }).thresholds, { maxIoPressure: 20 });
});
