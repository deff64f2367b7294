// Every relative link in the README, docs/ and bench/results/ reaches a file, and every #anchor a
// heading of that file (GitHub's slug rules), so moving a section cannot leave a dead link behind.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, anchors, links, markdownFiles, read, slug } from './markdown.ts';

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const { line, target } of links(read(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...: not ours to check
    const [path = '', anchor] = target.split('#', 2);
    const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
    const where = `${file}:${line} -> ${target}`;
    if (!existsSync(join(ROOT, resolved))) {
      broken.push(`${where}: no file ${resolved}`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(join(ROOT, resolved)).isDirectory() || !resolved.endsWith('.md')) {
      broken.push(`${where}: an anchor into something that is not a markdown file`);
      continue;
    }
    if (!anchors(read(resolved)).has(decodeURIComponent(anchor))) broken.push(`${where}: no heading #${anchor} in ${resolved}`);
  }
  return broken;
}

describe('links in the README and the docs', () => {
  it('the slug rules match GitHub on headings with code, punctuation and links', () => {
    assert.equal(slug('Across hosts: the fleet lock on PostgreSQL'), 'across-hosts-the-fleet-lock-on-postgresql');
    assert.equal(slug('I/O and CPU priority: `--ionice`, `--nice`'), 'io-and-cpu-priority---ionice---nice');
    assert.equal(slug('Fleet lock (across hosts; [fleet.md](fleet.md))'), 'fleet-lock-across-hosts-fleetmd');
    assert.equal(slug("The fleet lock's start cost (issue 13)"), 'the-fleet-locks-start-cost-issue-13');
    assert.deepEqual([...anchors('# A\n## A\n```\n# not a heading\n```\n')], ['a', 'a-1']);
  });

  it('the checker finds a dead file and a dead anchor', () => {
    const text = 'see [x](docs/none.md#a) and `[y](code.md)`\n```\n[z](fenced.md)\n```\n![i](img.svg "t")';
    assert.deepEqual(links(text).map((l) => l.target), ['docs/none.md#a', 'img.svg']);
  });

  for (const file of markdownFiles()) {
    it(`${file}: every relative link points to an existing file and heading`, () => {
      assert.deepEqual(brokenLinks(file), []);
    });
  }
});
