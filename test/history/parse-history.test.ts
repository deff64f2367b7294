import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LINE_BYTES, serializeEntry } from '../../src/history/entry.ts';
import { completeLines, parseHistory } from '../../src/history/parse-history.ts';
import { emptySummary, foldEntry, lastDay } from '../../src/history/summary.ts';
import { RUN_OUTCOMES } from '../../src/run/result.ts';
import { entry } from './helpers/entries.ts';

describe('history lines', () => {
  it('a corrupt line is skipped and counted; the lines around it are read', () => {
    const text = `${serializeEntry(entry())}{"v":1,"at":12,"out\n\u0000\u0000garbage\n${serializeEntry(entry())}`;
    const parsed = parseHistory(text);
    assert.equal(parsed.entries.length, 2);
    assert.equal(parsed.corrupt, 2);
  });

  it('every outcome a run can end with is read back, the fleet conflict included (it was counted as corrupt)', () => {
    for (const outcome of RUN_OUTCOMES) {
      const parsed = parseHistory(serializeEntry(entry({ outcome })));
      assert.equal(parsed.corrupt, 0, outcome);
      assert.equal(parsed.entries[0]?.outcome, outcome);
    }
  });

  it('a last line without its newline is a write in progress, not corruption', () => {
    const whole = serializeEntry(entry());
    const { text, bytes } = completeLines(Buffer.from(`${whole}{"v":1,"id":"half`));
    assert.equal(text, whole);
    assert.equal(bytes, Buffer.byteLength(whole));
    assert.equal(parseHistory(text).corrupt, 0);
  });

  it('a line stays under one page even with a huge reason', () => {
    const line = serializeEntry(entry({ outcome: 'skipped', reason: 'x'.repeat(20_000) }));
    assert.ok(Buffer.byteLength(line) < MAX_LINE_BYTES, `${Buffer.byteLength(line)} bytes`);
    assert.ok(line.endsWith('\n'));
  });

  it('folding counts each id once, so a line appended twice around a compaction is not counted twice', () => {
    const s = emptySummary('j');
    const e = entry();
    assert.equal(foldEntry(s, e), true);
    assert.equal(foldEntry(s, { ...e }), false);
    assert.equal(s.totals.outcomes.completed, 1);
  });

  it('the last 24 h counts runs, skips, failures and timeouts, and nothing older', () => {
    const now = Date.UTC(2026, 10, 22, 12, 30);
    const s = emptySummary('j');
    foldEntry(s, entry({ at: now - 3 * 86_400_000 }));
    foldEntry(s, entry({ at: now - 3_600_000 }));
    foldEntry(s, entry({ at: now - 3_000_000, outcome: 'failed', exitCode: 1 }));
    foldEntry(s, entry({ at: now - 60_000, outcome: 'timed-out', exitCode: 124 }));
    foldEntry(s, entry({ at: now - 30_000, outcome: 'skipped', cause: 'busy', exitCode: 75 }));
    assert.deepEqual(lastDay(s, now), { runs: 3, skips: 1, failures: 1, timeouts: 1 });
    assert.equal(s.totals.outcomes.completed, 2, 'totals keep everything');
  });
});
