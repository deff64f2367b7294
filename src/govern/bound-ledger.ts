import type { BdiLimits } from './bdi-limits.ts';

/** One run holding a device's bound: the wrapper's identity (pid + start time within a boot) and what it asked for. */
export interface BoundHolder {
  /** Tells two holders in one process apart (a library caller bounding twice). */
  token: string;
  pid: number;
  starttime: number;
  bootId: string;
  job: string;
  bytes: number;
  /** ISO time the holder set or joined the bound. */
  since: string;
}

/**
 * `/run/ioguard/backlog-bound/bdi-bound.MAJ_MIN.json` (`boundLedgerDir`): what the device had before the first holder changed it,
 * and who holds it now. The last holder to leave restores `saved`; a holder that died without
 * leaving (SIGKILL) is dropped by the next run that reads the ledger.
 */
export interface BoundLedger {
  device: string;
  saved: BdiLimits;
  holders: BoundHolder[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function parseSaved(v: unknown): BdiLimits | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Record<string, unknown>;
  if (typeof s.strictLimit !== 'boolean' || !isNum(s.maxRatio)) return undefined;
  if (s.maxRatioFine !== undefined && !isNum(s.maxRatioFine)) return undefined;
  const maxBytes = isNum(s.maxBytes) ? s.maxBytes : undefined;
  return { strictLimit: s.strictLimit, maxRatio: s.maxRatio, maxRatioFine: s.maxRatioFine, maxBytes };
}

function parseHolder(v: unknown): BoundHolder | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const h = v as Record<string, unknown>;
  if (typeof h.token !== 'string' || !isNum(h.pid) || !isNum(h.starttime) || typeof h.bootId !== 'string') return undefined;
  if (typeof h.job !== 'string' || !isNum(h.bytes) || typeof h.since !== 'string') return undefined;
  return { token: h.token, pid: h.pid, starttime: h.starttime, bootId: h.bootId, job: h.job, bytes: h.bytes, since: h.since };
}

/** Undefined for text that is not a ledger: the caller treats it as absent and keeps the device as it is. */
export function parseLedger(text: string): BoundLedger | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const saved = parseSaved(o.saved);
  if (typeof o.device !== 'string' || !/^\d+:\d+$/.test(o.device) || saved === undefined || !Array.isArray(o.holders)) return undefined;
  const holders = o.holders.map(parseHolder);
  if (holders.some((h) => h === undefined)) return undefined;
  return { device: o.device, saved, holders: holders as BoundHolder[] };
}

export function serializeLedger(l: BoundLedger): string {
  return `${JSON.stringify(l)}\n`;
}

/**
 * The bound to write: the smallest any holder asked for, and never looser than what the device
 * already had (`strict_limit` 1 with a smaller `max_bytes`, e.g. set by its admin).
 */
export function boundInForce(holders: readonly BoundHolder[], saved: BdiLimits): number | undefined {
  if (holders.length === 0) return undefined;
  const asked = Math.min(...holders.map((h) => h.bytes));
  return saved.strictLimit && saved.maxBytes !== undefined ? Math.min(asked, saved.maxBytes) : asked;
}

/** File names in the ledger folder for a device's ledger and the flock that guards it. */
export function ledgerPaths(lockDir: string, device: string): { ledger: string; lock: string } {
  const key = device.replace(':', '_');
  return { ledger: `${lockDir}/bdi-bound.${key}.json`, lock: `${lockDir}/bdi-bound.${key}.lock` };
}

export const LEDGER_FILE = /^bdi-bound\.(\d+)_(\d+)\.json$/;
