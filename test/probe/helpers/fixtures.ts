import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;

export function fixture(relative: string): string {
  return readFileSync(join(FIXTURES, relative), 'utf8');
}

export function fixturePath(relative: string): string {
  return join(FIXTURES, relative);
}

/** A writable copy of a fixture folder, for tests that change counters between two samples. */
export function copyFixture(relative: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-fixture-'));
  cpSync(join(FIXTURES, relative), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
