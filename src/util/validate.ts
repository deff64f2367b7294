import { invalidOption, optionProblem } from '../errors/ioguard-error.ts';
import { postgresUrlProblem } from './postgres-url.ts';

/**
 * The validators of option values, shared by every folder's normalizer. Each names the option,
 * the value and what was expected; the CLI renames the option to its flag (cli/flag-errors.ts).
 */

/** Milliseconds, rounded to whole ones: at least `min` (default 0), or above zero, and at most `max`; `fallback` when absent. */
export function milliseconds<F extends number | undefined>(
  option: string,
  value: unknown,
  fallback: F,
  limit: { min?: number; max?: number; aboveZero?: boolean } = {},
): number | F {
  if (value === undefined) return fallback;
  const min = limit.min ?? 0;
  const max = limit.max ?? Infinity;
  const ok = typeof value === 'number' && Number.isFinite(value) && (limit.aboveZero === true ? value > 0 : value >= min) && value <= max;
  if (!ok) throw invalidOption(option, value, expectedMs(min, max, limit.aboveZero === true));
  return Math.round(value);
}

function expectedMs(min: number, max: number, aboveZero: boolean): string {
  if (max !== Infinity) return `a number of milliseconds from ${aboveZero ? 'above 0' : min} to ${max}`;
  return aboveZero ? 'a number of milliseconds above zero' : `a number of milliseconds >= ${min}`;
}

/** A percentage from 0 to 100; `fallback` when absent. */
export function percent(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) throw invalidOption(option, value, 'a percentage from 0 to 100');
  return value;
}

/** A whole number from `min` to `max`. */
export function integer(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidOption(option, value, `an integer from ${min} to ${max}`);
  return value;
}

/** One of a fixed list of words. */
export function choice<T extends string>(option: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw invalidOption(option, value, `one of ${choices.join(', ')}`);
  return value as T;
}

/** A postgres:// or postgresql:// URL that parses; the error says what is wrong and never echoes it (it may hold a password). */
export function postgresUrl(option: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidOption(option, value, 'a postgres:// or postgresql:// URL');
  const problem = postgresUrlProblem(value);
  if (problem !== undefined) throw optionProblem(option, problem);
  return value;
}
