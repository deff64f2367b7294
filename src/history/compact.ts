import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync, fstatSync } from 'node:fs';
import { closeFd, openLockFile, tryFlock } from '../lock/flock.ts';
import { serializeEntry } from './entry.ts';
import { readRange, openForReading, openRegularFile } from '../util/file-io.ts';
import { completeLines, parseHistory, type HistoryHeader } from './parse-history.ts';
import { addToTotals, emptyTotals } from './summary.ts';

/** How much history a job keeps. */
export interface Retention {
  /** Keep at most this many invocations (and at most half of compactAboveBytes of them)... */
  keepEntries: number;
  /** ...none older than this. */
  keepMs: number;
  /** Compact once the file grows past this size. */
  compactAboveBytes: number;
}

const DROPPED_IDS_KEPT = 256;

export const DEFAULT_RETENTION: Retention = { keepEntries: 1000, keepMs: 30 * 86_400_000, compactAboveBytes: 512 * 1024 };

function appendTo(path: string, text: string): void {
  if (text === '') return;
  const fd = openRegularFile(path, constants.O_WRONLY | constants.O_APPEND);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Keep the newest `keepEntries` invocations younger than `keepMs`; fold what is dropped into the
 * header's totals (counters never go back). Under its own flock, so two compactions never race,
 * and never under the job lock, so skippers are not held up. Returns false when another process
 * is compacting or already did.
 */
export function compactHistory(paths: { history: string; compactLock: string }, retention: Retention, now: number): boolean {
  const lockFd = openLockFile(paths.compactLock);
  try {
    if (!tryFlock(lockFd, paths.compactLock)) return false;
    const fd = openForReading(paths.history);
    if (fd === undefined) return false;
    try {
      const size = fstatSync(fd).size;
      if (size <= retention.compactAboveBytes) return false;
      const { text, bytes } = completeLines(readRange(fd, 0, size));
      const parsed = parseHistory(text);
      const seen = new Set<string>(parsed.header?.droppedIds ?? []);
      const unique = parsed.entries.filter((e) => (typeof e.id !== 'string' || !seen.has(e.id)) && (seen.add(e.id), true));
      const cutoff = now - retention.keepMs;
      // Newest first, within the count and within half the trigger size, so that long lines
      // cannot leave a file that is over the trigger again right after compaction.
      const lines = unique.map(serializeEntry);
      let firstKept = unique.length;
      for (let bytesKept = 0; firstKept > 0 && unique.length - firstKept < retention.keepEntries; firstKept--) {
        bytesKept += (lines[firstKept - 1] as string).length;
        if (bytesKept > retention.compactAboveBytes / 2) break;
      }
      const kept: string[] = [];
      const totals = parsed.header ? structuredClone(parsed.header.totals) : emptyTotals();
      let dropped = 0;
      const droppedIds = [...(parsed.header?.droppedIds ?? [])];
      unique.forEach((e, i) => {
        if (i >= firstKept && e.end >= cutoff) return void kept.push(lines[i] as string);
        addToTotals(totals, e);
        if (typeof e.id === 'string') droppedIds.push(e.id);
        dropped++;
      });
      const header: HistoryHeader = {
        v: 1, header: true, compactedAt: now, dropped: (parsed.header?.dropped ?? 0) + dropped,
        corrupt: (parsed.header?.corrupt ?? 0) + parsed.corrupt, totals, droppedIds: droppedIds.slice(-DROPPED_IDS_KEPT),
      };
      // A fresh name created exclusively: nothing planted under a guessable name (a FIFO) can hang it.
      const tmp = `${paths.history}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const out = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(out, `${JSON.stringify(header)}\n${kept.join('')}`);
        fsyncSync(out);
        renameSync(tmp, paths.history);
      } catch (error) {
        try {
          unlinkSync(tmp);
        } catch {}
        throw error;
      } finally {
        closeSync(out);
      }
      // Lines that reached the old file after the read above; a line still being written is not
      // complete here, and its appender sees the rename and appends it again.
      const late = completeLines(readRange(fd, bytes, fstatSync(fd).size));
      appendTo(paths.history, late.text);
      return true;
    } finally {
      closeSync(fd);
    }
  } finally {
    closeFd(lockFd);
  }
}
