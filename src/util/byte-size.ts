import { invalidOption } from '../errors/ioguard-error.ts';

const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30 };

/** `10240`, `10k`, `10KB`, `10KiB`, `1M`: a byte count (K, M and G are 1024-based, as head -c and GNU tools read them). */
export function parseByteSize(text: string, option: string): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNIT[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined) throw invalidOption(option, text, 'a size in bytes, like 10240, 10k or 1M');
  return Number(m[1]) * unit;
}
