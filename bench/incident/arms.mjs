// The four ways a scheduler tick can launch the copy. Each tick copies the tree into its own
// folder (an archive snapshot per tick), so every copy is the same amount of work and
// "copies completed" compares across arms; with one shared destination a later rsync would
// skip what an earlier one already wrote.
import { fileURLToPath } from 'node:url';

export const IOGUARD_BIN = process.env.IOGUARD_BIN ?? fileURLToPath(new URL('../../bin/ioguard.js', import.meta.url));

/**
 * @typedef {{source: string, destination: string, lockFile: string, lockDir: string, logFile: string, mountPoint: string}} TickPaths
 * @typedef {{key: string, title: string, usesIoguard: boolean, needsFlags?: string[], scheduler?: string, argv: (p: TickPaths) => string[]}} Arm
 */

const copy = (p) => ['rsync', '-a', `${p.source}/`, `${p.destination}/`];

/** One copy per job; with several jobs per tick each job has its own name and its own lock. */
const ioguardArgs = (p) => [process.execPath, IOGUARD_BIN, 'run', '--name', `incident-copy-${p.job}`, '--lock-dir', p.lockDir, '--log-file', p.logFile];

/** @type {Arm[]} */
export const ARMS = [
  {
    key: 'bare',
    title: 'bare (cron alone)',
    usesIoguard: false,
    argv: (p) => copy(p),
  },
  {
    key: 'flock',
    title: 'flock -n',
    usesIoguard: false,
    // -E 75: a busy lock exits 75 like ioguard's skip, so both read the same in the tick log.
    argv: (p) => ['flock', '-n', '-E', '75', `${p.lockFile}.${p.job}`, ...copy(p)],
  },
  {
    key: 'ioguard',
    title: 'ioguard run (defaults: gate + governor)',
    usesIoguard: true,
    needsFlags: ['--govern'],
    argv: (p) => [...ioguardArgs(p), ...extraArgs(), '--', ...copy(p)],
  },
  {
    key: 'ioguard-slot',
    title: 'ioguard run --slot (defaults + one heavy job at a time)',
    usesIoguard: true,
    needsFlags: ['--slot', '--govern'],
    argv: (p) => [...ioguardArgs(p), '--slot', 'incident', ...extraArgs(), '--', ...copy(p)],
  },
  {
    // Not in the default set: the tenant alone (the tick runs `true`), the baseline of the tenant's figures.
    key: 'none',
    title: 'tenant alone (no copy: the tick runs true)',
    usesIoguard: false,
    optional: true,
    argv: () => ['true'],
  },
  {
    // Not in the default set: the gate alone, as the defaults were before the governor.
    key: 'ioguard-gate-only',
    title: 'ioguard run --no-govern (gate only)',
    usesIoguard: true,
    optional: true,
    needsFlags: ['--no-govern'],
    argv: (p) => [...ioguardArgs(p), '--no-govern', ...extraArgs(), '--', ...copy(p)],
  },
];

/** INCIDENT_IOGUARD_ARGS="--max-io-pressure 20 --defer-max 30s" tunes the ioguard arms without editing code. */
function extraArgs() {
  const raw = (process.env.INCIDENT_IOGUARD_ARGS ?? process.env.INCIDENT_DEFER_ARGS)?.trim();
  return raw ? raw.split(/\s+/) : [];
}
