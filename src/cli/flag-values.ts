import { invalidOption } from '../errors/ioguard-error.ts';
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

export function intFlag(args: Record<string, unknown>, flag: string, min: number, max: number): number | undefined {
  const value = lastValue(args[flag]);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw invalidOption(`--${flag}`, value, `an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export function choiceFlag<T extends string>(args: Record<string, unknown>, flag: string, choices: readonly T[]): T | undefined {
  const value = lastValue(args[flag]);
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw invalidOption(`--${flag}`, value, `one of ${choices.join(', ')}`);
  return value as T;
}
