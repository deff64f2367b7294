// What the benchmark watches: how many copies are alive and how many of them sit in D state
// (from /proc), and the system-wide I/O pressure totals (from /proc/pressure/io).
// A "copy" is one rsync invocation: local rsync runs as 2-3 processes (sender, receiver,
// generator), so a copy is the top rsync process (parent not rsync) plus its rsync descendants.
import { readdir, readFile } from 'node:fs/promises';

/** @returns {Promise<{copies: number, copiesInD: number, processes: number}>} */
export async function countCopies(marker) {
  /** @type {Map<number, {ppid: number, inD: boolean}>} */
  const rsyncs = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = await readStat(pid);
    if (!stat || stat.comm !== 'rsync' || stat.state === 'Z') continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    if (!cmdline.includes(marker)) continue;
    rsyncs.set(pid, { ppid: stat.ppid, inD: await anyThreadInD(pid) });
  }
  /** @type {Map<number, boolean>} top pid -> some process of the copy in D */
  const copies = new Map();
  for (const [pid, info] of rsyncs) {
    let top = pid;
    let parent = info.ppid;
    while (rsyncs.has(parent)) {
      top = parent;
      parent = rsyncs.get(parent)?.ppid ?? 0;
    }
    copies.set(top, (copies.get(top) ?? false) || info.inD);
  }
  let copiesInD = 0;
  for (const inD of copies.values()) if (inD) copiesInD += 1;
  return { copies: copies.size, copiesInD, processes: rsyncs.size };
}

/** `/proc/PID/stat`: the command name sits between the first "(" and the last ")". */
async function readStat(pid) {
  const text = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => undefined);
  if (!text) return undefined;
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return { comm: text.slice(open + 1, close), state: rest[0] ?? '?', ppid: Number(rest[1]) };
}

async function anyThreadInD(pid) {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const tid of tids) {
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'latin1').catch(() => '');
    if (text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) === 'D') return true;
  }
  return false;
}

/** Cumulative stall totals (µs) and the kernel's avg10 for `some`. */
export async function readIoPressure() {
  const text = await readFile('/proc/pressure/io', 'utf8');
  const field = (kind, key) => Number(new RegExp(`^${kind} .*\\b${key}=([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN);
  return { someTotalUs: field('some', 'total'), fullTotalUs: field('full', 'total'), someAvg10: field('some', 'avg10') };
}

/** `cpu some` stall total (µs) and the machine's busy/iowait jiffies from /proc/stat. */
export async function readCpuCounters() {
  const [pressure, stat] = await Promise.all([readFile('/proc/pressure/cpu', 'utf8'), readFile('/proc/stat', 'utf8')]);
  const someTotalUs = Number(/^some .*\btotal=(\d+)/m.exec(pressure)?.[1] ?? NaN);
  // cpu  user nice system idle iowait irq softirq steal ...
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (/^cpu\s+(.*)$/m.exec(stat)?.[1] ?? '').split(/\s+/).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { someTotalUs, busy, iowait, total: busy + idle + iowait };
}
