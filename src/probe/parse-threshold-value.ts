import { invalidOption } from '../errors/ioguard-error.ts';

/** Binary multiples, as df -h and du -h print them: 5G is 5 × 2^30 bytes. */
const SIZE_UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
const NUMBER = /^\d+(?:\.\d+)?$/;

/** `20` or `20%` → 20; refuses negatives, values over 100 and anything else. */
export function parsePercent(text: string, option: string): number {
  const value = text.trim().replace(/%$/, '');
  const n = Number(value);
  if (!NUMBER.test(value) || n > 100) throw invalidOption(option, text, 'a percentage from 0 to 100, like 20 or 20%');
  return n;
}

/** A count of tasks: a whole number ≥ 0. */
export function parseCount(text: string, option: string): number {
  const value = text.trim();
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw invalidOption(option, text, 'a whole number ≥ 0, like 20');
  return Number(value);
}

/** A plain number ≥ 0 without unit (load per CPU). */
export function parseNumber(text: string, option: string): number {
  const value = text.trim();
  if (!NUMBER.test(value)) throw invalidOption(option, text, 'a number ≥ 0, like 2 or 1.5');
  return Number(value);
}

/**
 * `10%` → percent, `5G`/`500MiB`/`1.5T` → bytes. A bare number other than 0 is refused: `10`
 * could mean 10% or 10 bytes, and a wrong guess either blocks every job or checks nothing.
 */
export function parsePercentOrSize(text: string, option: string): { percent: number } | { bytes: number } {
  const value = text.trim();
  const expected = 'a percentage like 10% or a size with a unit like 5G, 500M or 2T';
  if (value.endsWith('%')) {
    const n = Number(value.slice(0, -1));
    if (!NUMBER.test(value.slice(0, -1)) || n > 100) throw invalidOption(option, text, expected);
    return { percent: n };
  }
  if (value === '0') return { bytes: 0 };
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp])(?:i?b)?$/i.exec(value) ?? /^(\d+)\s*(b)$/i.exec(value);
  if (!m) throw invalidOption(option, text, expected);
  const unit = (m[2] as string).toLowerCase();
  const bytes = Number(m[1]) * (unit === 'b' ? 1 : (SIZE_UNITS[unit] as number));
  if (!Number.isSafeInteger(Math.round(bytes))) throw invalidOption(option, text, expected);
  return { bytes: Math.round(bytes) };
}
