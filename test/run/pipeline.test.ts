import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { runPipeline, type Ending, type RunStep, type StepResult } from '../../src/run/pipeline.ts';

type Trace = string[];

/** A step that notes its enter and exit in the trace and then does what it is told. */
function step(name: string, does: StepResult | 'throw' | 'async' = 'proceed', exitThrows = false): RunStep<Trace> {
  return {
    name,
    async enter(trace) {
      trace.push(`enter ${name}`);
      if (does === 'throw') throw new Error(`${name} failed`);
      if (does === 'async') {
        await new Promise((r) => setTimeout(r, 5));
        return 'proceed';
      }
      return does;
    },
    exit(trace, ending: Ending) {
      trace.push(`exit ${name} (${ending.kind})`);
      if (exitThrows) throw new Error(`${name} exit failed`);
    },
  };
}

describe('the run pipeline', () => {
  it('on success enters every step in order, then exits them in reverse order', async () => {
    const trace: Trace = [];
    const ending = await runPipeline(trace, [step('lock'), step('fleet', 'async'), step('spawn')]);
    assert.deepEqual(ending, { kind: 'completed' });
    const exits = ['exit spawn (completed)', 'exit fleet (completed)', 'exit lock (completed)'];
    assert.deepEqual(trace, ['enter lock', 'enter fleet', 'enter spawn', ...exits]);
  });

  it('a step that stops keeps the later steps from entering; the entered ones, itself included, exit in reverse order', async () => {
    const trace: Trace = [];
    const ending = await runPipeline(trace, [step('lock'), step('gate', 'stop'), step('spawn')]);
    assert.deepEqual(ending, { kind: 'stopped', by: 'gate' });
    assert.deepEqual(trace, ['enter lock', 'enter gate', 'exit gate (stopped)', 'exit lock (stopped)']);
  });

  it('a step that throws keeps the later steps from entering; the entered ones exit in reverse order, the error rethrown', async () => {
    const trace: Trace = [];
    const steps = [step('lock'), step('fleet'), step('spawn', 'throw'), step('supervise')];
    await assert.rejects(() => runPipeline(trace, steps), /spawn failed/);
    const exits = ['exit spawn (threw)', 'exit fleet (threw)', 'exit lock (threw)'];
    assert.deepEqual(trace, ['enter lock', 'enter fleet', 'enter spawn', ...exits]);
  });

  it('an exit that throws does not keep the earlier steps from exiting; they see the run as thrown, its error rethrown', async () => {
    const trace: Trace = [];
    const steps = [step('record'), step('lock'), step('govern', 'proceed', true)];
    await assert.rejects(() => runPipeline(trace, steps), /govern exit failed/);
    const exits = ['exit govern (completed)', 'exit lock (threw)', 'exit record (threw)'];
    assert.deepEqual(trace, ['enter record', 'enter lock', 'enter govern', ...exits]);
  });

  it('the first error wins: an enter error is rethrown even when an exit throws too', async () => {
    const trace: Trace = [];
    await assert.rejects(() => runPipeline(trace, [step('lock', 'proceed', true), step('spawn', 'throw')]), /spawn failed/);
    assert.deepEqual(trace, ['enter lock', 'enter spawn', 'exit spawn (threw)', 'exit lock (threw)']);
  });

  it('a step without an exit is skipped on the way back', async () => {
    const trace: Trace = [];
    const bare: RunStep<Trace> = { name: 'interrupted', enter: (t) => (t.push('enter interrupted'), 'proceed') };
    await runPipeline(trace, [step('lock'), bare, step('spawn', 'stop')]);
    assert.deepEqual(trace, ['enter lock', 'enter interrupted', 'enter spawn', 'exit spawn (stopped)', 'exit lock (stopped)']);
  });
});
