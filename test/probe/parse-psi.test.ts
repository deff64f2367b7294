import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePsi } from '../../src/proc/parse-psi.ts';
import { readPsi } from '../../src/proc/psi.ts';
import { stallPercent } from '../../src/probe/psi-window.ts';
import { fixture, fixturePath } from './helpers/fixtures.ts';

test('a PSI file from kernel 6.18 gives some and full with averages and the total in microseconds', () => {
  const psi = parsePsi(fixture('psi/io-6.18'));
  assert.deepEqual(psi, {
    some: { avg10: 67.96, avg60: 38.71, avg300: 12.05, totalUs: 41772090 },
    full: { avg10: 53.96, avg60: 29.55, avg300: 9.46, totalUs: 32975400 },
  });
});

test('a PSI file without a full line parses with full undefined', () => {
  const psi = parsePsi(fixture('psi/cpu-some-only-5.4'));
  assert.equal(psi?.full, undefined);
  assert.equal(psi?.some.totalUs, 0);
});

test('text that is not PSI parses to undefined', () => {
  assert.equal(parsePsi(fixture('psi/garbage')), undefined);
});

test('a proc root without /proc/pressure reads as missing, not as an error', () => {
  assert.deepEqual(readPsi('io', { procRoot: fixturePath('proc-3.10') }), { ok: false, reason: 'missing', path: `${fixturePath('proc-3.10')}/pressure/io` });
});

test('a PSI path that exists but cannot be read is reported as unreadable', () => {
  const root = mkdtempSync(join(tmpdir(), 'ioguard-psi-'));
  try {
    mkdirSync(join(root, 'pressure', 'io'), { recursive: true });
    const read = readPsi('io', { procRoot: root });
    assert.equal(read.ok, false);
    assert.equal(!read.ok && read.reason, 'unreadable');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the measured stall is the growth of the total over the wall time', () => {
  assert.equal(stallPercent(1_000_000, 1_250_000, 1000), 25);
  assert.equal(stallPercent(0, 1_500_000, 500), 100);
});

test('a PSI total that went backwards gives no stall figure', () => {
  assert.equal(stallPercent(2_000_000, 1_000_000, 1000), undefined);
  assert.equal(stallPercent(0, 10, 0), undefined);
});
