import { invalidOption } from '../errors/ioguard-error.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parse a duration with units: `500ms`, `90s`, `10m`, `1h30m`, `1.5h`. A bare number is refused
 * because `--timeout 30` is ambiguous (seconds? minutes?) and a wrong guess kills jobs.
 */
export function parseDuration(text: string, option: string): number {
  const value = text.trim();
  if (value === '') throw invalidOption(option, text, 'a duration with a unit, like 90s, 10m or 1h30m');
  if (/^-\s*\d/.test(value)) throw invalidOption(option, text, 'a duration: it is negative');
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  while (consumed < value.length) {
    PART.lastIndex = consumed;
    const m = PART.exec(value);
    if (!m) throw invalidOption(option, text, 'a duration with a unit, like 90s, 10m or 1h30m');
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = PART.lastIndex;
  }
  if (!Number.isFinite(total) || total > 2 ** 31 * 1000) throw invalidOption(option, text, 'a duration under 68 years');
  // Rounded to whole milliseconds: a value above zero that rounds to 0 would mean "no time at all".
  if (total > 0 && total < 1) throw invalidOption(option, text, 'a usable duration: it is below 1 ms, the smallest step');
  return Math.round(total);
}

/**
 * Human form of a duration for messages and tables: `2h05m`, `3m20s`, `850ms`. The `short` style
 * rounds to the largest units for sentences and history columns: `3s`, `58m`, `1h30m`, `2d`.
 */
export function formatDuration(ms: number, style: 'exact' | 'short' = 'exact'): string {
  if (!Number.isFinite(ms)) return '-';
  if (style === 'short') return roughly(ms);
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

function roughly(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 ? `${Math.round(ms)}ms` : `${s}s`;
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.round(h / 24)}d`;
}
