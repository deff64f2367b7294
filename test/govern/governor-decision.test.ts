import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
