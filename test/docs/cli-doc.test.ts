import { RUN_FLAGS as FLAG_TABLE } from '../../src/cli/run-flags.ts';
// docs/cli.md documents every flag of `ioguard run` with its default, as the flag table defines
// them (the table says it is the source of docs/cli.md; this test keeps that true). The import
// above is the one line to change if the table moves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { read, withoutFences } from './markdown.ts';

interface Row {
  flags: string[];
  defaultCell: string;
}

const plain = (cell: string): string => cell.replace(/`/g, '').replace(/\\\|/g, '|').replace(/\s+/g, ' ').trim();

/** The `ioguard run` section: from its heading to the next second-level heading. */
function runSection(doc: string): string {
  const text = withoutFences(doc);
  const start = text.search(/^## ioguard run\s*$/m);
  assert.ok(start >= 0, 'docs/cli.md has a "## ioguard run" section');
  const next = text.slice(start + 1).search(/^## /m);
  return next === -1 ? text.slice(start) : text.slice(start, start + 1 + next);
}

/** Table rows whose first cell names flags (`--name KEY`, `--govern` / `--no-govern`). */
function flagRows(section: string): Row[] {
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `--')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const flags = [...(cells[0] ?? '').matchAll(/`--([a-z0-9-]+)/g)].map((m) => m[1] as string);
    rows.push({ flags, defaultCell: plain(cells[1] ?? '') });
  }
  return rows;
}

/** The default a flag documents: its `default`, or the `[default: X]` its description states. */
export function expectedDefault(spec: { default?: string | boolean; describe: string }): string | undefined {
  if (spec.default === true) return 'on';
  if (spec.default === false) return 'off';
  if (spec.default !== undefined) return spec.default;
  const stated = /\[default: ([^\]]+)\]/.exec(spec.describe);
  return stated ? plain((stated[1] as string).split(/[:;,(]/)[0] as string) : undefined;
}

const rows = flagRows(runSection(read('docs/cli.md')));
const rowFor = (flag: string): Row | undefined => rows.find((r) => r.flags.includes(flag) || r.flags.includes(`no-${flag}`));

describe('docs/cli.md against the flag table', () => {
  it('reads the defaults the table states, in either place', () => {
    assert.equal(expectedDefault({ describe: 'x', default: '5m' }), '5m');
    assert.equal(expectedDefault({ describe: 'x', default: true }), 'on');
    assert.equal(expectedDefault({ describe: 'Most % [default: off with PSI, 90 without]' }), 'off with PSI');
    assert.equal(expectedDefault({ describe: 'x [default: on with --on-pressure defer]; more' }), 'on with --on-pressure defer');
    assert.equal(expectedDefault({ describe: 'no default here' }), undefined);
  });

  it('the table has flags to check', () => {
    assert.ok(Object.keys(FLAG_TABLE).length > 20, `found ${Object.keys(FLAG_TABLE).length} flags`);
  });

  for (const [flag, spec] of Object.entries(FLAG_TABLE)) {
    it(`documents --${flag} and its default`, () => {
      const row = rowFor(flag);
      assert.ok(row, `docs/cli.md has no row for --${flag} under "## ioguard run"`);
      const wanted = expectedDefault(spec);
      if (wanted === undefined) return;
      assert.ok(row.defaultCell.includes(wanted), `--${flag}: the default cell "${row.defaultCell}" does not say "${wanted}"`);
    });
  }

  it('documents no run flag the table does not have', () => {
    const known = new Set(Object.keys(FLAG_TABLE));
    const unknown = rows.flatMap((r) => r.flags).filter((f) => !known.has(f) && !known.has(f.replace(/^no-/, '')));
    assert.deepEqual(unknown, []);
  });
});
