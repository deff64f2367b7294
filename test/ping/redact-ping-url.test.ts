import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactPingText, redactPingUrl } from '../../src/ping/redact-ping-url.ts';
import { normalizePing } from '../../src/ping/ping-options.ts';
import { pingUrlFor } from '../../src/ping/ping-url.ts';

const UUID = '5d1f1a0c-7c1e-4a5e-9f57-2b2f7c9d1e11';

describe('the ping URL is a secret', () => {
  it('shown, it keeps the host and 4 characters of the path; no userinfo, no query', () => {
    assert.equal(redactPingUrl(`https://hc-ping.com/${UUID}`), 'https://hc-ping.com/5d1f…');
    assert.equal(redactPingUrl('https://user:pw@hc.example:8000/pingkey123/backup?create=1'), 'https://hc.example:8000/ping…');
    assert.equal(redactPingUrl('not a url'), '(unparsable ping URL)');
  });

  it('an error text quoting the URL or its parts loses them', () => {
    const url = `https://user:s3cret@hc.example/${UUID}?token=abcdef`;
    const out = redactPingText(`connect failed for ${url} (s3cret, ${UUID}, abcdef)`, url);
    for (const secret of ['s3cret', UUID, 'abcdef']) assert.ok(!out.includes(secret), out);
  });

  it('a bad URL is refused without quoting it', () => {
    assert.throws(() => normalizePing(`ftp://hc.example/${UUID}`), (e: Error) => /http:\/\/ or https:\/\//.test(e.message) && !e.message.includes(UUID));
    assert.throws(() => normalizePing('hc-ping.com/abc'), /URL that parses/);
    assert.throws(() => normalizePing({ url: 'https://hc.example/x', bodyMax: -1 }), /bodyMax/);
  });
});

describe('the endpoints', () => {
  it('start, success, fail, an exit status and log each add rid and keep the URL\'s own query', () => {
    const base = `https://hc.example/${UUID}/?create=1`;
    assert.equal(pingUrlFor(base, 'start', 'r1').href, `https://hc.example/${UUID}/start?create=1&rid=r1`);
    assert.equal(pingUrlFor(base, 'success', 'r1').href, `https://hc.example/${UUID}?create=1&rid=r1`);
    assert.equal(pingUrlFor(base, 'fail', 'r1').pathname, `/${UUID}/fail`);
    assert.equal(pingUrlFor(base, 3, 'r1').pathname, `/${UUID}/3`);
    assert.equal(pingUrlFor(base, 'log', 'r1').pathname, `/${UUID}/log`);
  });
});
