// Runs `scripts/demo.sh` (what `npm run demo` runs after building) the way a new user does, and
// checks that each step shows what the README promises: a skip (75), status, a timeout (124),
// check, and the decision log printed whole.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const DEMO = new URL('../../scripts/demo.sh', import.meta.url).pathname;

describe('npm run demo', () => {
  it('runs every step and exits 0: skip 75, status row, timeout 124, the log lines whole', () => {
    const r = spawnSync('bash', [DEMO], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /exit status: 75/);
    assert.match(r.stdout, /demo-sync\s+running/);
    assert.match(r.stdout, /exit status: 124/);
    assert.match(r.stdout, /Verdict: /);
    // Each decision shows as "HH:MM:SS.mmm level job event: message", never a cut JSON line.
    assert.match(r.stdout, /^\d\d:\d\d:\d\d\.\d{3} info {2}demo-sync started: /m);
    assert.match(r.stdout, /^\d\d:\d\d:\d\d\.\d{3} warn {2}demo-timeout timed-out: /m);
  });
});
