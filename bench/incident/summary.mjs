// Turns one arm's raw record into the figures of the table, and prints the table.

const EXIT_SKIPPED = 75;

export function summarize(record) {
  const { samples, probe, ticks, durationS } = record;
  const peak = samples.reduce((m, s) => Math.max(m, s.copies), 0);
  const dAtPeak = samples.filter((s) => s.copies === peak).reduce((m, s) => Math.max(m, s.copiesInD), 0);
  const latencies = probe.map((p) => p.latencyMs).sort((a, b) => a - b);
  const decisions = countDecisions(record);
  return {
    copiesAlivePeak: peak,
    copiesAliveMean: round(timeWeightedMean(samples, durationS), 2),
    copiesInDAtPeak: dAtPeak,
    psiIoSomePct: round(record.psi.somePct, 1),
    psiIoFullPct: round(record.psi.fullPct, 1),
    psiCpuSomePct: round(record.cpu.psiSomePct, 1),
    cpuBusyPct: round(record.cpu.busyPct, 1),
    probe: {
      count: latencies.length,
      p50Ms: round(percentile(latencies, 0.5), 1),
      p99Ms: round(percentile(latencies, 0.99), 1),
      maxMs: round(latencies.at(-1) ?? NaN, 1),
    },
    ticks: ticks.length,
    copiesStarted: record.copiesStarted,
    copiesCompleted: ticks.filter((k) => k.exitCode === 0 && k.endT !== null && k.endT <= durationS).length,
    tickExits: tally(ticks.map((k) => (k.endT === null || k.endT > durationS ? 'running at end' : k.signal ?? String(k.exitCode)))),
    ioguard: decisions,
  };
}

/** ioguard's own account, from its JSON log, limited to the arm's window. */
function countDecisions(record) {
  if (record.ioguardLog.length === 0) return null;
  // pino writes `time` as epoch ms or, with an ISO time function, as a string.
  const inWindow = record.ioguardLog.filter((l) => !(logTimeMs(l) > record.windowMs.end));
  const events = tally(inWindow.map((l) => l.event).filter(Boolean));
  return { ran: events.started ?? 0, skipped: events.skipped ?? 0, deferred: events.deferred ?? 0, events };
}

function logTimeMs(line) {
  return typeof line.time === 'number' ? line.time : Date.parse(line.time);
}

/** What each tick turned into, for the chart's tick marks. */
export function tickOutcomes(record) {
  const byPid = new Map();
  for (const line of record.ioguardLog) {
    if (typeof line.pid !== 'number' || !line.event) continue;
    byPid.set(line.pid, [...(byPid.get(line.pid) ?? []), line.event]);
  }
  return record.ticks.map((tick) => {
    const events = byPid.get(tick.pid) ?? [];
    let outcome = 'ran';
    if (events.includes('started')) outcome = 'ran';
    else if (events.includes('deferred')) outcome = 'deferred';
    else if (events.includes('skipped') || tick.exitCode === EXIT_SKIPPED) outcome = 'skipped';
    return { t: tick.t, outcome };
  });
}

/** Series for the chart: copies alive and PSI io over a trailing window of ~1 s. */
export function timeline(record, windowS = 1) {
  const { samples } = record;
  return samples.map((s, i) => {
    let j = i;
    while (j > 0 && s.t - samples[j - 1].t <= windowS + 1e-6) j -= 1;
    const base = samples[j === i ? Math.max(0, i - 1) : j];
    const dtUs = (s.t - base.t) * 1e6;
    return {
      t: round(s.t, 2),
      copies: s.copies,
      copiesInD: s.copiesInD,
      psiSomePct: dtUs > 0 ? round(((s.someTotalUs - base.someTotalUs) / dtUs) * 100, 1) : 0,
      psiFullPct: dtUs > 0 ? round(((s.fullTotalUs - base.fullTotalUs) / dtUs) * 100, 1) : 0,
    };
  });
}

export function formatTable(rows) {
  const header = ['arm', 'alive peak', 'alive mean', 'D at peak', 'PSI some %', 'PSI full %', 'CPU busy %', 'probe n', 'probe p50 ms', 'p99 ms', 'max ms', 'started', 'completed', 'ioguard ran/skip/defer'];
  const body = rows.map(({ title, summary: s }) =>
    s
      ? [
          title,
          s.copiesAlivePeak,
          s.copiesAliveMean,
          s.copiesInDAtPeak,
          s.psiIoSomePct,
          s.psiIoFullPct,
          s.cpuBusyPct,
          s.probe.count,
          s.probe.p50Ms,
          s.probe.p99Ms,
          s.probe.maxMs,
          s.copiesStarted,
          s.copiesCompleted,
          s.ioguard ? `${s.ioguard.ran}/${s.ioguard.skipped}/${s.ioguard.deferred}` : '-',
        ].map(String)
      : [title, 'not run', ...Array(header.length - 2).fill('')],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(header), rule, ...body.map(line)].join('\n');
}

function timeWeightedMean(samples, durationS) {
  if (samples.length === 0) return 0;
  let area = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const next = samples[i + 1]?.t ?? durationS;
    area += samples[i].copies * Math.max(0, Math.min(next, durationS) - samples[i].t);
  }
  return area / durationS;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function tally(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const round = (x, digits) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
