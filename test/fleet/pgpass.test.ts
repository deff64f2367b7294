import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPgpassPassword, parsePgpassLine } from '../../src/fleet/pgpass.ts';

const target = { host: 'db.example', port: 5432, database: 'ops', user: 'cron' };

test('a pgpass line splits on unescaped colons; \\: and \\\\ are literal', () => {
  assert.deepEqual(parsePgpassLine('h:5432:d:u:pa\\:ss\\\\word'), { host: 'h', port: '5432', database: 'd', user: 'u', password: 'pa:ss\\word' });
  assert.deepEqual(parsePgpassLine('h:5432:d:u:with:colon'), { host: 'h', port: '5432', database: 'd', user: 'u', password: 'with:colon' });
  assert.equal(parsePgpassLine('# comment'), undefined);
  assert.equal(parsePgpassLine('h:5432:d'), undefined);
});

test('the first matching entry wins; * matches anything; a socket host matches localhost', () => {
  const text = 'db.example:5432:other:cron:no\n*:5432:ops:cron:yes\n*:*:*:*:fallback\n';
  assert.equal(findPgpassPassword(text, target), 'yes');
  assert.equal(findPgpassPassword(text, { ...target, port: 6000 }), 'fallback');
  assert.equal(findPgpassPassword('localhost:5432:ops:cron:sock\n', { ...target, host: '/run/postgresql' }), 'sock');
  assert.equal(findPgpassPassword('other:5432:ops:cron:x\r\n', target), undefined);
});
