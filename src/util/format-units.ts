const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * Bytes in binary units, one decimal below 10: `binary` as df -h prints them in sentences
 * (`1.5 GiB`), `compact` for a narrow table column (`1.5G`, `512B`).
 */
export function formatBytes(bytes: number, style: 'binary' | 'compact' = 'binary'): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const number = unit === 0 ? String(Math.round(value)) : value.toFixed(value < 10 ? 1 : 0);
  return style === 'compact' ? `${number}${(UNITS[unit] as string)[0]}` : `${number} ${UNITS[unit]}`;
}

/** A percentage with one decimal below 10 and none above: `3.2%`, `85%`. */
export function formatPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}%`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
