import { join } from 'node:path';
import { invalidOption } from '../errors/ioguard-error.ts';
import { abortableSleep, jittered } from '../util/sleep.ts';
import { closeFd, openLockFile, tryFlock } from '../lock/flock.ts';

/** A host-wide counting semaphore: at most `count` runs hold slot `name` at once. */
export interface Slot {
  name: string;
  count: number;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const MAX_SLOT_COUNT = 64;

/** `heavy` → 1 slot, `heavy:2` → 2 (like `sem -j 2`). */
export function parseSlot(text: string, option = '--slot'): Slot {
  const m = /^([^:]+)(?::(\d+))?$/.exec(text.trim());
  const expected = `NAME or NAME:N (NAME of A-Z a-z 0-9 . _ -, N from 1 to ${MAX_SLOT_COUNT}), like heavy or heavy:2`;
  if (!m || !NAME.test(m[1] as string) || m[1] === '.' || m[1] === '..') throw invalidOption(option, text, expected);
  const count = m[2] === undefined ? 1 : Number(m[2]);
  if (!Number.isInteger(count) || count < 1 || count > MAX_SLOT_COUNT) throw invalidOption(option, text, expected);
  return { name: m[1] as string, count };
}

export function normalizeSlot(v: unknown, option = 'slot'): Slot | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return parseSlot(v, option);
  if (typeof v === 'object' && v !== null) {
    const s = v as Partial<Slot>;
    return parseSlot(`${String(s.name)}:${String(s.count ?? 1)}`, option);
  }
  throw invalidOption(option, v, 'a slot name like "heavy" or "heavy:2", or { name, count }');
}

/** The flock(2) files of one slot, beside the job locks: `slot.heavy.0.lock` ... */
export function slotFiles(lockDir: string, slot: Slot): string[] {
  return Array.from({ length: slot.count }, (_, i) => join(lockDir, `slot.${slot.name}.${i}.lock`));
}

/** Take a free slot file now, starting at a random one so waiters spread; the fd holds it. */
export function tryTakeSlot(files: readonly string[]): { fd: number; index: number } | undefined {
  const start = Math.floor(Math.random() * files.length);
  for (let k = 0; k < files.length; k++) {
    const index = (start + k) % files.length;
    const path = files[index] as string;
    const fd = openLockFile(path);
    if (tryFlock(fd, path)) return { fd, index };
    closeFd(fd);
  }
  return undefined;
}

export interface WaitSlotOptions {
  lockDir: string;
  maxWaitMs: number;
  now: () => number;
  signal: AbortSignal;
  /** Mean delay between tries, spread ±50%. Default 1 s. */
  retryMs?: number;
}

/** A slot taken (its fd holds it), or the wait that ended without one. */
export type SlotWait = { fd: number; index: number; waitedMs: number } | { fd: undefined; waitedMs: number; interrupted: boolean };

/**
 * Wait (bounded) for a slot. The kernel drops a holder's flock when it exits, even by SIGKILL,
 * so a crashed holder never keeps a slot. Tries are jittered: waiters due the same second do not
 * all retry together, and whichever tries first after a release takes the slot.
 */
export async function waitForSlot(slot: Slot, o: WaitSlotOptions): Promise<SlotWait> {
  const files = slotFiles(o.lockDir, slot);
  const start = o.now();
  for (;;) {
    const got = tryTakeSlot(files);
    if (got) return { ...got, waitedMs: o.now() - start };
    const waited = o.now() - start;
    if (o.signal.aborted || waited >= o.maxWaitMs) return { fd: undefined, waitedMs: waited, interrupted: o.signal.aborted };
    await abortableSleep(Math.min(jittered(o.retryMs ?? 1000), o.maxWaitMs - waited), o.signal);
  }
}
