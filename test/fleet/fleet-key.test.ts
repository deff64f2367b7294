import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetLockKey } from '../../src/fleet/fleet-key.ts';
import { redactText, redactUrl } from '../../src/fleet/redact.ts';
import { normalizeFleet } from '../../src/fleet/fleet-options.ts';
import { isIoguardError } from '../../src/errors/ioguard-error.ts';

test('the fleet lock key of a job is a stable signed 64-bit integer', () => {
  // Pinned (checked with Python's hashlib): every host and every ioguard version must lock the same key for the same name.
  assert.equal(fleetLockKey('default', 'backup'), fleetLockKey('default', 'backup'));
  const key = BigInt(fleetLockKey('default', 'backup'));
  assert.ok(key >= -(2n ** 63n) && key < 2n ** 63n);
  assert.equal(fleetLockKey('default', 'backup'), '5557740064391019869');
});

test('different job names and namespaces give different keys', () => {
  const keys = new Set(['a', 'b', 'backup', 'backup2'].flatMap((n) => [fleetLockKey('default', n), fleetLockKey('other', n)]));
  assert.equal(keys.size, 8);
});

test('a URL is shown without its password', () => {
  assert.equal(redactUrl('postgres://u:pa%40ss@db.example:5433/fleet?sslmode=require'), 'postgres://u:***@db.example:5433/fleet?sslmode=require');
  assert.equal(redactUrl('postgres://u@db/fleet'), 'postgres://u@db/fleet');
});

test('a driver message is scrubbed of the password, the URL and PGPASSWORD', () => {
  const url = 'postgres://u:hunter2@db/fleet';
  const text = redactText(`cannot connect to ${url}: bad hunter2 and envsecret`, url, { PGPASSWORD: 'envsecret' });
  assert.ok(!text.includes('hunter2') && !text.includes('envsecret'), text);
  assert.match(text, /postgres:\/\/u:\*\*\*@db\/fleet/);
});

test('a fleet option that is not a postgres URL is refused without echoing it', () => {
  assert.throws(() => normalizeFleet('mysql://u:topsecret@db/x'), (e) => isIoguardError(e) && e.code === 'ERR_INVALID_OPTION' && !e.message.includes('topsecret'));
  assert.throws(() => normalizeFleet({ url: 'postgres://db/x', unavailable: 'maybe' as never }), /fleet.unavailable/);
  assert.equal(normalizeFleet('postgres://db/x')?.unavailable, 'skip');
});

test('a bad fleet flag exits 2 with one line naming it, and never echoes the URL', async () => {
  const { runIoguard } = await import('../helpers/cli.ts');
  for (const [args, flag] of [
    [['--fleet', 'mysql://u:topsecret@db/x'], '--fleet'],
    [['--fleet-heartbeat', '0s'], '--fleet-heartbeat'],
    [['--fleet-unavailable', 'never'], '--fleet-unavailable'],
    [['--fleet-connect-timeout', '5'], '--fleet-connect-timeout'],
  ] as const) {
    const r = await runIoguard(['run', '--no-gate', ...args, '--', 'true']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(r.stderr.startsWith(`ioguard: ${flag}`), r.stderr);
    assert.ok(!r.stderr.includes('topsecret'));
  }
});
