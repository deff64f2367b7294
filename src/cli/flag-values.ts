import { renameOption } from '../errors/ioguard-error.ts';
import { integer } from '../util/validate.ts';
import { parseDuration } from '../util/duration.ts';

/** A flag's value as a string; for an array (the library's callers), the last one wins, as in most tools. */
export function lastValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return lastValue(value[value.length - 1]);
  return String(value);
}

export function durationFlag(args: Record<string, unknown>, flag: string): number | undefined {
  const value = lastValue(args[flag]);
  return value === undefined ? undefined : parseDuration(value, `--${flag}`);
}

/** A whole number as typed (`-5`, `300`); anything else is NaN, for the validator to refuse. */
export function integerText(text: string): number {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
}

/** A CLI-only whole-number flag (`--limit`), checked by the shared validator and told with the text typed. */
export function intFlag(args: Record<string, unknown>, flag: string, min: number, max: number): number | undefined {
  const value = lastValue(args[flag]);
  if (value === undefined) return undefined;
  try {
    return integer(`--${flag}`, integerText(value), min, max);
  } catch (error) {
    throw renameOption(error, `--${flag}`, value);
  }
}
