/**
 * A plain-text table: each column padded to its widest cell, two spaces apart, the last column
 * never padded (it holds free text). Returns the header line and one line per row, so a caller
 * can colour or interleave lines.
 */
export function tableLines(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ');
  return [line(headers), ...rows.map(line)];
}
