// The layering of src/ (issue 17): no import cycle between files or folders, and no feature folder
// importing upward into run/ or cli/. The graph comes from scripts/import-graph.mjs, which
// `node scripts/import-graph.mjs` also prints for a person.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGraph, cycles, folderGraph, folderOf, upwardImports, type Graph } from '../../scripts/import-graph.mjs';

const SRC = new URL('../../src', import.meta.url).pathname;
const graph = buildGraph(SRC);

// Steps of the run that still sit in feature folders until the run pipeline moves them into
// src/run/steps/ (issue 17, branch i17-pipeline); counted as run/ for the assertions that hold now.
const MOVING_TO_RUN_STEPS = ['fleet/fleet-step.ts', 'fleet/adopt-orphan.ts', 'slot/slot-step.ts', 'history/record-invocation.ts'];
const TOP = new Set(['run', 'guard']);

/** The graph with run/, guard/ and the steps moving into run/ left out: what must already be acyclic. */
function withoutRun(g: Graph): Graph {
  const out: Graph = new Map();
  const gone = (f: string): boolean => TOP.has(folderOf(f)) || MOVING_TO_RUN_STEPS.includes(f);
  for (const [from, targets] of g) if (!gone(from)) out.set(from, targets.filter((t) => !gone(t)));
  return out;
}

describe('the import graph of src/', () => {
  it('sees the files and their imports (a graph that found nothing could not fail)', () => {
    assert.ok(graph.size > 100, `${graph.size} files`);
    assert.ok(graph.get('lock/acquire.ts')?.includes('lock/record.ts'), 'lock/acquire.ts imports lock/record.ts');
    assert.deepEqual(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', ['a.ts']]])), [['a.ts', 'b.ts']]);
  });

  it('has no import cycle between files', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('has no import cycle between folders outside run/ and guard/', () => {
    assert.deepEqual(cycles(folderGraph(withoutRun(graph))), []);
  });

  it('has no import from a feature folder into run/ or cli/, but for the steps moving into run/steps/', () => {
    assert.deepEqual(upwardImports(graph).filter((edge) => !MOVING_TO_RUN_STEPS.includes(edge.split(' -> ')[0] as string)), []);
  });

  it('has no import cycle between folders at all', { todo: 'lands with the run pipeline' }, () => {
    assert.deepEqual(cycles(folderGraph(graph)), []);
  });

  it('has no import from a feature folder into run/ or cli/ at all', { todo: 'lands with the run pipeline' }, () => {
    assert.deepEqual(upwardImports(graph), []);
  });
});
