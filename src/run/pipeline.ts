/** What a step's enter says: go on to the next step, or stop here (the result is already filled). */
export type StepResult = 'proceed' | 'stop';

/** How the pipeline ended, as every exit sees it; an exit that throws turns it into 'threw' for the exits after it. */
export type Ending = { kind: 'completed' } | { kind: 'stopped'; by: string } | { kind: 'threw'; error: unknown };

/**
 * One named step of a run (lock, fleet, slot, gate, spawn...). `enter` does the step's work and
 * proceeds or stops; `exit` undoes what enter left behind (release, close, record). Exit is called
 * for every step whose enter was called, also the one that stopped or threw, so a step puts a
 * resource on the run state the moment it holds it and its exit releases whatever is there.
 */
export interface RunStep<S> {
  readonly name: string;
  enter(state: S): StepResult | Promise<StepResult>;
  exit?(state: S, ending: Ending): void | Promise<void>;
}

/**
 * Enter the steps in order until one stops or throws, then call the exits of the entered steps in
 * reverse order, on every path. Rethrows the first error (of an enter, else of an exit).
 */
export async function runPipeline<S>(state: S, steps: readonly RunStep<S>[]): Promise<Ending> {
  const entered: RunStep<S>[] = [];
  let ending: Ending = { kind: 'completed' };
  try {
    for (const step of steps) {
      entered.push(step);
      if ((await step.enter(state)) === 'stop') {
        ending = { kind: 'stopped', by: step.name };
        break;
      }
    }
  } catch (error) {
    ending = { kind: 'threw', error };
  }
  for (const step of entered.reverse()) {
    try {
      await step.exit?.(state, ending);
    } catch (error) {
      if (ending.kind !== 'threw') ending = { kind: 'threw', error };
    }
  }
  if (ending.kind === 'threw') throw ending.error;
  return ending;
}
