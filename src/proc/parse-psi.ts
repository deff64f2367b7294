/** One line of a PSI file: `some avg10=1.23 avg60=0.50 avg300=0.10 total=123456`. */
export interface PsiLine {
  /** Kernel-smoothed stall percentages; they lag a step load by many seconds. */
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time in microseconds since boot. */
  totalUs: number;
}

/** A whole /proc/pressure/<resource> file. `full` is absent on kernels that print only `some` (cpu before 5.13). */
export interface PsiResource {
  some: PsiLine;
  full: PsiLine | undefined;
}

const LINE = /^(some|full)\s+avg10=([\d.]+)\s+avg60=([\d.]+)\s+avg300=([\d.]+)\s+total=(\d+)\s*$/;

/** Parse a PSI file; undefined when it has no `some` line (not a PSI file). */
export function parsePsi(text: string): PsiResource | undefined {
  let some: PsiLine | undefined;
  let full: PsiLine | undefined;
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const line: PsiLine = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
    if (m[1] === 'some') some = line;
    else full = line;
  }
  return some === undefined ? undefined : { some, full };
}
