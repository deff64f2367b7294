import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { invalidOption } from '../errors/ioguard-error.ts';

const NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Validate an explicit job key (`--name`). Dots alone are refused: they would name the folder itself. */
export function validateJobName(name: string, option = '--name'): string {
  if (!NAME.test(name) || name === '.' || name === '..') {
    throw invalidOption(option, name, '1-128 characters of A-Z a-z 0-9 . _ -');
  }
  return name;
}

/**
 * Derive a key from the full command line: the program's base name for people, a hash of every
 * argument for identity. A changing argument (a date) gives a new key each run and defeats the
 * lock; the README says to pass --name for such jobs.
 */
export function deriveJobName(argv: readonly string[]): string {
  const program = basename(argv[0] ?? 'job').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48) || 'job';
  const hash = createHash('sha256').update(JSON.stringify(argv)).digest('hex').slice(0, 12);
  return `${program}-${hash}`;
}
