import { parseEntry, type HistoryEntry } from './entry.ts';
import type { HistoryTotals } from './summary.ts';

/** First line of a compacted history: the totals of the lines compaction dropped. */
export interface HistoryHeader {
  v: 1;
  header: true;
  compactedAt: number;
  dropped: number;
  corrupt: number;
  totals: HistoryTotals;
  /** Ids of the newest dropped lines: a late second copy of one (see append.ts) is not counted again. */
  droppedIds?: string[];
}

export function isHeader(value: unknown): value is HistoryHeader {
  const h = value as Partial<HistoryHeader> | null;
  return typeof h === 'object' && h !== null && h.header === true && typeof h.totals === 'object' && h.totals !== null;
}

export interface ParsedHistory {
  header: HistoryHeader | undefined;
  entries: HistoryEntry[];
  corrupt: number;
}

/** Parse complete history lines: a corrupt line is skipped and counted, never fatal. */
export function parseHistory(text: string, onEntry?: (entry: HistoryEntry) => void, onHeader?: (header: HistoryHeader) => void): ParsedHistory {
  const entries: HistoryEntry[] = [];
  let header: HistoryHeader | undefined;
  let corrupt = 0;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) break;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (line === '') continue;
    const entry = parseEntry(line);
    if (entry) {
      if (onEntry) onEntry(entry);
      else entries.push(entry);
      continue;
    }
    if (line.startsWith('{"v":1,"header":true')) {
      try {
        const value: unknown = JSON.parse(line);
        if (isHeader(value)) {
          header = value;
          onHeader?.(value);
          continue;
        }
      } catch {
        // counted below
      }
    }
    corrupt++;
  }
  return { header, entries, corrupt };
}

/** The complete lines of a chunk read from the file: a tail without `\n` is a write in progress, not corruption. */
export function completeLines(chunk: Buffer): { text: string; bytes: number } {
  const bytes = chunk.lastIndexOf(10) + 1;
  return { text: chunk.toString('utf8', 0, bytes), bytes };
}
