import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { normalizeGovern } from '../../src/govern/govern-options.ts';
import { Governor } from '../../src/govern/governor.ts';
import type { Lever } from '../../src/govern/lever.ts';

// The governor's decision on a fixture /proc: io `some` total grows by 90% of each interval and a
// process outside the job's group waits in D state, so every sample says "others suffer".
const root = mkdtempSync(join(tmpdir(), 'ioguard-governor-decision-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'pressure'));
mkdirSync(join(root, '4242'));
writeFileSync(join(root, '4242', 'stat'), '4242 (postgres) D 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n');
let totalUs = 0;
const psi = (): void => writeFileSync(join(root, 'pressure', 'io'), `some avg10=90.00 avg60=90.00 avg300=90.00 total=${totalUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`);

/** A lever that only counts: the decision is under test, not the job. */
function countingLever(): Lever & { paused: number } {
  return {
    kind: 'stop',
    paused: 0,
    pause() {
      this.paused++;
      return true;
    },
    resume() {},
    undo: () => ({ script: 'true', args: [] }),
    describe: () => 'counting',
    release: async () => {},
  };
}

/** Ten one-second samples of sustained pressure with someone else waiting; what the governor did. */
function under(boundHolds: (() => boolean) | undefined): { pauses: number; leftToBound: string[][] } {
  let t = 0;
  totalUs = 0;
  psi();
  const lever = countingLever();
  const leftToBound: string[][] = [];
  const g = new Governor({
    pgid: 999_999,
    lever,
    watchdogShell: '/bin/sh',
    o: normalizeGovern({ enabled: true, minRunMs: 0, lever: 'stop' }, true),
    roots: { procRoot: root, sysRoot: join(root, 'sys') },
    now: () => t,
    onPause: () => {},
    onResume: () => {},
    ...(boundHolds ? { boundHolds } : {}),
    onLeftToBound: (signals) => leftToBound.push(signals),
  });
  g.start();
  try {
    for (let i = 0; i < 10; i++) {
      t += 1000;
      totalUs += 900_000;
      psi();
      g.tick();
    }
  } finally {
    g.stop();
  }
  return { pauses: lever.paused, leftToBound };
}

describe('the governor and the backlog bound', () => {
  it('pauses the job when nothing else holds it', () => {
    const r = under(undefined);
    assert.equal(r.pauses, 1);
    assert.deepEqual(r.leftToBound, []);
  });

  it('leaves the job to the bound when the bound holds every write it makes, and says so once', () => {
    const r = under(() => true);
    assert.equal(r.pauses, 0);
    assert.equal(r.leftToBound.length, 1);
    assert.match(r.leftToBound[0]?.join(', ') ?? '', /io some 90%.*1 other waiting \(postgres\)/);
  });

  it('pauses once the bound no longer holds (a write it cannot bound, O_DIRECT)', () => {
    let holds = true;
    let calls = 0;
    const r = under(() => {
      if (++calls > 2) holds = false;
      return holds;
    });
    assert.equal(r.pauses, 1);
    assert.equal(r.leftToBound.length, 1);
  });
});

// A neighbour's sync, on the same fixture: 4343 is a committer whose wchan the test sets per look.
mkdirSync(join(root, '4343', 'task', '4343'), { recursive: true });
function committer(state: 'D' | 'S', wchan: string): void {
  const stat = `4343 (postgres) ${state} 1 4343 4343 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n`;
  writeFileSync(join(root, '4343', 'stat'), stat);
  writeFileSync(join(root, '4343', 'task', '4343', 'stat'), stat);
  writeFileSync(join(root, '4343', 'task', '4343', 'wchan'), wchan);
}

/** Looks every 250 ms while the bound holds, the committer's wchan per look; what the governor did. */
interface LookOptions {
  maxPauseMs?: number;
  /** io some stays at 90% when nobody waits on a sync (the disk busy with someone else). */
  pressure?: boolean;
  jobFilesystems?: ReadonlySet<number>;
  /** The committer's read and write calls so far, per look. */
  calls?: (look: number) => number;
}

function looks(wchans: ReadonlyArray<string | null>, o: LookOptions = {}): { pauses: string[][]; resumes: Array<{ reason: string; at: number }> } {
  let t = 0;
  totalUs = 0;
  psi();
  committer('S', '0');
  rmSync(join(root, '4343', 'io'), { force: true });
  const pauses: string[][] = [];
  const resumes: Array<{ reason: string; at: number }> = [];
  const g = new Governor({
    pgid: 999_999,
    lever: countingLever(),
    watchdogShell: '/bin/sh',
    o: normalizeGovern({ enabled: true, lever: 'stop', ...(o.maxPauseMs === undefined ? {} : { maxPauseMs: o.maxPauseMs }) }, true),
    roots: { procRoot: root, sysRoot: join(root, 'sys') },
    now: () => t,
    onPause: (p) => pauses.push(p.signals),
    onResume: (r) => resumes.push({ reason: r.reason, at: t }),
    boundHolds: () => true,
    ...(o.jobFilesystems ? { jobFilesystems: () => o.jobFilesystems as ReadonlySet<number> } : {}),
  });
  g.start();
  try {
    for (const [i, w] of wchans.entries()) {
      if (w === null) committer('S', '0');
      else committer('D', w);
      // The committer's progress: read and write calls so far, as /proc/PID/io shows them.
      if (o.calls) writeFileSync(join(root, '4343', 'io'), `rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: ${o.calls(i)}\n`);
      t += 250;
      // io some 90% while someone waits on a sync, or when `pressure` says the disk stays busy; 0% otherwise.
      totalUs += w !== null || o.pressure === true ? 225_000 : 0;
      psi();
      g.look();
    }
  } finally {
    g.stop();
  }
  return { pauses, resumes };
}

describe('the governor and a neighbour waiting on a sync, while the bound holds the job', () => {
  it('holds the job once a neighbour waits on a journal commit three looks in a row, and lets it go two looks after', () => {
    const r = looks(['jbd2_log_wait_commit', 'jbd2_log_wait_commit', 'folio_wait_bit', 'folio_wait_bit', null, null, null]);
    assert.equal(r.pauses.length, 1);
    assert.match(r.pauses[0]?.join(', ') ?? '', /io some 90%, postgres waiting on a sync \(folio_wait_bit\) 3 looks in a row/);
    assert.deepEqual(r.resumes.slice(0, 1), [{ reason: 'sync-done', at: 1500 }]);
  });

  it('keeps the job held while the disk stays busy, until six looks find nobody waiting on a sync', () => {
    const r = looks(['folio_wait_bit', 'folio_wait_bit', 'folio_wait_bit', null, null, null, null, null, null, null], { pressure: true });
    assert.equal(r.pauses.length, 1);
    assert.deepEqual(r.resumes.slice(0, 1), [{ reason: 'sync-done', at: 2250 }]);
  });

  it('does not hold the job for a passing commit, nor for a writer throttled by the bound', () => {
    assert.equal(looks(['jbd2_log_wait_commit', 'jbd2_log_wait_commit', null, 'jbd2_log_wait_commit', 'jbd2_log_wait_commit', null]).pauses.length, 0);
    assert.equal(looks(Array(8).fill('balance_dirty_pages')).pauses.length, 0);
  });

  it('holds the job only for a neighbour with a file open on a filesystem the job writes', () => {
    // The committer's descriptor 3 is a file of the fixture's own filesystem.
    mkdirSync(join(root, '4343', 'fd'), { recursive: true });
    const db = join(root, 'db.wal');
    writeFileSync(db, '');
    if (!existsSync(join(root, '4343', 'fd', '3'))) symlinkSync(db, join(root, '4343', 'fd', '3'));
    const dev = statSync(db).dev;
    const waits = Array(5).fill('jbd2_log_wait_commit');
    assert.equal(looks(waits, { jobFilesystems: new Set([dev]) }).pauses.length, 1);
    assert.equal(looks(waits, { jobFilesystems: new Set([dev + 1]) }).pauses.length, 0, 'a committer on another filesystem');
  });

  it('keeps the hold when the committer commits faster held than before', () => {
    // 2 calls per look (8/s) before the hold at look 3, 100 per look (400/s) after it.
    const r = looks(Array(10).fill('jbd2_log_wait_commit'), { calls: (i) => (i < 3 ? 2 * i : 4 + 100 * (i - 2)) });
    assert.equal(r.pauses.length, 1);
    assert.match(r.pauses[0]?.join(', ') ?? '', /3 looks in a row, 8 calls\/s/);
    assert.deepEqual(r.resumes.slice(0, 1), [{ reason: 'ending', at: 2500 }]);
  });

  it('lets the job go a second into a hold that did not speed the waiter up, and does not hold for it again soon', () => {
    // 2 calls per look throughout: the waiter waits behind someone else, not the job.
    const r = looks(Array(12).fill('folio_wait_bit'), { calls: (i) => 2 * i });
    assert.equal(r.pauses.length, 1, 'one hold, not one after every minRun');
    assert.deepEqual(r.resumes[0], { reason: 'no-relief', at: 1750 });
  });

  it('lets the job go at maxPauseMs while the neighbour still waits', () => {
    const r = looks(Array(12).fill('folio_wait_bit'), { maxPauseMs: 1000 });
    assert.equal(r.resumes[0]?.reason, 'bounded');
    assert.equal(r.resumes[0]?.at, 1750);
  });
});
