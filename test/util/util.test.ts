import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeAtomically } from '../../src/util/file-io.ts';
import { formatBytes } from '../../src/util/format-units.ts';
import { formatDuration } from '../../src/util/duration.ts';
import { tableLines } from '../../src/util/table.ts';
import { milliseconds } from '../../src/util/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioguard-util-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the one atomic writer', () => {
  it('replaces the file with the mode asked for, whatever the umask', () => {
    const path = join(dir, 'state');
    writeAtomically(path, 'one\n');
    writeAtomically(path, 'two\n', 0o644);
    assert.equal(readFileSync(path, 'utf8'), 'two\n');
    assert.equal(statSync(path).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('leaves no temp file behind when the rename fails', () => {
    const target = join(dir, 'a-folder');
    mkdirSync(join(target, 'inside'), { recursive: true });
    assert.throws(() => writeAtomically(target, 'x'), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});

describe('the one byte and duration formatter', () => {
  it('prints bytes in binary units, long for sentences and compact for a table column', () => {
    assert.equal(formatBytes(1536 * 1024 * 1024), '1.5 GiB');
    assert.equal(formatBytes(1536 * 1024 * 1024, 'compact'), '1.5G');
    assert.equal(formatBytes(512, 'compact'), '512B');
    assert.equal(formatBytes(20 * 1024 * 1024, 'compact'), '20M');
  });

  it('prints a duration exactly for messages and rounded for sentences', () => {
    assert.equal(formatDuration(200_000), '3m20s');
    assert.equal(formatDuration(5_400_000, 'short'), '1h30m');
    assert.equal(formatDuration(3_600_000, 'short'), '1h');
    assert.equal(formatDuration(850, 'short'), '850ms');
  });
});

describe('the one table renderer', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    assert.deepEqual(tableLines(['NAME', 'STATE', 'NOTE'], [['a', 'running', 'x'], ['long-name', 'idle', '']]), [
      'NAME       STATE    NOTE',
      'a          running  x',
      'long-name  idle     ',
    ]);
  });
});

describe('the shared validators', () => {
  it('milliseconds: rounded, the fallback when absent, named when refused', () => {
    assert.equal(milliseconds('waitMs', 1.6, undefined), 2);
    assert.equal(milliseconds('waitMs', undefined, 7), 7);
    assert.throws(() => milliseconds('waitMs', -1, 0), /^IoguardError: waitMs: -1 \(number\) is not a number of milliseconds >= 0$/);
    assert.throws(() => milliseconds('fleet.heartbeatMs', 0, 1, { aboveZero: true }), /above zero/);
    assert.throws(() => milliseconds('govern.intervalMs', 10, 1, { min: 50 }), />= 50/);
  });
});
