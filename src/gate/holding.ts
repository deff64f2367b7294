import { formatBytes, formatPercent } from '../util/format-units.ts';
import type { Reason, Verdict } from '../probe/evaluate.ts';

/** What holds a job back, short enough for a status column: `io some 74%`. */
export interface Holding {
  /** `io some`, `io full`, `dirty`, `dirty rising`, `throttled writers`, `D-state tasks`, `free space`, `load`, `util sda`. */
  signal: string;
  /** The measured figure with its unit: `74%`, `2 tasks`, `12.5 points/s`. */
  figure: string;
  /** The limit it passed, with unit. */
  limit: string;
}

function label(r: Pick<Reason, 'signal' | 'unit' | 'device'>): string {
  if (r.signal === 'dirty') return r.unit === 'tasks' ? 'throttled writers' : r.unit === '% per s' ? 'dirty rising' : 'dirty';
  const names: Record<string, string> = { ioPressure: 'io some', ioFull: 'io full', blocked: 'D-state tasks', free: 'free space', load: 'load', util: 'util' };
  return r.signal === 'util' && r.device ? `util ${r.device}` : (names[r.signal] ?? r.signal);
}

function withUnit(value: number, unit: Reason['unit']): string {
  if (unit === '%') return formatPercent(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === '% per s') return `${value.toFixed(1)} points/s`;
  if (unit === 'per CPU') return `${value.toFixed(2)} per CPU`;
  return `${value} ${unit}`;
}

export function holdingOf(r: Reason): Holding {
  return { signal: label(r), figure: withUnit(r.value, r.unit), limit: withUnit(r.threshold, r.unit) };
}

/** Every tripped limit of a verdict, for status and log lines. */
export function holdingsOf(v: Verdict): Holding[] {
  return v.reasons.map(holdingOf);
}

/** `io some 74% (limit 30%)`. */
export const holdingText = (x: Holding): string => `${x.signal} ${x.figure} (limit ${x.limit})`;

/** `io some 74% (limit 30%), dirty 95% (limit 90%)`. */
export function describeHoldings(h: readonly Holding[]): string {
  return h.map(holdingText).join(', ');
}

/** Why a skipped tick's holder has not started its job yet, or undefined when it runs. */
export function heldHolderReason(record: { phase: string; hold?: { kind: string; signals: string[] } | null } | null | undefined): string | undefined {
  if (!record) return undefined;
  const signals = record.hold?.signals.join(', ');
  if (record.phase === 'deferring') return `previous run still deferring for pressure${signals ? ` (held by ${signals})` : ''}`;
  if (record.phase === 'waiting-slot') return `previous run still waiting for a slot${signals ? ` (${signals})` : ''}`;
  if (record.hold?.kind === 'paused') return `previous run still running, paused for pressure${signals ? ` (${signals})` : ''}`;
  return undefined;
}
