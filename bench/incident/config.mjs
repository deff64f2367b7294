// Benchmark knobs, from the environment so a quick or a heavier run needs no code change.
// Defaults keep each arm under a minute and the whole run at a few minutes on 2 cores.

const KNOBS = {
  files: ['INCIDENT_FILES', 20_000, 'small files in the source tree'],
  writeIops: ['INCIDENT_WRITE_IOPS', 1500, 'write IOPS allowed on the slow device'],
  dirtyBytes: ['INCIDENT_DIRTY_BYTES', 4 * 1024 * 1024, "the slow device's dirty page allowance"],
  tickS: ['INCIDENT_TICK_S', 3, 'seconds between scheduler ticks'],
  armS: ['INCIDENT_ARM_S', 30, 'seconds per arm (per scenario and repetition)'],
  reps: ['INCIDENT_REPS', 3, 'interleaved repetitions of every arm in every scenario'],
  floodMb: ['INCIDENT_FLOOD_MB', 5000, 'size of the dirty flood in scenario (d), MiB (reach the throttle point)'],
  baselineS: ['INCIDENT_BASELINE_S', 5, 'seconds of probe-only baseline (0 to skip)'],
  probeMs: ['INCIDENT_PROBE_MS', 100, 'foreground probe interval'],
  sampleMs: ['INCIDENT_SAMPLE_MS', 250, 'sampling interval for copies and PSI'],
  settleAvg10: ['INCIDENT_SETTLE_AVG10', 5, 'wait before an arm until PSI io some avg10 is below this'],
  settleMaxS: ['INCIDENT_SETTLE_MAX_S', 40, '...or at most this long'],
  graceS: ['INCIDENT_GRACE_S', 5, 'seconds a wrapper gets after SIGTERM at the end of an arm'],
  imageBytes: ['INCIDENT_IMAGE_BYTES', 2 * 1024 ** 3, 'size of the sparse file behind the loop device'],
};

export function readConfig(env = process.env) {
  const config = {};
  for (const [key, [name, fallback]] of Object.entries(KNOBS)) {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    config[key] = value;
  }
  const arms = env.INCIDENT_ARMS?.split(',').map((s) => s.trim()).filter(Boolean);
  const scenarios = env.INCIDENT_SCENARIOS?.split(',').map((s) => s.trim()).filter(Boolean);
  return { ...config, arms, scenarios, keep: env.INCIDENT_KEEP === '1' };
}

export function describeKnobs() {
  return Object.values(KNOBS)
    .map(([name, fallback, help]) => `  ${name.padEnd(24)} ${String(fallback).padEnd(11)} ${help}`)
    .join('\n');
}
