import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { appendEntry } from '../../src/history/append.ts';
import { DEFAULT_RETENTION } from '../../src/history/compact.ts';
import { serializeEntry } from '../../src/history/entry.ts';
import { parseHistory } from '../../src/history/parse-history.ts';
import { historyPaths } from '../../src/history/paths.ts';
import { refreshSummary } from '../../src/history/summary-file.ts';
import { entry } from './helpers/entries.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioguard-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const APPENDER = new URL('./helpers/appender.ts', import.meta.url).pathname;

function exited(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', APPENDER, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('history size', () => {
  it('stays bounded after 100,000 appended invocations, and the counts still cover all of them', () => {
    const paths = historyPaths(dir, 'many');
    let last = '';
    for (let i = 0; i < 100_000; i++) {
      last = `many-${i}`;
      appendEntry(paths, entry({ id: last, outcome: i % 10 === 0 ? 'skipped' : 'completed', cause: i % 10 === 0 ? 'busy' : null }));
    }
    const size = statSync(paths.history).size;
    assert.ok(size <= DEFAULT_RETENTION.compactAboveBytes + 4096, `history is ${size} bytes`);
    const parsed = parseHistory(readFileSync(paths.history, 'utf8'));
    assert.ok(parsed.entries.length <= 2 * DEFAULT_RETENTION.keepEntries, `${parsed.entries.length} lines kept`);
    assert.equal(parsed.entries.at(-1)?.id, last, 'the newest line is kept');
    const s = refreshSummary({ history: paths.history, summary: join(dir, 'many.summary') }, 'many');
    assert.equal(s.totals.outcomes.completed, 90_000);
    assert.equal(s.totals.outcomes.skipped, 10_000);
    assert.equal(s.totals.skips.busy, 10_000);
  });

  it('concurrent appenders lose no line while compactions replace the file under them', async () => {
    const workers = 4;
    const each = 1500;
    const codes = await Promise.all(Array.from({ length: workers }, (_, w) => exited([dir, 'busy', String(each), `w${w}`])));
    assert.deepEqual(codes, Array(workers).fill(0));
    const paths = historyPaths(dir, 'busy');
    const text = readFileSync(paths.history, 'utf8');
    const parsed = parseHistory(text);
    assert.ok(parsed.header, 'the history was compacted');
    assert.equal(parsed.corrupt, 0, 'no torn line');
    const s = refreshSummary({ history: paths.history, summary: join(dir, 'busy.summary') }, 'busy');
    assert.equal(s.totals.outcomes.completed, workers * each, 'every invocation is counted once: kept, or folded into the header');
    for (let w = 0; w < workers; w++) {
      const kept = parsed.entries.filter((e) => e.id.startsWith(`w${w}-`)).map((e) => Number(e.id.split('-')[1]));
      if (kept.length > 0) assert.equal(Math.max(...kept), each - 1, `appender ${w}: compaction dropped older lines, never its newest`);
    }
    assert.ok(parsed.entries.some((e) => e.id.endsWith(`-${each - 1}`)), 'the last appender\'s newest line is kept');
  });
});

describe('compaction with long lines', () => {
  it('leaves the file well under the trigger, so the next append does not compact again', () => {
    const paths = historyPaths(dir, 'long');
    const retention = { keepEntries: 1000, keepMs: 86_400_000 * 365, compactAboveBytes: 64 * 1024 };
    const long = (i: number) => entry({ id: `long-${i}`, outcome: 'skipped', cause: 'pressure', reason: `system under pressure: ${'io '.repeat(150)}` });
    let compactions = 0;
    for (let i = 0; i < 2000; i++) if (appendEntry(paths, long(i), retention).compacted) compactions++;
    const size = statSync(paths.history).size;
    assert.ok(size <= retention.compactAboveBytes, `${size} bytes`);
    // Each compaction leaves at most half the trigger, so at least that much is appended before the next.
    const perCompaction = Math.floor(retention.compactAboveBytes / 2 / serializeEntry(long(0)).length);
    assert.ok(compactions <= Math.ceil(2000 / perCompaction) + 1, `${compactions} compactions for 2,000 appends of which ${perCompaction} fit in half the trigger`);
  });
});
