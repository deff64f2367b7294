// Figures per scenario and arm, pooled over the repetitions, and the Markdown table.

const quantile = (sorted, q) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]);
const median = (xs) => quantile(xs.slice().sort((a, b) => a - b), 0.5);

/** Seconds spent in calls slower than 100 ms: "less harm" versus "the same harm at another time". */
const stallS = (points) => points.filter((x) => x > 100).reduce((t, x) => t + x, 0) / 1000;

function latency(points) {
  const s = points.slice().sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), over100: s.length === 0 ? null : s.filter((x) => x > 100).length / s.length };
}

export function summarizeRuns(runs) {
  const out = {};
  for (const r of runs) {
    const key = `${r.scenario}/${r.arm}`;
    (out[key] ??= { scenario: r.scenario, arm: r.arm, runs: [] }).runs.push(r);
  }
  return Object.values(out).map(({ scenario, arm, runs: rs }) => ({
    scenario,
    arm,
    reps: rs.length,
    finished: rs.filter((r) => r.exitCode === 0 && r.intact).length,
    jobS: { median: median(rs.map((r) => r.jobMs / 1000)), min: Math.min(...rs.map((r) => r.jobMs / 1000)), max: Math.max(...rs.map((r) => r.jobMs / 1000)) },
    pauses: rs.reduce((s, r) => s + r.pauses, 0) / rs.length,
    pausedS: rs.reduce((s, r) => s + r.pausedMs, 0) / rs.length / 1000,
    ioSomePct: median(rs.map((r) => r.ioSomePct)),
    commit: latency(rs.flatMap((r) => r.commitMs)),
    commitP99PerRep: rs.map((r) => latency(r.commitMs).p99),
    commitStallSPerJob: rs.reduce((t, r) => t + stallS(r.commitMs), 0) / rs.length,
    fsyncStallSPerJob: rs.reduce((t, r) => t + stallS(r.fsyncMs), 0) / rs.length,
    fsync: latency(rs.flatMap((r) => r.fsyncMs)),
    levers: [...new Set(rs.map((r) => r.lever ?? 'none'))],
  }));
}

const ms = (x) => (x === null ? '—' : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const pct = (x) => (x === null ? '—' : `${Math.round(x * 100)}%`);

export function leverTable(summary, { machine, config, scenarios, arms, totalS, date }) {
  const lines = [
    '# bench:levers — which governor lever protects a foreground commit',
    '',
    `${(date ?? new Date().toISOString()).slice(0, 10)}, kernel ${machine.kernel}, ${machine.cpus} CPUs, ${machine.memGiB} GiB, cgroup ${machine.cgroup}.`,
    `Slow shared device (bench/levers/shared-device.mjs): ext4 on a loop device whose backing file lives on a second loop device held to ${config.deviceMbps} MiB/s and ${config.writeIops} write IOPS by a root blkio rule (reached only by the flusher, so every cgroup shares it); ${config.dirtyMb} MiB dirty allowance on each.`,
    `Job: \`ioguard run --no-gate <arm flags> -- dd if=<${config.jobMb} MiB random> of=<slow device> bs=${config.ddBs ?? '1M'} ...\`, ended after ${config.capS} s if not done.`,
    `Probes every ${config.probeMs} ms on the same device: commit = 4 KiB O_DIRECT|O_DSYNC pwrite; fsync = buffered append + fsync. Figures over the job's lifetime,`,
    `pooled over ${config.reps} interleaved repetitions${totalS === undefined ? '' : ` (${totalS} s in all)`}. Governor at its defaults (io some > 50% for 2 s with others waiting; resume < 20%; pause ≤ 15 s; run ≥ 5 s between pauses).`,
    '',
    'Reproduce: `npm run build && sudo npm run bench:levers` (knobs: `node bench/levers/run.mjs --help`).',
    '',
  ];
  for (const s of scenarios) {
    lines.push(`## ${s.title}`, '', '| arm | commit p50 | commit p99 (per rep) | commit calls > 100 ms | commit stall s per job | fsync p50 / p99 | fsync > 100 ms | fsync stall s per job | job time, median (range) | finished, exit 0 + intact | pauses / paused s (mean) | io some |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const a of arms) {
      const f = summary.find((x) => x.scenario === s.key && x.arm === a.key);
      if (!f) continue;
      lines.push(`| ${a.title} | ${ms(f.commit.p50)} | ${ms(f.commit.p99)} (${f.commitP99PerRep.map(ms).join(', ')}) | ${pct(f.commit.over100)} | ${f.commitStallSPerJob.toFixed(1)} | ${ms(f.fsync.p50)} / ${ms(f.fsync.p99)} | ${pct(f.fsync.over100)} | ${f.fsyncStallSPerJob.toFixed(1)} | ${f.jobS.median.toFixed(1)} s (${f.jobS.min.toFixed(1)}–${f.jobS.max.toFixed(1)}) | ${f.finished}/${f.reps} | ${f.pauses.toFixed(1)} / ${f.pausedS.toFixed(1)} | ${f.ioSomePct}% |`);
    }
    lines.push('');
  }
  lines.push('"stall s per job": seconds the probe spent in calls slower than 100 ms during the job, per job: it tells "less harm" from "the same harm at another time".', '', 'What this decided (`--govern-lever auto`) and why: [docs/governor.md](../../docs/governor.md#which-lever).', '');
  return `${lines.join('\n')}\n`;
}
