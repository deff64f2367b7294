import type { Verdict } from './evaluate.ts';
import { ioWaitCount } from './d-state-census.ts';
import { formatBytes, formatPercent, formatSeconds } from '../util/format-units.ts';
import type { DiskRates, ProbeSnapshot, PsiSignal } from './types.ts';

const MAX_DISKS = 5;
const MAX_TASKS_PER_GROUP = 5;

function psiLine(name: string, signal: PsiSignal | undefined): string {
  if (!signal) return `  ${name.padEnd(7)} not available`;
  const avgs = (l: { avg10: number; avg60: number; avg300: number }): string => `${l.avg10}/${l.avg60}/${l.avg300}`;
  // System-wide cpu `full` is meaningless, so it is not shown.
  const full = signal.full && name !== 'cpu' ? `  full ${formatPercent(signal.full.stallPercent).padStart(5)}` : '';
  return `  ${name.padEnd(7)} some ${formatPercent(signal.some.stallPercent).padStart(5)}${full}   (avg10/60/300 some ${avgs(signal.some)})`;
}

function diskLine(d: DiskRates): string {
  const cells = [
    `${d.name}${d.backsPath ? '*' : ''}`.padEnd(10),
    formatPercent(d.utilPercent).padStart(6),
    d.readsPerSec.toFixed(1).padStart(8),
    d.writesPerSec.toFixed(1).padStart(8),
    d.readKBPerSec.toFixed(0).padStart(9),
    d.writeKBPerSec.toFixed(0).padStart(9),
    `${d.awaitMs.toFixed(2)}ms`.padStart(9),
    d.queueSize.toFixed(2).padStart(7),
    d.inFlightReads === undefined ? '        -' : `${d.inFlightReads}/${d.inFlightWrites ?? 0}`.padStart(9),
  ];
  return `  ${cells.join(' ')}`;
}

const isIdle = (d: DiskRates): boolean => d.utilPercent === 0 && d.readsPerSec === 0 && d.writesPerSec === 0 && !d.backsPath;

/** The snapshot and verdict as an operator wants to read them before starting a heavy job. */
export function formatCheck(snapshot: ProbeSnapshot, verdict: Verdict): string {
  const out: string[] = [];
  out.push(`Pressure (stall over the last ${formatSeconds(snapshot.windowMs)})`);
  out.push(psiLine('io', snapshot.psi.io), psiLine('memory', snapshot.psi.memory), psiLine('cpu', snapshot.psi.cpu));

  const active = snapshot.disks.filter((d) => !isIdle(d)).sort((a, b) => Number(b.backsPath) - Number(a.backsPath) || b.utilPercent - a.utilPercent);
  const shown = active.slice(0, Math.max(MAX_DISKS, active.filter((d) => d.backsPath).length));
  out.push('', `Disks (busiest first${snapshot.path ? `; * = under ${snapshot.path.path}` : ''})`);
  out.push('  device       util      r/s      w/s    rkB/s    wkB/s     await  aqu-sz  inflight');
  for (const d of shown) out.push(diskLine(d));
  const hidden = snapshot.disks.length - shown.length;
  if (hidden > 0) out.push(`  (${hidden} idle or quieter devices not shown)`);

  out.push('', 'Dirty pages');
  const dirty = snapshot.dirty;
  if (!dirty) out.push('  not available');
  else {
    const bytes = (pages: number): string => formatBytes(pages * dirty.pageSizeBytes);
    const bg = (dirty.backgroundThresholdPages / dirty.throttlePointPages) * 100;
    out.push(`  ${bytes(dirty.dirtyPages)} dirty + ${bytes(dirty.writebackPages)} writeback = ${formatPercent(dirty.percentOfThrottle)} of the throttle point (${bytes(dirty.throttlePointPages)}); background writeback from ${formatPercent(bg)}`);
  }

  const notIo = snapshot.dState.count - ioWaitCount(snapshot.dState);
  const frozen = notIo > 0 ? ` (${notIo} frozen or in vfork, not waiting on I/O: not counted against --max-blocked)` : '';
  out.push('', `D state: ${snapshot.dState.count} task${snapshot.dState.count === 1 ? '' : 's'}${frozen}`);
  for (const g of snapshot.dState.groups) {
    out.push(`  ${String(g.count).padStart(4)}  ${g.wchan}${g.meaning ? `: ${g.meaning}` : ''}`);
    const tasks = g.tasks.slice(0, MAX_TASKS_PER_GROUP).map((t) => `${t.comm} (pid ${t.pid}${t.tid === t.pid ? '' : `, tid ${t.tid}`})`);
    const more = g.tasks.length > MAX_TASKS_PER_GROUP ? `, and ${g.tasks.length - MAX_TASKS_PER_GROUP} more` : '';
    out.push(`        ${tasks.join(', ')}${more}`);
  }

  if (snapshot.path) {
    const p = snapshot.path;
    const where = p.blockDevice ? `devices: ${p.routes.join('; ') || p.dev}` : `no block device, dev ${p.dev}`;
    out.push('', `Space on ${p.path}${p.checkedPath !== p.path ? ` (not there yet; measured at ${p.checkedPath})` : ''}`);
    out.push(`  ${p.fsType ?? 'unknown fs'} ${p.source ?? ''} mounted at ${p.mountPoint ?? '?'}; ${where}`);
    const s = snapshot.space;
    if (!s) out.push('  free space not readable');
    else {
      const inodes = s.freeInodesPercent === undefined ? 'no inode limit' : `inodes ${formatPercent(s.freeInodesPercent)} free`;
      out.push(`  ${formatBytes(s.availableBytes)} free of ${formatBytes(s.totalBytes)} (${formatPercent(s.freePercent)}), ${inodes}`);
    }
  }

  const l = snapshot.load;
  out.push('', 'Load', l ? `  ${l.load1} ${l.load5} ${l.load15} on ${l.cpus} CPUs = ${l.perCpu1.toFixed(2)} per CPU` : '  not available');

  if (snapshot.missing.length > 0) out.push('', `Missing on this kernel: ${snapshot.missing.join(', ')}`);
  if (snapshot.unreadable.length > 0) out.push('', `Unreadable: ${snapshot.unreadable.map((u) => `${u.signal} (${u.path})`).join(', ')}`);

  out.push('', `Verdict: ${verdict.healthy ? 'healthy' : 'under pressure'}`);
  for (const r of verdict.reasons) out.push(`  - ${r.message}`);
  for (const m of verdict.missing) out.push(`  ? not checked: ${m.message}`);
  for (const n of verdict.notes) out.push(`  note: ${n}`);
  return `${out.join('\n')}\n`;
}
