/** /proc/loadavg: `0.15 0.13 0.05 1/82 4271`. Linux load counts runnable and D-state tasks. */
export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
  runnable: number;
  tasks: number;
}

export function parseLoadavg(text: string): LoadAverage | undefined {
  const m = /^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\/(\d+)/.exec(text);
  if (!m) return undefined;
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]), runnable: Number(m[4]), tasks: Number(m[5]) };
}

/** Count of `processor` lines in /proc/cpuinfo: every online CPU, which is what the load average is spread over. */
export function parseCpuinfoCount(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) if (/^processor\s*:/.test(line)) count++;
  return count;
}
