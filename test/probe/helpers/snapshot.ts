import type { DiskRates, ProbeSnapshot, PsiSignal } from '../../../src/probe/types.ts';

export function psiSignal(somePercent: number, fullPercent: number | undefined): PsiSignal {
  const line = (p: number) => ({ avg10: p, avg60: p, avg300: p, totalUs: 1_000_000, stallPercent: p });
  return { some: line(somePercent), full: fullPercent === undefined ? undefined : line(fullPercent) };
}

export function disk(name: string, utilPercent: number, backsPath = false): DiskRates {
  return {
    name, major: 8, minor: 0, partition: false, utilPercent, readsPerSec: 10, writesPerSec: 200, readKBPerSec: 40,
    writeKBPerSec: 800, awaitMs: 1.5, readAwaitMs: 0.5, writeAwaitMs: 1.6, queueSize: 0.4, inFlightReads: 0, inFlightWrites: 1, backsPath,
  };
}

/** A quiet machine: every figure far from the defaults. Tests change one thing. */
export function quietSnapshot(): ProbeSnapshot {
  return {
    windowMs: 1000,
    psi: { io: psiSignal(2, 1), memory: psiSignal(0, 0), cpu: psiSignal(5, 0) },
    disks: [disk('sda', 12, true), disk('sdb', 3)],
    path: {
      path: '/srv/backup', checkedPath: '/srv/backup', dev: '8:1', fsType: 'ext4', mountPoint: '/srv', source: '/dev/sda1',
      blockDevice: true, disks: ['sda'], routes: ['sda1 → sda'],
    },
    space: { totalBytes: 100 * 2 ** 30, availableBytes: 40 * 2 ** 30, freePercent: 40, totalInodes: 1000, freeInodes: 900, freeInodesPercent: 90 },
    dirty: {
      dirtyPages: 1000, writebackPages: 0, thresholdPages: 200_000, backgroundThresholdPages: 100_000,
      throttlePointPages: 150_000, percentOfThrottle: 0.67, pageSizeBytes: 4096,
    },
    dState: { count: 0, groups: [] },
    load: { load1: 0.5, load5: 0.4, load15: 0.3, cpus: 2, perCpu1: 0.25, perCpu5: 0.2, perCpu15: 0.15 },
    missing: [],
    unreadable: [],
  };
}
