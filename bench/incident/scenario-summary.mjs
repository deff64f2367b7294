// Figures of issue 9 per arm record, and one table per scenario (median over repetitions).
import { inBurst } from './scenarios.mjs';
import { summarize } from './summary.mjs';

const SLOW_MS = 100;

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const round = (v, d = 1) => (Number.isFinite(v) ? Number(v.toFixed(d)) : null);
const lat = (points) => points.map((p) => p.latencyMs).sort((a, b) => a - b);
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length === 0 ? null : v[Math.floor((v.length - 1) / 2)];
};

/** Everything the README table needs from one arm run. */
export function scenarioFigures(record, scenario) {
  const base = summarize(record);
  const probe = record.probe;
  const burst = probe.filter((p) => inBurst(scenario, p.t));
  const quiet = probe.filter((p) => !inBurst(scenario, p.t));
  const slowMs = probe.filter((p) => p.latencyMs > SLOW_MS).reduce((s, p) => s + p.latencyMs, 0);
  const log = record.ioguardLog ?? [];
  const startedByPid = new Map(log.filter((l) => l.event === 'started').map((l) => [l.pid, Date.parse(l.time)]));
  const delays = record.ticks
    .map((k) => startedByPid.get(k.pid))
    .map((t, i) => (t === undefined ? undefined : (t - record.ticks[i].wallMs) / 1000))
    .filter((d) => d !== undefined);
  const pauses = log.filter((l) => l.event === 'resumed');
  const tenant = record.tenant;
  let tenantFig = {};
  if (tenant?.kind === 'db-burst') {
    const inB = tenant.commits.filter((p) => inBurst(scenario, p.t));
    const burstSeconds = Math.max(1, countBurstSeconds(scenario, record.durationS));
    tenantFig = { tenantCommitsPerS: round(inB.length / burstSeconds, 0), tenantCommitP99Ms: round(percentile(lat(inB), 0.99)) };
  } else if (tenant) {
    tenantFig = { tenantMBperS: round(tenant.mbPerS, 1) };
  }
  return {
    probeP50Ms: round(percentile(lat(probe), 0.5)),
    probeP99Ms: round(percentile(lat(probe), 0.99)),
    ...(scenario.tenant === 'db-burst'
      ? { burstP50Ms: round(percentile(lat(burst), 0.5)), burstP99Ms: round(percentile(lat(burst), 0.99)), quietP99Ms: round(percentile(lat(quiet), 0.99)) }
      : {}),
    slowSharePct: round((slowMs / 1000 / record.durationS) * 100),
    copiesCompleted: base.copiesCompleted,
    stallSPerCopy: base.copiesCompleted > 0 ? round(slowMs / 1000 / base.copiesCompleted) : null,
    startDelayMeanS: delays.length ? round(delays.reduce((a, b) => a + b, 0) / delays.length) : null,
    pauses: pauses.length,
    pausedS: round(pauses.reduce((s, l) => s + Number(l.pausedMs ?? 0), 0) / 1000),
    deferred: base.ioguard?.deferred ?? null,
    skipped: base.ioguard?.skipped ?? (record.ticks.filter((k) => k.exitCode === 75).length || 0),
    psiSomePct: base.psiIoSomePct,
    ...tenantFig,
  };
}

function countBurstSeconds(scenario, durationS) {
  let n = 0;
  for (let t = 0; t < durationS; t += 0.1) if (inBurst(scenario, t)) n += 0.1;
  return n;
}

const COLUMNS = [
  ['probeP50Ms', 'probe p50 ms'],
  ['probeP99Ms', 'probe p99 ms'],
  ['burstP99Ms', 'p99 in bursts'],
  ['quietP99Ms', 'p99 quiet'],
  ['slowSharePct', 'time in >100ms calls %'],
  ['tenantCommitsPerS', 'tenant commits/s (bursts)'],
  ['tenantCommitP99Ms', 'tenant commit p99 ms'],
  ['tenantMBperS', 'tenant MB/s'],
  ['copiesCompleted', 'copies done'],
  ['stallSPerCopy', 'stall s / copy'],
  ['startDelayMeanS', 'start delay s'],
  ['deferred', 'deferred'],
  ['skipped', 'skipped'],
  ['pauses', 'pauses'],
  ['pausedS', 'paused s'],
];

/** Markdown table of one scenario: arms in rows, the median over repetitions in each cell. */
export function scenarioTable(scenario, runs) {
  const arms = [...new Set(runs.map((r) => r.key))];
  const cols = COLUMNS.filter(([k]) => runs.some((r) => r.figures[k] !== undefined && r.figures[k] !== null));
  const lines = [`**${scenario.title}**`, '', `| arm | ${cols.map(([, h]) => h).join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
  for (const key of arms) {
    const mine = runs.filter((r) => r.key === key);
    const cells = cols.map(([k]) => median(mine.map((r) => r.figures[k])) ?? '-');
    lines.push(`| ${mine[0].title} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
