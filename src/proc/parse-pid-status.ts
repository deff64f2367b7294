/** Context-switch counters from /proc/PID/status (per thread: the main thread for /proc/PID). */
export interface CtxtSwitches {
  voluntary: number;
  nonvoluntary: number;
}

export function parseCtxtSwitches(text: string): CtxtSwitches | undefined {
  const vol = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(text);
  const invol = /^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(text);
  if (!vol || !invol) return undefined;
  return { voluntary: Number(vol[1]), nonvoluntary: Number(invol[1]) };
}

/** Resident memory in kB (`VmRSS:`); absent for kernel threads and zombies. */
export function parseVmRssKb(text: string): number | undefined {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) : undefined;
}
