// The layering of src/ (issue 17): no import cycle between files or folders, and no feature folder
// importing upward into run/ or cli/. The graph comes from scripts/import-graph.mjs, which
// `node scripts/import-graph.mjs` also prints for a person.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGraph, cycles, folderGraph, upwardImports } from '../../scripts/import-graph.mjs';

const SRC = new URL('../../src', import.meta.url).pathname;
const graph = buildGraph(SRC);

describe('the import graph of src/', () => {
  it('sees the files and their imports (a graph that found nothing could not fail)', () => {
    assert.ok(graph.size > 100, `${graph.size} files`);
    assert.ok(graph.get('lock/acquire.ts')?.includes('lock/record.ts'), 'lock/acquire.ts imports lock/record.ts');
    assert.deepEqual(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', ['a.ts']]])), [['a.ts', 'b.ts']]);
  });

  it('has no import cycle between files', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('has no import cycle between folders', () => {
    assert.deepEqual(cycles(folderGraph(graph)), []);
  });

  it('has no import from a feature folder into run/ or cli/', () => {
    assert.deepEqual(upwardImports(graph), []);
  });
});
