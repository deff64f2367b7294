// The five scenarios of issue 9. Each runs every arm for `armS` seconds (interleaved across
// repetitions by run.mjs); a tick launches `jobs` heavy copies (distinct job names) at once.
// Tenants stand for the rest of the box: a database committing in bursts, a bulk writer, a
// dirty flood. Kept short (40 s) so the whole bench fits in about 20 minutes on 2 cores.

/**
 * @typedef {{key: string, title: string, tickS: number, jobs: number, tenant?: 'db-burst' | 'bulk' | 'flood', burstOnS?: number, burstOffS?: number}} Scenario
 * @type {Scenario[]}
 */
export const SCENARIOS = [
  { key: 'db-burst', title: '(a) DB tenant committing in bursts (10 s on / 10 s off)', tickS: 10, jobs: 1, tenant: 'db-burst', burstOnS: 10, burstOffS: 10 },
  { key: 'bulk', title: '(b) bulk tenant (direct-I/O stream on the slow device)', tickS: 10, jobs: 1, tenant: 'bulk' },
  { key: 'same-tick', title: '(c) three heavy jobs due the same tick', tickS: 20, jobs: 3 },
  { key: 'flood', title: '(d) dirty flood (buffered dd on the system disk)', tickS: 10, jobs: 1, tenant: 'flood' },
  { key: 'pileup', title: '(e) the original pile-up (a tick every 3 s)', tickS: 3, jobs: 1 },
];

/** Is second `t` of the arm inside a tenant burst? (bursts start at t=0) */
export function inBurst(scenario, t) {
  if (scenario.tenant !== 'db-burst') return false;
  const period = (scenario.burstOnS ?? 10) + (scenario.burstOffS ?? 10);
  return t % period < (scenario.burstOnS ?? 10);
}
