import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { probe } from '../../src/probe/probe.ts';
import { exclusiveLoad } from './helpers/load.ts';

const MIB = 2 ** 20;
const WRITTEN_MIB = 192;

async function dirtyNow(): Promise<{ pages: number; percent: number; pageSize: number }> {
  const { dirty } = await probe({ windowMs: 0 });
  assert.ok(dirty, 'dirty pages are readable on this machine');
  return { pages: dirty.dirtyPages + dirty.writebackPages, percent: dirty.percentOfThrottle, pageSize: dirty.pageSizeBytes };
}

test('dirty pages rise with a buffered writer and fall after it syncs', { timeout: 30_000 }, () =>
  exclusiveLoad(async () => {
    const dir = mkdtempSync('/var/tmp/ioguard-dirty-');
    const file = join(dir, 'buffered');
    try {
      const before = await dirtyNow();
      // Buffered: the data sits in the page cache as dirty pages until writeback or sync.
      execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${WRITTEN_MIB}`], { stdio: 'ignore' });
      const written = await dirtyNow();
      const writtenPages = (WRITTEN_MIB * MIB) / before.pageSize;
      assert.ok(written.pages - before.pages >= writtenPages / 2, `dirty+writeback rose by ${written.pages - before.pages} pages for ${writtenPages} written`);
      assert.ok(written.percent > before.percent);
      execFileSync('sync', [file]);
      const synced = await dirtyNow();
      assert.ok(written.pages - synced.pages >= writtenPages / 2, `dirty+writeback fell by ${written.pages - synced.pages} pages after sync`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);
