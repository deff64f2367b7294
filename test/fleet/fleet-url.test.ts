import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeFleet } from '../../src/fleet/fleet-options.ts';
import { postgresUrlProblem as fleetUrlProblem } from '../../src/util/postgres-url.ts';
import { runIoguard, sandboxes } from '../helpers/cli.ts';

const box = sandboxes();

describe('what is wrong with a fleet URL', () => {
  it('says the port is out of range or not a number, not a guess about the password', () => {
    assert.equal(fleetUrlProblem('postgres://u@h:99999/db'), 'the port 99999 is out of range (1-65535)');
    assert.equal(fleetUrlProblem('postgres://u:pw@h:0/db'), 'the port 0 is out of range (1-65535)');
    assert.equal(fleetUrlProblem('postgres://u@h:54x2/db'), 'the port "54x2" is not a number');
  });

  it('names a bad host, a bad %-escape, a missing scheme; never the password', () => {
    assert.equal(fleetUrlProblem('postgres://u@:5432/db'), 'no host name before the port');
    assert.equal(fleetUrlProblem('postgres://u@bad host/db'), 'the host name "bad host" is not valid');
    assert.equal(fleetUrlProblem('postgres://u:100%secret@h/db'), 'a bad %-escape in the user name or password (write % itself as %25)');
    assert.equal(fleetUrlProblem('mysql://u@h/db'), 'not a postgres:// or postgresql:// URL');
    assert.doesNotMatch(fleetUrlProblem('postgres://u:100%secret@h/db') ?? '', /secret/);
  });

  it('a special character in the password is still said as such', () => {
    assert.match(fleetUrlProblem('postgres://u:pa/ss@h/db') ?? '', /percent-encode/);
    assert.match(fleetUrlProblem('postgres://u:pa#ss@h/db') ?? '', /percent-encode/);
  });

  it('good URLs pass', () => {
    for (const url of ['postgres://u@h/db', 'postgresql://u:p%40ss@h:5432/db', 'postgres://u@[::1]:5432/db', 'postgres://u@h:5432/db?sslmode=require']) assert.equal(fleetUrlProblem(url), undefined, url);
  });

  it('the library names the option fleet.url', () => {
    assert.throws(() => normalizeFleet('postgres://u@h:99999/db'), { code: 'ERR_INVALID_OPTION', message: 'fleet.url: the port 99999 is out of range (1-65535)' });
  });
});

describe('the CLI names the flag', () => {
  it('run --fleet: exit 2 with one line naming --fleet and the port', { timeout: 30_000 }, async () => {
    const b = box();
    const r = await runIoguard(['run', '--no-gate', '--name', 'x', '--fleet', 'postgres://u:hunter2@h:99999/db', '--', 'true'], { env: b.env });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'ioguard: --fleet: the port 99999 is out of range (1-65535) (see ioguard run --help)\n');
  });

  it('from IOGUARD_FLEET_URL: the variable is named; status --fleet names the flag', { timeout: 30_000 }, async () => {
    const b = box();
    const r = await runIoguard(['run', '--no-gate', '--name', 'x', '--', 'true'], { env: { ...b.env, IOGUARD_FLEET_URL: 'postgres://u@h:99999/db' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ioguard: IOGUARD_FLEET_URL: the port 99999 is out of range/);
    const s = await runIoguard(['status', '--fleet', 'postgres://u@h:70000/db'], { env: b.env });
    assert.equal(s.code, 2);
    assert.match(s.stderr, /^ioguard: --fleet: the port 70000 is out of range/);
  });
});
