// Starts the foreground probe (probe.mjs) as its own process, so a stalled fsync never blocks
// the benchmark's own clock, and collects its "<startMs> <latencyMs>" lines.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));

export function startProbe(file, intervalMs, bursts) {
  const burstArgs = bursts ? [String(bursts.onMs), String(bursts.offMs)] : [];
  return collectProbe(spawn(process.execPath, [PROBE, file, String(intervalMs), ...burstArgs], { stdio: ['ignore', 'pipe', 'inherit'] }));
}

/**
 * Collects the "<startMs> <latencyMs>" lines of a probe process already spawned with a piped
 * stdout (probe.mjs, or bench:levers' O_DIRECT probe binary).
 */
export function collectProbe(child) {
  /** @type {{atMs: number, latencyMs: number}[]} */
  const points = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [at, latency] = line.split(' ').map(Number);
      if (Number.isFinite(at) && Number.isFinite(latency)) points.push({ atMs: at, latencyMs: latency });
    }
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  return {
    points,
    /** Asks the probe to stop after its current attempt; resolves when it has exited. */
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
