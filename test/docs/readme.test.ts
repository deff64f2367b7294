// The README is the front door: at most 12 KB, the test command CI runs, the exit table from the
// one exit-code table, and a link to every page of docs/.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_MEANINGS } from '../../src/errors/exit-codes.ts';
import { ROOT, links, read } from './markdown.ts';

const readme = read('README.md');

describe('README.md', () => {
  it('is at most 12 KB', () => {
    assert.ok(Buffer.byteLength(readme) <= 12_000, `${Buffer.byteLength(readme)} bytes`);
  });

  it('gives `npm test` as the test command (.ci/run runs the same)', () => {
    assert.match(readme, /^npm test\b/m);
    assert.match(read('.ci/run'), /^npm test$/m);
  });

  it('shows every exit status of EXIT_MEANINGS with its meaning', () => {
    const missing = EXIT_MEANINGS.filter((e) => !readme.includes(`| ${e.code} | ${e.meaning} |`)).map((e) => e.code);
    assert.deepEqual(missing, []);
  });

  it('links every page of docs/', () => {
    const linked = new Set(links(readme).map((l) => l.target.split('#')[0]));
    const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    assert.deepEqual(pages.filter((p) => !linked.has(p)), []);
  });
});
