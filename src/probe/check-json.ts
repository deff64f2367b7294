import type { Verdict } from './evaluate.ts';
import { ioWaitCount } from './d-state-census.ts';
import type { ProbeSnapshot } from './types.ts';

/**
 * The `ioguard check --json` document. Field names are stable (camelCase); new fields may be
 * added, existing ones are never renamed. Built field by field so internal types can change.
 *
 * - `version` (1), `healthy`, `reasons[]` {signal, value, threshold, unit, message, device?},
 *   `checks[]` (same plus `ok`), `notCheckedSignals[]` {signal, message}, `fallback`, `notes[]`
 * - `windowMs`: measured sampling window
 * - `psi.{io,memory,cpu}`: null when missing, else {some, full|null}, each
 *   {avg10, avg60, avg300, totalUs, stallPercent|null}
 * - `disks[]`: {name, major, minor, partition, utilPercent, readsPerSec, writesPerSec,
 *   readKBPerSec, writeKBPerSec, awaitMs, readAwaitMs, writeAwaitMs, queueSize,
 *   inFlightReads|null, inFlightWrites|null, backsPath}
 * - `path`: null or {path, checkedPath, dev, fsType, mountPoint, source, blockDevice, disks[], routes[],
 *   upperDir|null (overlay's upper layer)}
 * - `space`: null or {totalBytes, availableBytes, freePercent, totalInodes, freeInodes, freeInodesPercent|null}
 * - `dirty`: null or {dirtyPages, writebackPages, thresholdPages, backgroundThresholdPages,
 *   throttlePointPages, percentOfThrottle, pageSizeBytes}
 * - `dState`: {count, waitingOnIo (count without frozen tasks and vfork parents: what --max-blocked
 *   counts), groups[] {wchan, meaning|null, count, tasks[] {pid, tid, comm, wchan|null}}}
 * - `load`: null or {load1, load5, load15, cpus, perCpu1, perCpu5, perCpu15}
 * - `missing[]`: signal names absent on this kernel; `unreadable[]` {signal, path}
 */
export function toCheckJson(snapshot: ProbeSnapshot, verdict: Verdict): Record<string, unknown> {
  const psiLine = (l: { avg10: number; avg60: number; avg300: number; totalUs: number; stallPercent: number | undefined } | undefined) =>
    l ? { avg10: l.avg10, avg60: l.avg60, avg300: l.avg300, totalUs: l.totalUs, stallPercent: l.stallPercent ?? null } : null;
  const psi = (s: ProbeSnapshot['psi']['io']) => (s ? { some: psiLine(s.some), full: psiLine(s.full) } : null);
  const { path, space, dirty, load } = snapshot;
  return {
    version: 1,
    healthy: verdict.healthy,
    reasons: verdict.reasons.map((r) => ({
      signal: r.signal, value: r.value, threshold: r.threshold, unit: r.unit, message: r.message, ...(r.device ? { device: r.device } : {}),
    })),
    checks: verdict.checks.map((c) => ({
      signal: c.signal, value: c.value, threshold: c.threshold, unit: c.unit, ok: c.ok, message: c.message, ...(c.device ? { device: c.device } : {}),
    })),
    notCheckedSignals: verdict.missing.map((m) => ({ signal: m.signal, message: m.message })),
    fallback: verdict.fallback,
    notes: [...verdict.notes],
    windowMs: Math.round(snapshot.windowMs),
    psi: { io: psi(snapshot.psi.io), memory: psi(snapshot.psi.memory), cpu: psi(snapshot.psi.cpu) },
    disks: snapshot.disks.map((d) => ({
      name: d.name, major: d.major, minor: d.minor, partition: d.partition, utilPercent: d.utilPercent,
      readsPerSec: d.readsPerSec, writesPerSec: d.writesPerSec, readKBPerSec: d.readKBPerSec, writeKBPerSec: d.writeKBPerSec,
      awaitMs: d.awaitMs, readAwaitMs: d.readAwaitMs, writeAwaitMs: d.writeAwaitMs, queueSize: d.queueSize,
      inFlightReads: d.inFlightReads ?? null, inFlightWrites: d.inFlightWrites ?? null, backsPath: d.backsPath,
    })),
    path: path
      ? {
        path: path.path, checkedPath: path.checkedPath, dev: path.dev, fsType: path.fsType ?? null, mountPoint: path.mountPoint ?? null,
        source: path.source ?? null, blockDevice: path.blockDevice, disks: [...path.disks], routes: [...path.routes],
        upperDir: path.upperDir ?? null,
      }
      : null,
    space: space
      ? {
        totalBytes: space.totalBytes, availableBytes: space.availableBytes, freePercent: space.freePercent,
        totalInodes: space.totalInodes, freeInodes: space.freeInodes, freeInodesPercent: space.freeInodesPercent ?? null,
      }
      : null,
    dirty: dirty
      ? {
        dirtyPages: dirty.dirtyPages, writebackPages: dirty.writebackPages, thresholdPages: dirty.thresholdPages,
        backgroundThresholdPages: dirty.backgroundThresholdPages, throttlePointPages: dirty.throttlePointPages,
        percentOfThrottle: dirty.percentOfThrottle, pageSizeBytes: dirty.pageSizeBytes,
      }
      : null,
    dState: {
      count: snapshot.dState.count,
      waitingOnIo: ioWaitCount(snapshot.dState),
      groups: snapshot.dState.groups.map((g) => ({
        wchan: g.wchan,
        meaning: g.meaning ?? null,
        count: g.count,
        tasks: g.tasks.map((t) => ({ pid: t.pid, tid: t.tid, comm: t.comm, wchan: t.wchan ?? null })),
      })),
    },
    load: load
      ? { load1: load.load1, load5: load.load5, load15: load.load15, cpus: load.cpus, perCpu1: load.perCpu1, perCpu5: load.perCpu5, perCpu15: load.perCpu15 }
      : null,
    missing: [...snapshot.missing],
    unreadable: snapshot.unreadable.map((u) => ({ signal: u.signal, path: u.path })),
  };
}
