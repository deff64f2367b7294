import { evaluate, type Verdict } from './evaluate.ts';
import { probe, type ProbeOptions } from './probe.ts';
import { DEFAULT_THRESHOLDS, validateThresholds, type Thresholds } from './thresholds.ts';
import type { ProbeSnapshot } from './types.ts';

/** One look at the system and the verdict against `thresholds` (defaults: the gate's). */
export async function checkSystem(
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
  options: ProbeOptions = {},
): Promise<{ snapshot: ProbeSnapshot; verdict: Verdict }> {
  validateThresholds(thresholds);
  const snapshot = await probe(options);
  return { snapshot, verdict: evaluate(snapshot, thresholds) };
}
