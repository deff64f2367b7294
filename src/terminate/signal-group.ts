import { constants } from 'node:os';

/**
 * Send a signal to every process of a group. False when the group has no process left. Never
 * throws: EPERM (every member now runs as another user, e.g. a setuid helper) leaves the group
 * alive, and the caller's polling sees it survive, rather than an exception ending supervision.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | number): boolean {
  // pgid 0 or 1 would mean our own group or every process: never.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The number of a signal name (`SIGTERM` → 15), for 128+N exit statuses. */
export function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

/** Accept `TERM`, `SIGTERM`, `sigterm` or `15`; undefined when it is none of them. */
export function normalizeSignal(input: string): NodeJS.Signals | undefined {
  const text = input.trim().toUpperCase();
  const signals = constants.signals as Record<string, number>;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return Object.keys(signals).find((k) => signals[k] === n) as NodeJS.Signals | undefined;
  }
  const name = text.startsWith('SIG') ? text : `SIG${text}`;
  return name in signals ? (name as NodeJS.Signals) : undefined;
}
