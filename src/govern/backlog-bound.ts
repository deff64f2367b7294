import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { closeFd, openLockFile, waitFlock } from '../lock/flock.ts';
import { readSmallFile } from '../util/read-small-file.ts';
import { readBootId } from '../proc/boot-id.ts';
import { readPidStat } from '../proc/processes.ts';
import { DEFAULT_ROOTS, type ProcRoots } from '../proc/roots.ts';
import { selfIdentity, type SelfIdentity } from '../proc/self.ts';
import { bdisOfPath, readBdiLimits, writeBdiBound, writeBdiLimits, type BdiLimits } from './bdi-limits.ts';
import { LEDGER_FILE, boundInForce, ledgerPaths, parseLedger, serializeLedger } from './bound-ledger.ts';
import type { BoundHolder, BoundLedger } from './bound-ledger.ts';

/**
 * The bound measured in docs/governor.md ("Bounding the backlog") on an 8 MiB/s device: 1 MiB of
 * dirty + writeback. It cut a fast device's buffered throughput ~10x there: size it to the device.
 */
export const DEFAULT_BACKLOG_BYTES = 1024 * 1024;
const LEDGER_LOCK_WAIT_MS = 10_000;

export interface BacklogBoundOptions {
  /** Paths the job writes (the gate's `--path`, a file it holds open); each writeback device under them is bounded once. */
  paths: readonly string[];
  /** Dirty + writeback allowed on each device while the job runs. */
  bytes: number;
  /** Where the ledgers live: one folder per machine (`boundLedgerDir`), since the bound is the device's, whatever lock folder a job uses. */
  ledgerDir: string;
  job: string;
  roots?: ProcRoots;
  /** Devices (MAJ:MIN of their bdi) to bound beside those under `paths`. */
  devices?: readonly string[];
  /** Who holds the bound (pid, start time, boot id): the run's own identity; read from /proc when absent. */
  holder?: HolderIdentity;
}

/**
 * The machine's ledger folder, `/run/ioguard/backlog-bound` (tmpfs: a reboot forgets the ledgers
 * as it forgets the bounds). `runRoot` moves it for tests.
 */
export function boundLedgerDir(runRoot = '/run'): string {
  return `${runRoot}/ioguard/backlog-bound`;
}

/** One device held to a bound by this run. */
export interface HeldBound {
  device: string;
  /** What the device had before any holder bounded it (restored by the last holder). */
  was: BdiLimits;
  /** The bound in force (the smallest any holder asked for, never looser than the device had). */
  bytes: number;
  /** What this holder asked for last (the auto bound compares its next size with this). */
  asked: number;
  /** Ask for another size (the auto bound follows the device's rate); false when it could not be set. Never throws. */
  resize(bytes: number): Promise<boolean>;
  /** Restore the device if this was the last holder, else leave the others' bound. Never throws; idempotent. */
  release(): Promise<void>;
}

export interface BacklogBoundResult {
  bounds: HeldBound[];
  /** Why a path's device was not bounded: no writeback device, not root, the ledger lock busy. */
  problems: string[];
}

/** A bound's holder: the run's pid and start time on this boot. */
export type HolderIdentity = SelfIdentity & { bootId: string };

function alive(h: BoundHolder, bootId: string, roots: ProcRoots): boolean {
  return h.bootId === bootId && readPidStat(h.pid, roots)?.starttime === h.starttime;
}

function readLedger(path: string): BoundLedger | undefined {
  const r = readSmallFile(path);
  return r.kind === 'ok' ? parseLedger(r.text) : undefined;
}

function writeLedger(path: string, l: BoundLedger): void {
  writeFileSync(`${path}.tmp`, serializeLedger(l), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Run `fn` holding the device's ledger flock; undefined when the lock was not had in time. */
async function underLedgerLock<T>(ledgerDir: string, device: string, fn: (ledgerPath: string) => T): Promise<T | undefined> {
  mkdirSync(ledgerDir, { recursive: true, mode: 0o700 });
  const { ledger, lock } = ledgerPaths(ledgerDir, device);
  const fd = openLockFile(lock);
  try {
    if (!(await waitFlock(fd, lock, LEDGER_LOCK_WAIT_MS))) return undefined;
    return fn(ledger);
  } finally {
    closeFd(fd);
  }
}

interface LedgerChange {
  add?: BoundHolder;
  remove?: string;
  resize?: { token: string; bytes: number };
}

/**
 * Most a bound may ask: 90% of the global dirty limit (the kernel refuses a max_bytes above it
 * with EINVAL). A bound at this ceiling holds nothing back.
 */
export function boundCeiling(saved: BdiLimits): number | undefined {
  if (saved.maxBytes === undefined || saved.maxRatio <= 0) return undefined;
  return Math.floor(((saved.maxBytes * 100) / saved.maxRatio) * 0.9);
}

/**
 * Under the ledger lock: drop holders that died (SIGKILLed wrappers), add, remove or resize one,
 * then write the bound the holders need, or restore what the device had once none is left. When
 * the sysfs writes fail, the device gets back what it had and the change is not recorded.
 */
function settle(ledgerPath: string, device: string, roots: ProcRoots, change: LedgerChange): { bytes: number; saved: BdiLimits } | undefined {
  const bootId = readBootId(roots);
  const before = readLedger(ledgerPath);
  const saved = before?.saved ?? readBdiLimits(device, roots.sysRoot);
  if (saved === undefined) throw new Error(`no /sys/class/bdi/${device}`);
  const holders = (before?.holders ?? []).filter((h) => h.token !== change.remove && alive(h, bootId, roots));
  if (change.add) holders.push(change.add);
  const { resize } = change;
  if (resize) for (const h of holders) if (h.token === resize.token) h.bytes = resize.bytes;
  const asked = boundInForce(holders, saved);
  if (asked === undefined) {
    if (before !== undefined) writeBdiLimits(device, saved, roots.sysRoot);
    rmSync(ledgerPath, { force: true });
    return undefined;
  }
  const ceiling = boundCeiling(saved);
  const bytes = ceiling === undefined ? asked : Math.min(asked, ceiling);
  // Ledger first: a crash between the two writes leaves a ledger that restores, never a bound without one.
  writeLedger(ledgerPath, { device, saved, holders });
  try {
    writeBdiBound(device, bytes, roots.sysRoot);
  } catch (error) {
    // No max_bytes (kernel < 6.2), a read-only /sys, EINVAL: undo this change, keep the others' bound.
    const others = (before?.holders ?? []).filter((h) => alive(h, bootId, roots));
    const theirs = boundInForce(others, saved);
    try {
      if (theirs === undefined) {
        writeBdiLimits(device, saved, roots.sysRoot);
        rmSync(ledgerPath, { force: true });
      } else {
        writeLedger(ledgerPath, { device, saved, holders: others });
        writeBdiBound(device, theirs, roots.sysRoot);
      }
    } catch {}
    throw error;
  }
  return { bytes, saved };
}

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/**
 * Hold the dirty + writeback backlog of the devices under `paths` to `bytes` (strict_limit 1,
 * max_bytes) until `release()`. Needs root; every problem is reported, none thrown: the job runs
 * unbounded rather than not at all.
 */
export async function boundBacklog(o: BacklogBoundOptions): Promise<BacklogBoundResult> {
  const roots = o.roots ?? DEFAULT_ROOTS;
  const problems: string[] = [];
  const devices = new Set<string>(o.devices);
  for (const path of o.paths) {
    const bdis = bdisOfPath(path, roots);
    if (Array.isArray(bdis)) for (const d of bdis) devices.add(d);
    else problems.push(bdis.problem);
  }
  if (devices.size > 0 && process.getuid?.() !== 0) {
    const why = `not root: /sys/class/bdi/*/max_bytes is root's to write; backlog not bounded on ${[...devices].join(', ')}`;
    return { bounds: [], problems: [...problems, why] };
  }
  const me: HolderIdentity = o.holder ?? { ...selfIdentity(roots), bootId: readBootId(roots) };
  const bounds: HeldBound[] = [];
  for (const device of devices) {
    if (readBdiLimits(device, roots.sysRoot)?.maxBytes === undefined) {
      problems.push(`${device}: no max_bytes in /sys/class/bdi/${device} (kernel before 6.2); backlog not bounded`);
      continue;
    }
    const holder: BoundHolder = { token: randomUUID(), ...me, job: o.job, bytes: o.bytes, since: new Date().toISOString() };
    try {
      const settled = await underLedgerLock(o.ledgerDir, device, (p) => settle(p, device, roots, { add: holder }));
      const busy = `${device}: the bound's ledger stayed locked for ${LEDGER_LOCK_WAIT_MS / 1000}s; backlog not bounded`;
      if (settled === undefined) problems.push(busy);
      else bounds.push(held(o.ledgerDir, device, settled, o.bytes, holder.token, roots));
    } catch (error) {
      problems.push(`${device}: cannot bound the backlog (${reason(error)})`);
    }
  }
  return { bounds, problems };
}

function held(ledgerDir: string, device: string, settled: { bytes: number; saved: BdiLimits }, asked: number, token: string, roots: ProcRoots): HeldBound {
  let released = false;
  return {
    device,
    was: settled.saved,
    bytes: settled.bytes,
    asked,
    async resize(next: number) {
      if (released) return false;
      try {
        const inForce = await underLedgerLock(ledgerDir, device, (p) => settle(p, device, roots, { resize: { token, bytes: next } }));
        if (inForce === undefined) return false;
        this.asked = next;
        this.bytes = inForce.bytes;
        return true;
      } catch {
        return false;
      }
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await underLedgerLock(ledgerDir, device, (p) => settle(p, device, roots, { remove: token }));
      } catch {
        // The next run that reads the ledger restores the device.
      }
    },
  };
}

/**
 * Restore every device whose bound's holders are all gone (wrappers killed with SIGKILL): call
 * it at the start of a run. Returns the devices restored.
 */
export async function restoreOrphanedBounds(ledgerDir: string, roots: ProcRoots = DEFAULT_ROOTS): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(ledgerDir);
  } catch {
    return [];
  }
  const restored: string[] = [];
  for (const name of names) {
    const m = LEDGER_FILE.exec(name);
    if (!m) continue;
    const device = `${m[1]}:${m[2]}`;
    try {
      const orphaned = (p: string): boolean => readLedger(p) !== undefined && settle(p, device, roots, {}) === undefined;
      const outcome = await underLedgerLock(ledgerDir, device, (p) => (orphaned(p) ? 'restored' : 'kept'));
      if (outcome === 'restored') restored.push(device);
    } catch {}
  }
  return restored;
}

/** For `status`: the bounds in force on this machine, with their holders. */
export function listBounds(ledgerDir: string): BoundLedger[] {
  let names: string[];
  try {
    names = readdirSync(ledgerDir);
  } catch {
    return [];
  }
  return names.filter((n) => LEDGER_FILE.test(n)).flatMap((n) => readLedger(`${ledgerDir}/${n}`) ?? []);
}
