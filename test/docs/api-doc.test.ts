// docs/api.md is the library reference: every export of src/index.ts has a section there
// ("### `name`"), and every IoguardError code is documented, so an export cannot ship unexplained.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, read } from './markdown.ts';

/** Names a module exports through `export {...} from` / `export type {...} from` lists (type prefixes and renames resolved). */
export function exportNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)) {
    for (const raw of (m[1] as string).split(',')) {
      const item = raw.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim().replace(/^type\s+/, '');
      if (item === '') continue;
      const renamed = /\s+as\s+(\S+)$/.exec(item);
      names.push(renamed ? (renamed[1] as string) : item);
    }
  }
  // Direct declarations too, should index.ts ever hold one.
  const declaration = /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for (const m of source.matchAll(declaration)) names.push(m[1] as string);
  return [...new Set(names)];
}

/** The stable codes, from the union in src/errors/ioguard-error.ts. */
export function errorCodes(source: string): string[] {
  const union = /export type IoguardErrorCode\s*=([^;]*);/.exec(source);
  assert.ok(union, 'IoguardErrorCode union found');
  return [...(union[1] as string).matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1] as string);
}

const api = read('docs/api.md');
const headings = new Set([...api.matchAll(/^###\s+`([^`]+)`\s*$/gm)].map((m) => m[1] as string));

describe('docs/api.md', () => {
  it('the export parser reads type prefixes, renames, multi-line lists and comments', () => {
    const src = "export { a, type B, c as d } from './x.ts';\nexport type {\n  E, // why\n  F,\n} from './y.ts';\nexport const G = 1;\n";
    assert.deepEqual(exportNames(src), ['a', 'B', 'd', 'E', 'F', 'G']);
  });

  it('has a "### `name`" section for every export of src/index.ts', () => {
    const exported = exportNames(read('src/index.ts'));
    assert.ok(exported.length > 40, `found ${exported.length} exports`);
    assert.deepEqual(exported.filter((n) => !headings.has(n)), []);
  });

  it('documents no export that src/index.ts does not have', () => {
    const exported = new Set(exportNames(read('src/index.ts')));
    assert.deepEqual([...headings].filter((h) => !exported.has(h)), []);
  });

  it('documents every IoguardError code', () => {
    const codes = errorCodes(read('src/errors/ioguard-error.ts'));
    assert.ok(codes.length >= 8, `found ${codes.length} codes`);
    assert.deepEqual(codes.filter((c) => !api.includes(`\`${c}\``)), []);
  });

  it('lists every run outcome', () => {
    // Wherever the list lives (src/history/outcome.ts, below run/ and history/ both).
    const [file] = execFileSync('grep', ['-rl', '--include=*.ts', 'export const RUN_OUTCOMES', join(ROOT, 'src')], { encoding: 'utf8' }).trim().split('\n');
    const list = /RUN_OUTCOMES\s*=\s*\[([^\]]*)\]/.exec(readFileSync(file as string, 'utf8'));
    assert.ok(list, 'RUN_OUTCOMES found');
    const outcomes = [...(list[1] as string).matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
    assert.deepEqual(outcomes.filter((o) => !api.includes(`\`'${o}'\``)), []);
  });
});

/** Field names of `export interface NAME {...}`, wherever in src/ it lives (files move; names stay). */
function interfaceFields(name: string): string[] {
  const grep = ['-rl', '--include=*.ts', `export interface ${name}\\b`, join(ROOT, 'src')];
  const files = execFileSync('grep', grep, { encoding: 'utf8' }).trim().split('\n');
  assert.equal(files.length, 1, `one declaration of ${name}: ${files.join(', ')}`);
  const source = readFileSync(files[0] as string, 'utf8');
  const start = source.search(new RegExp(`export interface ${name}\\b[^{]*\\{`));
  let depth = 0;
  let end = start;
  for (let i = source.indexOf('{', start); i < source.length; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  const body = source.slice(source.indexOf('{', start) + 1, end).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  // Top-level members only: nested object types are blanked first.
  let flat = body;
  while (/\{[^{}]*\}/.test(flat)) flat = flat.replace(/\{[^{}]*\}/g, '');
  return [...flat.matchAll(/^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[:(]/gm)].map((m) => m[1] as string);
}

describe('docs/api.md options and fields', () => {
  const documented = ['RunOptions', 'GateOptions', 'GovernOptions', 'FleetOptions', 'RunResult', 'HolderInfo', 'RunUsage'];
  documented.push('ListJobsOptions', 'HistoryEntry', 'Forecast', 'ProbeOptions', 'Thresholds', 'Verdict');
  for (const name of documented) {
    it(`names every member of ${name}`, () => {
      const fields = interfaceFields(name);
      assert.ok(fields.length > 0, `${name} has members`);
      const section = apiSection(name);
      assert.deepEqual(fields.filter((f) => !section.includes(`\`${f}\``)), []);
    });
  }
});

/** The text of api.md's "### `NAME`" section, up to the next heading: a member must be named in its own table. */
function apiSection(name: string): string {
  const start = api.indexOf(`### \`${name}\``);
  assert.ok(start >= 0, `docs/api.md has a section for ${name}`);
  const next = api.slice(start + 4).search(/^#{2,3} /m);
  return next < 0 ? api.slice(start) : api.slice(start, start + 4 + next);
}
